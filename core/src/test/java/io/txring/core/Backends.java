package io.txring.core;

import java.io.IOException;
import java.time.Duration;
import java.util.stream.Stream;

/** The ring configurations every behavioural test runs against, with identical expectations. */
final class Backends {
    private Backends() {}

    static Stream<String> all() {
        return Stream.of("io_uring-SHARED", "io_uring-SINGLE_ISSUER", "io_uring-SQPOLL", "io_uring-SQPOLL_SINGLE_ISSUER", "blocking");
    }

    static RingConfig.Builder builder(String name) {
        RingConfig.Builder b = RingConfig.builder().entries(64);
        return switch (name) {
            case "io_uring-SHARED" -> b.backend(Backend.IO_URING).mode(Mode.SHARED);
            case "io_uring-SINGLE_ISSUER" -> b.backend(Backend.IO_URING).mode(Mode.SINGLE_ISSUER);
            case "io_uring-SQPOLL" -> b.backend(Backend.IO_URING).mode(Mode.SQPOLL).sqThreadIdle(Duration.ofMillis(5));
            case "io_uring-SQPOLL_SINGLE_ISSUER" -> b.backend(Backend.IO_URING).mode(Mode.SQPOLL_SINGLE_ISSUER).sqThreadIdle(Duration.ofMillis(5));
            case "blocking" -> b.backend(Backend.BLOCKING);
            default -> throw new IllegalArgumentException(name);
        };
    }

    static Ring open(String name) throws IOException {
        return Ring.open(builder(name).build());
    }
}
