// Package monitoring runs the real Prometheus and Alertmanager of the harness as child
// processes (through system/proc, with binaries from system/tools) and wires them to a
// recording webhook receiver (package webhook).
//
// Start a single component with StartPrometheus or StartAlertmanager, or the whole alerting
// path with StartStack:
//
//	st, err := monitoring.StartStack(ctx, monitoring.Scrape("dashstream-exporter", addr))
//	defer st.Close()
//	d, err := st.Webhook.WaitFor(ctx, webhook.Firing("MessageLossDetected", "pager"))
//
// Monitoring is what a scenario uses, wherever the two run: Stack (child processes, this
// package), containers.Monitoring (containers on the stack's network) and External (a
// user's own, read only: ConnectExternal checks both answer; SetScrapeJobs returns
// ErrUnsupported, WaitFor ErrNoReceiver, RuleProfile is Production).
//
// Contract:
//   - Each component listens on a free 127.0.0.1 port with a configuration written into its
//     own temporary directory; Close (safe twice) stops it (SIGTERM, SIGKILL after Grace)
//     and removes the directory. A failed start leaves nothing running.
//   - Readiness is a real signal: Prometheus `/-/ready`, Alertmanager `/api/v2/status`,
//     polled every 100 ms until DefaultReadyTimeout (60 s) or ctx. A failure wraps
//     ErrNotReady, names the component and ends with the last 40 lines of its log.
//   - Prometheus: scrape and evaluation interval DefaultInterval (1 s); the config comes
//     from the template fixtures/prometheus/prometheus.yml.tmpl; --web.enable-lifecycle
//     is on, so Reconfigure and SetScrapeJobs reload it in place; new targets are
//     applied within 250 ms (--scrape.discovery-reload-interval, 5 s by default). Built
//     with the remove_all_sd tag: static targets only.
//   - Alertmanager: gossip off (--cluster.listen-address=""); Reload swaps the config.
//   - StartStack uses the fast profile (package profile) of the production fixtures:
//     fixtures/prometheus/rules/dashstream.rules.yml (for: and windows / 60, floors 1 s and
//     4 s) and fixtures/alertmanager/alertmanager.yml (timings / 60: group_wait 1 s,
//     group_interval 5 s, repeat_interval 4 m, pager 1 m; receivers pager and team become
//     webhooks). Severity critical goes to "pager", every other severity to "team".
//   - Stack.GroupWait tells how long the running Alertmanager waits before it first
//     notifies a receiver (from the generated configuration), for latency floors.
//   - The Alertmanager API v2 is read with net/http + JSON (Alerts, Status); see amapi.go
//     for why not the generated client. Prometheus is queried with client_golang's
//     api/prometheus/v1 (Prometheus.API).
//
// Alerts (fixtures/prometheus/rules/dashstream.rules.yml, production for: in brackets):
//
//	MessageLossDetected   critical  increase(dashstream_sequence_gaps_total[5m]) > 0       (1m)
//	HighDecodeErrorRate   high      decode failures / messages received > 5%              (2m)
//	ConsumerLagHigh       medium    sum by topic of dashstream_consumer_lag_records > 1000 (10m)
//	E2ELatencyHigh        medium    p99 of dashstream_e2e_latency_seconds > 0.5 s         (10m)
//	ServiceDown           critical  up == 0, per instance                                 (1m)
//	DecompressionFailures high      decode failures{reason="decompress"} / received > 1%  (5m)
//
// The thresholds are the incident's (seed-next-5-issues #8), except MessageLossDetected:
// any sequence gap pages, where the incident asked for more than 1 % of sent messages
// lost; a consumer cannot count what was sent, and a gap is every lost message.
//
// Timing of the fast profile, measured on 2 cores: a gap reaches the pager webhook
// 3.4 s after the counter moved (floor: scrape 1 s + eval 1 s + for 1 s + group_wait 1 s);
// the resolution arrives about 8.5 s after it (window 5 s + group_interval 5 s).
//
// Traps:
//   - increase() needs two samples: a counter must be exported at 0 before its first
//     increment, or the first gap is invisible (the exporter initialises its series).
//   - Ratios guard their denominators (`/ (rate(x[5m]) > 0)`): no traffic is silence.
//   - The inhibit rule mutes high/medium alerts of a job while ServiceDown fires for it.
//   - The fast annotations still say "5 minutes": only durations are scaled.
package monitoring
