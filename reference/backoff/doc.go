// Package backoff keeps the reference services calm when Kafka is unreachable: a capped,
// jittered exponential backoff (Policy), a franz-go hook and retry function that apply
// it client-wide and report connection health (Guard), and a slog handler that turns a
// storm of identical log lines into one line per interval with a count (Dedup).
//
// Policy: the delay before attempt n is d/2 + rand·d/2 with d = Min·2^(n-1) capped at
// Max; defaults 250 ms and 30 s. The floor d/2 is what bounds the retry rate: after a
// long outage attempts are at least 15 s apart per retrying goroutine.
//
// Guard (pass Guard.ClientOpts to kgo.NewClient):
//   - RetryBackoffFn = Policy.Delay(max(tries, consecutive failures)). franz-go restarts
//     tries at 1 for every new request, so a per-request backoff alone lets each new
//     metadata request start again at 250 ms; counting the client-wide run of failures
//     (from the hooks) keeps the pace slow until a broker answers.
//   - DialTimeout (default 5 s) bounds a dial, DNS lookup included.
//   - Hooks: OnBrokerConnect counts attempts (Attempts) and failures; a failed dial, DNS
//     lookup or connection initialisation, and a failed read or write, is a failure; a
//     successful connection or response is a success and resets the run. A connection
//     whose first request fails is reported by two hooks with one error (which names the
//     connection by its local port): it is one failure, also when several connections to
//     one broker fail at once, so the failures logged add up to the connections. Errors of the
//     client's own making (context.Canceled, kgo.ErrClientClosed, net.ErrClosed) are
//     ignored. Connected reports whether the last outcome was a success; Answered
//     whether a metadata request was ever answered (readiness).
//   - Gate adds a floor to every retry delay (a circuit breaker's time to half-open).
//   - Logger: failures are logged as "kafka connect failed" / "kafka request failed"
//     (warn, attributes broker and error), a recovery as "kafka reachable again" (info).
//
// Dedup: similar records (same level, message and attributes; digits masked in the
// value of "error") are written once per Interval (default 60 s); the next one after
// the interval carries " (suppressed N similar in the last Ts)" and suppressed=N: it
// stands for N+1 records. Call Flush on a ticker and at shutdown so a run that ended
// silently still reports its count: its line repeats the last suppressed record, carries
// suppressed=N and flushed=true, and stands for N. The log thus accounts exactly for
// every record.
//
// Traps:
//   - franz-go consumers never return dial errors from PollFetches; without the hooks an
//     unreachable broker is invisible.
//   - OnEvent listeners run on franz-go's goroutines: keep them quick.
//   - A Guard belongs to one client: its run of failures is that client's.
//   - Connected is about outcomes, not open sockets: franz-go reaps idle connections,
//     which is not a failure.
package backoff
