package io.txring.txn;

import io.txring.core.Backend;
import io.txring.core.RingConfig;

/** Every transaction test again, on the blocking fallback backend (io_uring blocked by seccomp, say). */
class BlockingBackendTransactionTest extends TransactionTest {
    @Override
    StoreConfig config() {
        return StoreConfig.defaults().withRing(RingConfig.builder().backend(Backend.BLOCKING).build());
    }
}
