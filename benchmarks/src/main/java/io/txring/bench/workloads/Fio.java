package io.txring.bench.workloads;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.txring.bench.harness.RoundSample;
import io.txring.bench.harness.VariantRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * fio's io_uring engine on the same file, the same block size and queue depth: the
 * ceiling a C program reaches. One fio process per round; its own clock and CPU counters.
 */
final class Fio implements VariantRun {
    private static final Path BINARY = Path.of("/usr/bin/fio");
    private final List<String> command;
    private final long ops;

    Fio(Path file, boolean direct, int qd, int block, long ops) {
        this.ops = ops;
        this.command = List.of(BINARY.toString(), "--name=randread", "--filename=" + file, "--rw=randread", "--bs=" + block,
                "--direct=" + (direct ? 1 : 0), "--ioengine=io_uring", "--iodepth=" + qd, "--size=" + TestFiles.GIB,
                "--io_size=" + ops * block, "--randrepeat=0", "--norandommap", "--invalidate=0", "--output-format=json");
    }

    static boolean installed() {
        return Files.isExecutable(BINARY);
    }

    @Override
    public RoundSample round() throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("fio did not finish in 120 s");
        }
        if (p.exitValue() != 0) throw new IOException("fio exited with " + p.exitValue());
        JsonNode job = new ObjectMapper().readTree(out).path("jobs").path(0);
        double iops = job.path("read").path("iops").asDouble();
        double runtimeMs = job.path("job_runtime").asDouble();
        double cpuShare = (job.path("usr_cpu").asDouble() + job.path("sys_cpu").asDouble()) / 100;
        if (iops <= 0) throw new IOException("fio reported no reads");
        return new RoundSample(ops, (long) (ops / iops * 1e9), -1, (long) (cpuShare * runtimeMs * 1e6));
    }

    @Override
    public long pid() {
        return -1; // a new fio process each round: nothing lasting for perf to attach to
    }

    @Override
    public void close() {}
}
