// Package sequence validates per-thread sequence numbers: the checker behind the
// consumer's gap, duplicate and reorder counts (WIRE.md "Sequence semantics").
//
// A Validator tracks each (tenant_id, thread_id) pair separately; the same thread id in
// two tenants is two threads. For each message, Observe(tenant, thread, seq) returns a
// Result whose Verdict is:
//
//	Zero         seq == 0: a violation (sequences start at 1 and are never 0); the
//	             thread's history is not changed, so the next message is judged as if
//	             the zero had not been there
//	First        the thread is not tracked (new, or evicted): seq becomes the baseline,
//	             whatever its value (a first seq of 50 is not a gap)
//	OK           seq == last+1, where last is the highest sequence seen
//	Gap          seq > last+1; GapSize() = seq - (last+1) sequences are missing
//	Duplicate    seq <= last and already seen
//	Reorder      seq < last and never seen (it arrived after a later one); it is then
//	             remembered, so a second copy is a Duplicate
//
// Result.Expected is last+1 (0 for First and Zero); Result.Received is seq.
//
// Sequence 0 is the bug of incident #9: a producer that stamps 0 on every message makes
// gaps, duplicates and reorders undetectable. It used to be accepted silently as
// "unsequenced"; it is now a verdict of its own, which the consumer counts and logs.
//
// Defaults: at most 100 000 tracked threads (MaxThreads); beyond that the least recently
// seen thread is evicted (Evictions counts them) and, should it reappear, it is First
// again: eviction never raises a false gap.
//
// Concurrency: a Validator is NOT safe for concurrent use. Use one per poll loop, or
// serialise calls to it.
//
// Cost (BenchmarkObserve, BenchmarkMemoryPerThread): Observe in steady state takes a few
// tens of nanoseconds and allocates nothing; a tracked thread costs about 50 bytes (a
// 32-byte slot plus an 8-byte index cell at most 3/4 full, plus growth slack).
//
// Traps:
//   - The window is bounded. Per thread only the highest sequence and a 64-bit bitmap of
//     the 64 sequences just below it are kept. A sequence more than 64 below the highest
//     is reported as Duplicate even if it was never seen: a message delayed by more than
//     64 positions, or one that fell into a gap of more than 64, counts as a duplicate,
//     not a reorder. Exactly 64 below is still inside the window.
//   - A Gap is reported when the later message arrives; if the missing ones turn up after
//     that they are Reorders. Gap counts are therefore an upper bound on loss until the
//     reorders are taken into account.
//   - A baseline is not a beginning. After First (a new validator reading from a
//     committed offset, or a thread evicted and back), sequences just below the baseline
//     were never seen by this validator and come back as Reorder (within 64) or
//     Duplicate (further below).
//   - Threads are keyed by a 64-bit hash, not by their strings (so no string is retained
//     and a thread costs the same whatever the length of its id). Two tracked threads
//     whose hashes collide share one history and produce false verdicts. The hash is
//     hash/maphash with a random seed per Validator, so a collision among n threads
//     tracked at the same time has probability about n²/2^65: 2.7e-10 at 100 000. A
//     collision is not reproducible from run to run.
//   - A thread whose highest sequence is 2^64-1 reports Expected 0 (last+1 wraps).
//   - Memory is bounded by MaxThreads but never given back: the slot array and the index
//     stay at their high-water mark until the Validator is dropped.
package sequence
