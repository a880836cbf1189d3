package io.txring.txn;

import java.io.IOException;

/** The body of {@link Store#run}: may run more than once, so it must not have effects outside the transaction. */
@FunctionalInterface
public interface TxFunction<T> {
    T apply(Transaction tx) throws IOException;
}
