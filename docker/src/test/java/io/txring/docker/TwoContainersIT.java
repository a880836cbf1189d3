package io.txring.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.containers.Container;
import org.testcontainers.containers.GenericContainer;

/**
 * Two JVMs in two containers on one volume move money between the same accounts (the Bank
 * probe, single-threaded in each): conflicting transactions are detected across the
 * containers (through the stamps and the OFD locks on the shared volume), and the total
 * stays what it was.
 */
@ExtendWith(DockerEngine.class)
class TwoContainersIT {
    static final int ACCOUNTS = 10, BALANCE = 800, TRANSFERS = 400;
    private static final String BANK = "/data/bank";

    @Test
    void conflictsAcrossContainersAreDetectedAndTheTotalHolds(MailSpoolImage image) throws Exception {
        try (DockerVolume volume = DockerVolume.create();
             GenericContainer<?> a = SpoolContainers.withVolume(SpoolContainers.create(image, "exec sleep infinity"), volume, false);
             GenericContainer<?> b = SpoolContainers.withVolume(SpoolContainers.create(image, "exec sleep infinity"), volume, false)) {
            a.start();
            b.start();
            Container.ExecResult init = SpoolContainers.sh(a, "probe Bank init " + BANK + " " + ACCOUNTS + " " + BALANCE);
            assertEquals(0, init.getExitCode(), init.getStdout() + init.getStderr());

            // Own threads: the common pool has one thread on a 2-core machine and would run them one after the other.
            ExecutorService both = Executors.newFixedThreadPool(2);
            CompletableFuture<Container.ExecResult> runA = CompletableFuture.supplyAsync(() -> bank(a, "A"), both);
            CompletableFuture<Container.ExecResult> runB = CompletableFuture.supplyAsync(() -> bank(b, "B"), both);
            both.shutdown();
            int conflicts = 0;
            for (Container.ExecResult r : new Container.ExecResult[] {runA.join(), runB.join()}) {
                String out = r.getStdout() + r.getStderr();
                assertEquals(0, r.getExitCode(), out);
                Matcher m = Pattern.compile("transfers=(\\d+) conflicts=(\\d+)").matcher(out);
                assertTrue(m.find(), out);
                assertEquals(TRANSFERS, Integer.parseInt(m.group(1)), out);
                conflicts += Integer.parseInt(m.group(2));
            }
            assertTrue(conflicts > 0, "each container runs one thread: a conflict can only come from the other container");

            Container.ExecResult total = SpoolContainers.sh(b, "probe Bank total " + BANK + " " + ACCOUNTS);
            String out = total.getStdout() + total.getStderr();
            assertEquals(0, total.getExitCode(), out);
            assertTrue(out.contains("bank: total=" + ACCOUNTS * BALANCE + " "), "money was neither made nor lost: " + out);
            Matcher lowest = Pattern.compile("lowest=(-?\\d+)").matcher(out);
            assertTrue(lowest.find() && Long.parseLong(lowest.group(1)) >= 0, "no account went negative: " + out);
            System.out.printf("two containers: %d transfers, %d conflicts detected across containers, total %d constant%n",
                    2 * TRANSFERS, conflicts, ACCOUNTS * BALANCE);
        }
    }

    private static Container.ExecResult bank(GenericContainer<?> c, String name) {
        try {
            return SpoolContainers.sh(c, "probe Bank run " + BANK + " " + name + " " + TRANSFERS + " 2");
        } catch (Exception e) {
            throw new IllegalStateException("bank run " + name + ": " + e, e);
        }
    }
}
