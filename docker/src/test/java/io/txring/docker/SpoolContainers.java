package io.txring.docker;

import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Volume;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.testcontainers.containers.Container;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * Containers of the mail-spool image as the tests run them: no network (LMTP is spoken on
 * the container's own loopback by a probe started with exec), never pulled, the probes'
 * jar copied in. Shell snippets for the common commands.
 */
final class SpoolContainers {
    static final String SPOOL = "/data/spool";
    static final String LISTEN = "127.0.0.1:2424";
    /** Starts the LMTP server on the spool (creating it if absent) as the container's main process. */
    static final String LMTP = lmtpCommand(LISTEN);

    /** The LMTP server on the spool (created if absent), listening on {@code listen}, as the container's main process. */
    static String lmtpCommand(String listen) {
        return "exec mailspool lmtp --root " + SPOOL + " --listen " + listen;
    }

    private static final Path PROBE_JAR = Path.of(System.getProperty("txring.docker.probeJar", "target/txring-docker-0.1.0-SNAPSHOT.jar"));
    /** Runs a probe main class (arguments follow) on the image's runtime beside the mail-spool's modules. */
    private static final String PROBE_LAUNCHER = """
            #!/bin/sh
            main=$1; shift
            exec java --enable-native-access=io.txring.uring \\
              -p "/opt/mailspool/modules:$(ls /opt/mailspool/txring-mail-spool-*.jar):/opt/probe/txring-docker.jar" \\
              -m "io.txring.docker/io.txring.docker.probe.$main" "$@"
            """;

    private SpoolContainers() {}

    /** A container running {@code sh -c script}, unstarted. */
    static GenericContainer<?> create(MailSpoolImage image, String script) {
        GenericContainer<?> c = new GenericContainer<>(DockerImageName.parse(image.name()));
        return c.withImagePullPolicy(name -> false)
                .withNetworkMode("none")
                .withCopyFileToContainer(MountableFile.forHostPath(PROBE_JAR), "/opt/probe/txring-docker.jar")
                .withCopyToContainer(Transferable.of(PROBE_LAUNCHER, 0755), "/usr/local/bin/probe")
                .withCommand("sh", "-c", script);
    }

    /** A container whose main process is the LMTP server, started once it listens. */
    static GenericContainer<?> lmtp(MailSpoolImage image, String script) {
        return create(image, script)
                .waitingFor(Wait.forLogMessage(".*mailspool lmtp: listening on .*\\s", 1).withStartupTimeout(Duration.ofMinutes(2)));
    }

    /** Mounts the volume at /data. */
    static GenericContainer<?> withVolume(GenericContainer<?> c, DockerVolume volume, boolean readOnly) {
        return c.withCreateContainerCmdModifier(cmd -> cmd.getHostConfig()
                .withBinds(new Bind(volume.name(), new Volume("/data"), readOnly ? AccessMode.ro : AccessMode.rw)));
    }

    /** Runs a shell command in the container and waits for it. */
    static Container.ExecResult sh(GenericContainer<?> c, String command) throws IOException, InterruptedException {
        return c.execInContainer("sh", "-c", command);
    }

    /** Starts a shell command in the container without waiting (it dies with the container). */
    static void shDetached(GenericContainer<?> c, String command) {
        var docker = c.getDockerClient();
        String exec = docker.execCreateCmd(c.getContainerId()).withCmd("sh", "-c", command).exec().getId();
        docker.execStartCmd(exec).withDetach(true).exec(new com.github.dockerjava.api.async.ResultCallback.Adapter<>());
    }

    /** What {@code SpoolAudit} found. */
    record Audit(int acked, int verified, int unackedDelivered, int messages, int problems, int exitCode, String output) {}

    /** Audits the spool against the ack logs in {@code acksDir} (see SpoolAudit). */
    static Audit audit(GenericContainer<?> c, String acksDir) throws IOException, InterruptedException {
        Container.ExecResult r = sh(c, "probe SpoolAudit --spool " + SPOOL + " --acks " + acksDir);
        String out = r.getStdout() + r.getStderr();
        Matcher m = Pattern.compile("audit: acked=(\\d+) verified=(\\d+) unacked-delivered=(\\d+) messages=(\\d+) files=\\d+ problems=(\\d+)").matcher(out);
        if (!m.find()) throw new AssertionError("no audit summary in:\n" + out);
        return new Audit(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
                Integer.parseInt(m.group(4)), Integer.parseInt(m.group(5)), r.getExitCode(), out);
    }

    /** What {@code DeliveryClient} reported. */
    record Deliveries(int sent, int acked, int tempfail, int other, int errors, String output) {}

    static Deliveries deliver(GenericContainer<?> c, String clientArgs) throws IOException, InterruptedException {
        Container.ExecResult r = sh(c, "probe DeliveryClient " + clientArgs);
        String out = r.getStdout() + r.getStderr();
        Matcher m = Pattern.compile("client: sent=(\\d+) acked=(\\d+) tempfail=(\\d+) other=(\\d+) errors=(\\d+)").matcher(out);
        if (r.getExitCode() != 0 || !m.find()) throw new AssertionError("the delivery client failed (exit " + r.getExitCode() + "):\n" + out);
        return new Deliveries(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
                Integer.parseInt(m.group(4)), Integer.parseInt(m.group(5)), out);
    }
}
