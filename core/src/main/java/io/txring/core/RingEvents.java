package io.txring.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.EventType;
import jdk.jfr.FlightRecorder;
import jdk.jfr.FlightRecorderListener;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;

/**
 * The ring's JFR events ({@code jfr print --events 'io.txring.*'}). All are on in a default
 * recording and cost nothing without one — not even JFR's set-up: a wait is timed only while
 * a recorder runs with {@link Wait} enabled, and the statistics are read once a second from
 * the counters the ring keeps anyway.
 */
final class RingEvents {
    private RingEvents() {}

    /** A caller waited for its ops' completions this long (only waits over the threshold are recorded). */
    @Name("io.txring.RingWait")
    @Label("Ring wait")
    @Category({"txring", "Ring"})
    @Description("A thread waited for completions of its ops on a ring")
    @Threshold("1 ms")
    @StackTrace(false)
    static final class Wait extends Event {
        @Label("Ring") String ring;
        @Label("Ops") @Description("Ops whose completions were awaited") int ops;
    }

    /** Once a second per open ring: what it did since the last one. */
    @Name("io.txring.RingStatistics")
    @Label("Ring statistics")
    @Category({"txring", "Ring"})
    @Description("Ops submitted and completed, io_uring_enter calls and the mean submission batch of a ring since the last period")
    @Period("1 s")
    @StackTrace(false)
    static final class Statistics extends Event {
        @Label("Ring") String ring;
        @Label("Mode") String mode;
        @Label("Submitted") long submitted;
        @Label("Completed") long completed;
        @Label("io_uring_enter calls") long enters;
        @Label("Ops per enter") @Description("submitted / enters; enters that only wait count too") double opsPerEnter;
        @Label("Run as syscalls") @Description("Ops run as plain syscalls beside the ring (routed, or ones io_uring lacks)") long syscalls;
        @Label("CQ overflows") long cqOverflows;
    }

    /**
     * Asked for only once the recorder is up: looking up an event type (or creating an event)
     * initializes JFR's metadata, half a second of a short-lived JVM's start (`mailspool deliver`).
     */
    private static final class Types {
        static final EventType WAIT = EventType.getEventType(Wait.class);
    }

    /** Whether waits are being timed (a recording with io.txring.RingWait enabled). */
    static boolean timingWaits() {
        return FlightRecorder.isInitialized() && Types.WAIT.isEnabled();
    }

    /** Records the wait {@code e} timed since its {@link Wait#begin()}, if over the threshold. */
    static void waited(Wait e, String ring, int ops) {
        e.end();
        if (e.shouldCommit()) {
            e.ring = ring;
            e.ops = ops;
            e.commit();
        }
    }

    /** Open rings and their counters at the last period; weak: a ring dropped unclosed is not kept alive by this. */
    private static final Map<Ring, RingMetrics> OPEN = Collections.synchronizedMap(new WeakHashMap<>());

    static {
        try {
            // The periodic event is registered when a recorder starts (at once if one runs): no JFR set-up before that.
            FlightRecorder.addListener(new FlightRecorderListener() {
                @Override
                public void recorderInitialized(FlightRecorder recorder) {
                    FlightRecorder.addPeriodicEvent(Statistics.class, RingEvents::emitStatistics);
                }
            });
        } catch (RuntimeException | LinkageError e) { // a JVM without JFR: no events, rings work the same
            System.getLogger(Ring.class.getName()).log(System.Logger.Level.DEBUG, "txring: JFR events off: " + e);
        }
    }

    static void opened(Ring ring) {
        OPEN.put(ring, ring.metrics());
    }

    static void closed(Ring ring) {
        OPEN.remove(ring);
    }

    private static void emitStatistics() {
        List<Map.Entry<Ring, RingMetrics>> open;
        synchronized (OPEN) {
            open = new ArrayList<>(OPEN.entrySet());
        }
        for (var entry : open) {
            Ring ring = entry.getKey();
            if (ring == null) continue; // dropped unclosed and collected since the copy (a weak key)
            RingMetrics now = ring.metrics(), d = now.minus(entry.getValue());
            OPEN.replace(ring, now); // gone if it closed meanwhile
            Statistics e = new Statistics();
            e.ring = ring.name();
            e.mode = ring.mode().name();
            e.submitted = d.submitted();
            e.completed = d.completed();
            e.enters = d.enters();
            e.opsPerEnter = d.enters() == 0 ? 0 : (double) d.submitted() / d.enters();
            e.syscalls = d.inline();
            e.cqOverflows = d.cqOverflows();
            e.commit();
        }
    }
}
