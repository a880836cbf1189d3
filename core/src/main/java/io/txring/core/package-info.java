/**
 * The io_uring queue pair from Java.
 *
 * <p>Invariants the code keeps (checked by the tests named after them):
 * <ol>
 *   <li>SQE fields are written with plain stores and published by one release store of
 *       the SQ tail; under SQPOLL a full fence separates that store from the read of
 *       {@code IORING_SQ_NEED_WAKEUP} ({@link io.txring.core.SubmissionRing}).</li>
 *   <li>The CQ tail is read with acquire, and the CQ head released only after the CQE was
 *       read ({@link io.txring.core.CompletionRing}).</li>
 *   <li>A linked chain reaches the kernel in one submission: it is pushed under the
 *       submit lock and the tail published after its last SQE.</li>
 *   <li>Every completion is delivered exactly once: {@code user_data} carries a slot and
 *       its generation; a completion for a recycled slot is dropped, never misdelivered.</li>
 *   <li>Nothing is lost on CQ overflow: the kernel's backlog (IORING_FEAT_NODROP) is
 *       flushed by an enter with GETEVENTS when {@code IORING_SQ_CQ_OVERFLOW} is set.</li>
 *   <li>No allocation and no downcall per op on the queue path in steady state: ops are
 *       reusable, slots preallocated, and one {@code io_uring_enter} serves a whole batch.</li>
 *   <li>The ring never strands a caller. Every {@code io_uring_enter} result is handled: what the
 *       kernel took is counted, EAGAIN/EBUSY are retried after reaping, any other errno fails the
 *       refused ops with it and takes their SQEs back ({@code Submitter}). No thread
 *       sleeps in the kernel holding the CQ lock ({@code Reaper}). A failure while
 *       delivering breaks the ring: every op in flight fails and later calls throw
 *       {@link io.txring.core.RingBrokenException} naming the cause (RingFailureTest).</li>
 *   <li>A parked caller's wake-up that never arrives, a completion left in the CQ and an SQE left
 *       unsubmitted are each repaired and counted by the {@code SafetyNet}; the
 *       concurrency tests assert the counts stay 0 (ConcurrencyTest).</li>
 * </ol>
 */
package io.txring.core;
