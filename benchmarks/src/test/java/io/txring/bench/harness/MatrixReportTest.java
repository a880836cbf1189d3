package io.txring.bench.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** FILESYSTEMS.md: what a cell and a filesystem's line say. Nothing is run or timed. */
class MatrixReportTest {
    @Test
    void theMatrixTableNamesTheLoopDeviceAndTheDiskUnderIt() {
        WorkloadResult.Machine loop = new WorkloadResult.Machine(2, "6.18", "xfs", "loop0", "rw,relatime", null, null, "/tmp/i.img", "vda");
        WorkloadResult.Machine none = new WorkloadResult.Machine(2, "6.18", "tmpfs", null, "rw", null, null, null, null);
        assertEquals("loop0 (image on vda)", MatrixReport.device(loop));
        assertEquals("— (no block device)", MatrixReport.device(none));
        WorkloadResult r = new WorkloadResult("replace", "file replaced", "2026-11-30T00:00:00Z", loop, 1,
                List.of(new WorkloadResult.VariantResult("txring-shared", new Spread(1234.4, 1000, 1500), 3.3, null, 400, null, null, null,
                        2.5, new double[] {1234.4})),
                Map.of("txring-shared", new Spread(0.9, 0.8, 1.0)), null, null);
        assertEquals("1,234 · 0.90× · 2.50 fl", MatrixReport.cell(r, "txring-shared"));
        assertEquals("—", MatrixReport.cell(r, "nio"));
        assertEquals("—", MatrixReport.cell(null, "nio"));
    }

    @Test
    void aFilesystemThatDidNotRunIsListedWithWhy() {
        Map<String, List<WorkloadResult>> byFs = new LinkedHashMap<>();
        String md = MatrixReport.markdown(byFs, Map.of("xfs", "skipped: mkfs.xfs is missing"));
        assertTrue(md.contains("| xfs | skipped: mkfs.xfs is missing |"), md);
    }
}
