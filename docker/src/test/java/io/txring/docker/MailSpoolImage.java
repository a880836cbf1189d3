package io.txring.docker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.UUID;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.images.builder.ImageFromDockerfile;

/**
 * The mail-spool image built from {@code docker/Dockerfile} on a local base image, once per
 * test run under a unique tag; {@link #close()} removes it (Ryuk is off on our engines). On
 * {@link DockerEngine#MTA_IMAGE} the same image also has Postfix and Python (the MTA tests).
 */
final class MailSpoolImage implements AutoCloseable {
    /** This module's directory: the Dockerfile, the seccomp profile and the scripts. */
    static final Path DOCKER_DIR = Path.of(System.getProperty("txring.docker.dir", "."));

    private final String name;

    private MailSpoolImage(String name) {
        this.name = name;
    }

    String name() {
        return name;
    }

    static MailSpoolImage build() {
        return build(DockerEngine.BASE_IMAGE, "txring-mailspool-it");
    }

    static MailSpoolImage build(String baseImage, String repository) {
        Path context = prepareContext();
        String tag = repository + ":" + UUID.randomUUID().toString().substring(0, 8);
        long t0 = System.nanoTime();
        String built = new ImageFromDockerfile(tag, false)
                .withDockerfile(context.resolve("Dockerfile"))
                .withBuildArg("BASE_IMAGE", baseImage)
                .get();
        System.out.printf("docker: built %s on %s in %.1f s%n", built, baseImage, (System.nanoTime() - t0) / 1e9);
        return new MailSpoolImage(built);
    }

    private static Path preparedContext; // the jlink runtime and jars: made once per run, whichever image is built first

    private static synchronized Path prepareContext() {
        if (preparedContext != null) return preparedContext;
        Path context = DOCKER_DIR.resolve("target/image-context");
        try {
            // The jlink runtime comes from the JDK running this test (./txring's JDK 25).
            ProcessBuilder pb = new ProcessBuilder("sh", DOCKER_DIR.resolve("image-context").toString(), context.toString())
                    .redirectErrorStream(true);
            pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) throw new IllegalStateException("docker/image-context failed:\n" + out);
            System.out.print(out);
        } catch (IOException e) {
            throw new IllegalStateException("running docker/image-context: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while preparing the image context", e);
        }
        return preparedContext = context;
    }

    @Override
    public void close() {
        DockerClientFactory.instance().client().removeImageCmd(name).withForce(true).exec();
        System.out.println("docker: removed image " + name);
    }
}
