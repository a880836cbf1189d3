/**
 * txring core: the io_uring queue pair ({@link io.txring.core.Ring}), operations
 * ({@link io.txring.core.Op}), the seed's queue ({@link io.txring.core.OpQueue}) and the
 * blocking fallback backend.
 */
module io.txring.core {
    requires transitive io.txring.uring;
    requires static io.netty.buffer;
    requires jdk.jfr; // RingEvents
    exports io.txring.core;
}
