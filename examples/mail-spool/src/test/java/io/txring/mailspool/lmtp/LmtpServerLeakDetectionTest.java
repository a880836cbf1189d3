package io.txring.mailspool.lmtp;

import static org.junit.jupiter.api.Assertions.*;

import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.Test;

/** A server turns Netty's leak detector off unless a system property sets its level (as the test build does). */
class LmtpServerLeakDetectionTest {
    private static final String PROPERTY = "io.netty.leakDetection.level";

    @Test
    void offUnlessAsked() {
        ResourceLeakDetector.Level before = ResourceLeakDetector.getLevel();
        String asked = System.getProperty(PROPERTY);
        try {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
            System.setProperty(PROPERTY, "paranoid");
            LmtpServer.quietLeakDetection();
            assertEquals(ResourceLeakDetector.Level.PARANOID, ResourceLeakDetector.getLevel(), "asked for: kept");
            System.clearProperty(PROPERTY);
            LmtpServer.quietLeakDetection();
            assertEquals(ResourceLeakDetector.Level.DISABLED, ResourceLeakDetector.getLevel(), "not asked for: off");
        } finally {
            if (asked == null) System.clearProperty(PROPERTY);
            else System.setProperty(PROPERTY, asked);
            ResourceLeakDetector.setLevel(before);
        }
    }
}
