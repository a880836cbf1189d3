/**
 * FFM bindings for io_uring, liburing and the libc calls txring needs. The layouts and
 * constants in {@code io.txring.uring.generated} come from the installed headers
 * ({@code gen/regen}); the downcalls are here. The only module that uses restricted FFM
 * methods: run with {@code --enable-native-access=io.txring.uring}.
 */
module io.txring.uring {
    exports io.txring.uring;
    exports io.txring.uring.generated;
    exports io.txring.uring.internal to io.txring.core, io.txring.txn;
}
