package io.txring.docker;

import com.github.dockerjava.api.exception.NotFoundException;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.testcontainers.DockerClientFactory;

/**
 * Runs a Docker test class only where a Docker engine answers and the local base image
 * exists. Without them it skips, with one loud line saying why and how to enable the
 * tests — unless {@code CI=true}, where it fails the run instead. Also hands test methods
 * the {@link MailSpoolImage}, built once per run and removed at its end.
 */
final class DockerEngine implements ExecutionCondition, ParameterResolver {
    static final String BASE_IMAGE = System.getProperty("txring.docker.baseImage", "txring-base:bookworm");
    /** The base with Postfix and Python as well, for classes marked {@link UsesMta}. */
    static final String MTA_IMAGE = System.getProperty("txring.docker.mtaImage", "txring-mta:bookworm");
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(DockerEngine.class);

    private static String unavailableReason, mtaMissing; // null: usable; decided once per JVM
    private static boolean decided, mtaDecided;
    private static final java.util.Set<String> announced = new java.util.HashSet<>(); // each reason is printed once

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        String why = unavailableReason();
        if (why == null && context.getTestClass().map(c -> c.isAnnotationPresent(UsesMta.class)).orElse(false)) why = mtaMissing();
        if (why == null) return ConditionEvaluationResult.enabled("Docker engine and " + BASE_IMAGE + " present");
        if ("true".equals(System.getenv("CI"))) {
            throw new IllegalStateException("CI=true and the Docker tests cannot run: " + why);
        }
        synchronized (DockerEngine.class) {
            if (announced.add(why)) {
                String which = why.equals(mtaMissing) ? "the Postfix integration tests"
                        : "the Docker integration tests (crash loop, seccomp, full disk, read-only, two containers, Postfix)";
                System.err.println("!!! SKIPPING " + which + ": " + why + " (README.md, \"Docker integration tests\"; CI=true makes this a failure)");
            }
        }
        return ConditionEvaluationResult.disabled(why);
    }

    private static synchronized String unavailableReason() {
        if (!decided) {
            decided = true;
            unavailableReason = probe();
        }
        return unavailableReason;
    }

    private static synchronized String mtaMissing() {
        if (!mtaDecided) {
            mtaDecided = true;
            try {
                DockerClientFactory.instance().client().inspectImageCmd(MTA_IMAGE).exec();
            } catch (NotFoundException e) {
                mtaMissing = "the base image " + MTA_IMAGE + " (Postfix, Python) is missing (nothing is pulled); build it: sudo docker/build-base-image";
            }
        }
        return mtaMissing;
    }

    private static String probe() {
        String host = System.getenv("DOCKER_HOST");
        Path socket = host == null ? Path.of("/var/run/docker.sock")
                : host.startsWith("unix://") ? Path.of(host.substring("unix://".length())) : null;
        // Our own quiet ping first: Testcontainers' discovery logs a page of errors when no engine answers.
        if (socket != null && !pings(socket)) {
            return "no Docker engine answers on " + socket + "; start one: sudo dockerd --bridge=none --iptables=false --ip-masq=false &";
        }
        if (!DockerClientFactory.instance().isDockerAvailable()) return "Testcontainers finds no usable Docker engine (DOCKER_HOST=" + host + ")";
        try {
            DockerClientFactory.instance().client().inspectImageCmd(BASE_IMAGE).exec();
        } catch (NotFoundException e) {
            return "the base image " + BASE_IMAGE + " is missing (nothing is pulled); build it: sudo docker/build-base-image";
        }
        return null;
    }

    /** Whether an engine answers {@code GET /_ping} on this socket within 5 s. */
    private static boolean pings(Path socket) {
        CompletableFuture<Boolean> answer = CompletableFuture.supplyAsync(() -> {
            try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                ch.write(ByteBuffer.wrap("GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
                ByteBuffer reply = ByteBuffer.allocate(256);
                while (reply.hasRemaining() && ch.read(reply) > 0) { /* until the status line is in or EOF */ }
                String status = new String(reply.array(), 0, reply.position(), StandardCharsets.US_ASCII);
                return status.startsWith("HTTP/1.0 200") || status.startsWith("HTTP/1.1 200");
            } catch (IOException e) {
                return false;
            }
        });
        try {
            return answer.get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            return false;
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == MailSpoolImage.class || type == MtaImage.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        // In the root context's store: built by the first class that needs it, closed (removed) when the run ends.
        var store = context.getRoot().getStore(NAMESPACE);
        if (parameter.getParameter().getType() == MtaImage.class) {
            return store.getOrComputeIfAbsent(MtaImage.class, k -> new MtaImage(MailSpoolImage.build(MTA_IMAGE, "txring-mailspool-mta-it")), MtaImage.class);
        }
        return store.getOrComputeIfAbsent(MailSpoolImage.class, k -> MailSpoolImage.build(), MailSpoolImage.class);
    }
}
