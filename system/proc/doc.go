// Package proc runs the child processes of the harness: Kafka brokers, Prometheus,
// Alertmanager and the reference services.
//
// A Process is started with Start from a Spec. Its standard output and standard error are
// captured line by line into a bounded ring (Spec.LogLines, default 2000 lines) and, when
// Spec.Log is set, copied to that writer as well (a per-scenario log file, say).
//
// Contract:
//   - Every child runs in its own process group and gets Pdeathsig = SIGKILL, so it never
//     outlives the harness, even when the harness itself is killed with SIGKILL.
//   - Stop sends SIGTERM to the whole group, waits up to the grace period (Spec.Grace,
//     default 10 s, bounded by ctx) and then sends SIGKILL. Kill sends SIGKILL at once.
//     Both wait until the process has been reaped, and both are safe to call twice.
//   - Pause and Resume send SIGSTOP and SIGCONT to the group: a paused broker keeps its
//     sockets open and answers nothing, the "hang" kind of outage.
//   - KillAll kills every process this package started that is still running; the suite
//     calls it from its interrupt handler so Ctrl-C leaves nothing behind.
//
// Trap: Pdeathsig is delivered when the OS thread that started the child exits, not the
// process. The Go runtime only ends threads whose goroutine called runtime.LockOSThread
// without unlocking, which this package never does.
package proc
