package wsload

import (
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"time"
)

// Result is everything one run measured; it is written as JSON with -json.
type Result struct {
	// The top-level scalars are the headline (a summary table shows them); the objects
	// hold the detail.
	OK           bool    `json:"ok"`
	Error        string  `json:"error,omitempty"`
	CrossTenant  int64   `json:"cross_tenant_frames"`
	FastMissing  int64   `json:"fast_missing"`
	FramesPerS   float64 `json:"frames_per_s"`
	FastLagP99Ms float64 `json:"fast_lag_p99_ms"`
	ServerHWMMiB float64 `json:"server_vmhwm_mib"`
	SlowDropped  float64 `json:"server_dropped_frames"`

	Config     Config        `json:"config"`
	Produced   Produced      `json:"produced"`
	Delivery   Delivery      `json:"delivery"`
	Lag        Lag           `json:"fast_lag_ms"`
	Slow       []SlowClient  `json:"slow_clients"`
	Server     ServerFigures `json:"server"`
	Memory     MemoryBound   `json:"memory_bound"`
	Invariants []Check       `json:"invariants"`
	Goals      []Check       `json:"goals"`
}

// Config is what the run was asked to do.
type Config struct {
	Started              time.Time `json:"started"`
	DurationS            float64   `json:"duration_s"`
	WarmupS              float64   `json:"warmup_s"`
	Clients              int       `json:"clients"`
	SlowClients          int       `json:"slow_clients"`
	Tenants              int       `json:"tenants"`
	RatePerTenant        float64   `json:"rate_per_tenant_per_s"`
	ThreadsPerTenant     int       `json:"threads_per_tenant"`
	DisconnectAfterDrops int       `json:"disconnect_after_drops"`
	QueueSize            int       `json:"queue_size"`
	Broker               string    `json:"broker"`
}

// Produced counts the producer side.
type Produced struct {
	Sent      int64            `json:"sent"`
	Acked     int64            `json:"acked"`
	Errors    int64            `json:"errors"`
	Skipped   int64            `json:"skipped_ticks"`
	RatePerS  float64          `json:"acked_per_s"`
	PerTenant map[string]int64 `json:"acked_per_tenant"`
}

// Delivery counts what the clients received.
type Delivery struct {
	FramesTotal          int64   `json:"frames_total"`
	FramesPerS           float64 `json:"frames_per_s"`
	FastClients          int     `json:"fast_clients"`
	FastFramesPerClientS float64 `json:"fast_frames_per_client_per_s"`
	FastMissing          int64   `json:"fast_missing"`
	FastDuplicates       int64   `json:"fast_duplicates"`
	FastEndedEarly       int     `json:"fast_clients_ended_early"`
	CrossTenant          int64   `json:"cross_tenant_frames"`
	Malformed            int64   `json:"malformed_frames"`
	DrainS               float64 `json:"drain_s"`
}

// Lag is the fast clients' end-to-end lag (receive time - header timestamp_us).
type Lag struct {
	Samples int        `json:"samples"`
	P50     float64    `json:"p50"`
	P99     float64    `json:"p99"`
	Max     float64    `json:"max"`
	Slices  []LagSlice `json:"slices"`
}

// LagSlice is the lag of frames received in [FromS, ToS) of the window.
type LagSlice struct {
	FromS float64 `json:"from_s"`
	ToS   float64 `json:"to_s"`
	N     int     `json:"n"`
	P50   float64 `json:"p50"`
	P99   float64 `json:"p99"`
}

// SlowClient is what happened to one deliberately slow client.
type SlowClient struct {
	ID        int     `json:"id"`
	Tenant    string  `json:"tenant"`
	Mode      string  `json:"mode"`
	Frames    int64   `json:"frames"`
	NotGot    int64   `json:"acked_not_received"`
	EndedAtS  float64 `json:"ended_at_s,omitempty"`
	EndState  string  `json:"end_state"`
	Duplicate int64   `json:"duplicates"`
	LastLagMs float64 `json:"last_frame_lag_ms"`
	// ServerSendQ and ClientRecvQ are the kernel's socket queues of the connection at the
	// end of the window: bytes the server wrote that the client did not acknowledge yet,
	// and bytes the client's socket received that it did not read.
	ServerSendQ int64 `json:"server_socket_send_queue_bytes"`
	ClientRecvQ int64 `json:"client_socket_recv_queue_bytes"`
}

// ServerFigures are the server's memory and the metrics it exported at the end.
type ServerFigures struct {
	// Alive says the server process still ran when the window closed; Exit describes
	// how it ended otherwise (with the tail of its log).
	Alive bool   `json:"alive"`
	Exit  string `json:"exit,omitempty"`

	VmHWM        int64              `json:"vmhwm_bytes"`
	RSSIdle      int64              `json:"rss_before_clients_bytes"`
	RSSConnected int64              `json:"rss_clients_connected_bytes"`
	RSSPeak      int64              `json:"rss_peak_sampled_bytes"`
	RSSEnd       int64              `json:"rss_end_bytes"`
	RSSSamples   []MemSample        `json:"rss_samples"`
	Metrics      map[string]float64 `json:"metrics"`
}

// Check is one invariant or goal and its verdict.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// percentile returns the p-quantile (0..1) of sorted xs by nearest rank (0 when empty).
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// lagFigures computes the overall and per-slice lag of samples.
func lagFigures(samples []lagSample, window, slice float64) Lag {
	all := make([]float64, len(samples))
	n := max(int(math.Ceil(window/slice-0.01)), 1) // a window a hair over k slices is k slices
	per := make([][]float64, n)
	for i, s := range samples {
		all[i] = float64(s.LagMs)
		k := min(max(int(float64(s.At)/slice), 0), n-1) // drain frames go to the last slice
		per[k] = append(per[k], float64(s.LagMs))
	}
	slices.Sort(all)
	l := Lag{Samples: len(all), P50: percentile(all, .5), P99: percentile(all, .99)}
	if len(all) > 0 {
		l.Max = all[len(all)-1]
	}
	for k, xs := range per {
		slices.Sort(xs)
		l.Slices = append(l.Slices, LagSlice{FromS: float64(k) * slice, ToS: math.Min(float64(k+1)*slice, window),
			N: len(xs), P50: percentile(xs, .5), P99: percentile(xs, .99)})
	}
	return l
}

// evaluate fills Invariants, Goals and OK from the figures.
func evaluate(r *Result) {
	d := r.Delivery
	r.Invariants = []Check{
		{"cross_tenant_frames == 0", d.CrossTenant == 0, fmt.Sprintf("%d", d.CrossTenant)},
		{"malformed_frames == 0", d.Malformed == 0, fmt.Sprintf("%d", d.Malformed)},
		{"fast clients miss no acked frame", d.FastMissing == 0 && d.FastEndedEarly == 0,
			fmt.Sprintf("%d missing over %d fast clients, %d ended early", d.FastMissing, d.FastClients, d.FastEndedEarly)},
		{"fast clients got frames", d.FastClients == 0 || r.Produced.Acked > 0 && d.FramesTotal > 0,
			fmt.Sprintf("%d acked, %d frames", r.Produced.Acked, d.FramesTotal)},
		{"server memory bounded", r.Memory.OK, r.Memory.Detail},
		{"server process alive until the end", r.Server.Alive, orDash(r.Server.Exit)},
	}
	r.OK = true
	for _, c := range r.Invariants {
		r.OK = r.OK && c.OK
	}
	r.CrossTenant, r.FastMissing, r.FramesPerS, r.FastLagP99Ms = d.CrossTenant, d.FastMissing, d.FramesPerS, r.Lag.P99
	r.ServerHWMMiB = float64(r.Server.VmHWM) / (1 << 20)
	r.SlowDropped = r.Server.Metrics[`dashstream_ws_dropped_frames_total{reason="queue_full"}`] +
		r.Server.Metrics[`dashstream_ws_dropped_frames_total{reason="disconnected"}`]
	r.Goals = nil
	if base, n, ok := lagBaseline(r.Lag.Slices, r.Config.WarmupS); ok {
		last := lastNonEmpty(r.Lag.Slices)
		limit := 2*base + 50
		r.Goals = append(r.Goals, Check{"fast lag does not grow (last slice p99 <= 2 x median p99 of the earlier slices after warm-up + 50 ms)",
			last.P99 <= limit, fmt.Sprintf("median p99 %.1f ms over %d earlier slices, %.1f ms at %.0f-%.0f s (limit %.1f)",
				base, n, last.P99, last.FromS, last.ToS, limit)})
	}
	want := r.Config.RatePerTenant * 0.95
	r.Goals = append(r.Goals, Check{"producer kept its rate (>= 95%)",
		r.Produced.RatePerS >= want*float64(r.Config.Tenants),
		fmt.Sprintf("%.1f acked/s for %d tenants x %.1f/s", r.Produced.RatePerS, r.Config.Tenants, r.Config.RatePerTenant)})
}

func lastNonEmpty(ss []LagSlice) LagSlice {
	for i := len(ss) - 1; i > 0; i-- {
		if ss[i].N > 0 {
			return ss[i]
		}
	}
	return ss[0]
}

// lagBaseline is the median p99 of the non-empty slices that start after the warm-up
// and before the last non-empty slice (all non-empty earlier slices when none starts
// after the warm-up), and how many there were. A median, so that one quiet or one noisy
// slice on a shared machine does not decide the verdict.
func lagBaseline(ss []LagSlice, warmup float64) (float64, int, bool) {
	last := -1
	for i, s := range ss {
		if s.N > 0 {
			last = i
		}
	}
	var after, all []float64
	for _, s := range ss[:max(last, 0)] {
		if s.N == 0 {
			continue
		}
		all = append(all, s.P99)
		if s.FromS >= warmup {
			after = append(after, s.P99)
		}
	}
	if len(after) == 0 {
		after = all
	}
	if len(after) == 0 {
		return 0, 0, false
	}
	slices.Sort(after)
	m := after[len(after)/2]
	if len(after)%2 == 0 {
		m = (after[len(after)/2-1] + m) / 2
	}
	return m, len(after), true
}

// printSummary writes the human summary.
func printSummary(w io.Writer, r *Result) {
	c, d, l, s := r.Config, r.Delivery, r.Lag, r.Server
	fmt.Fprintf(w, "wsload: %d clients (%d slow) over %d tenants, %.0f msg/s per tenant, %.0f s window\n",
		c.Clients, c.SlowClients, c.Tenants, c.RatePerTenant, c.DurationS)
	fmt.Fprintf(w, "  produced  %d acked (%.1f/s), %d errors, %d skipped ticks\n", r.Produced.Acked, r.Produced.RatePerS,
		r.Produced.Errors, r.Produced.Skipped)
	fmt.Fprintf(w, "  delivered %d frames (%.0f/s); per fast client %.2f/s; fast missing %d, duplicates %d; cross-tenant %d; malformed %d; drain %.1f s\n",
		d.FramesTotal, d.FramesPerS, d.FastFramesPerClientS, d.FastMissing, d.FastDuplicates, d.CrossTenant, d.Malformed, d.DrainS)
	fmt.Fprintf(w, "  fast lag  p50 %.1f ms, p99 %.1f ms, max %.1f ms over %d frames\n", l.P50, l.P99, l.Max, l.Samples)
	for _, sl := range l.Slices {
		fmt.Fprintf(w, "    %3.0f-%3.0f s  n=%-7d p50 %7.1f ms  p99 %7.1f ms\n", sl.FromS, sl.ToS, sl.N, sl.P50, sl.P99)
	}
	fmt.Fprintf(w, "  server    VmHWM %s; VmRSS idle %s, clients connected %s, sampled peak %s, end %s\n",
		mib(s.VmHWM), mib(s.RSSIdle), mib(s.RSSConnected), mib(s.RSSPeak), mib(s.RSSEnd))
	for _, k := range slices.Sorted(maps.Keys(s.Metrics)) {
		fmt.Fprintf(w, "    %s %g\n", k, s.Metrics[k])
	}
	fmt.Fprintf(w, "  slow clients:\n")
	for _, sc := range r.Slow {
		fmt.Fprintf(w, "    #%-3d %-8s %-13s got %5d, acked-not-got %5d, last frame %5.1f s old, kernel queues %4.0f KiB server + %3.0f KiB client, %s\n",
			sc.ID, sc.Tenant, sc.Mode, sc.Frames, sc.NotGot, sc.LastLagMs/1000,
			float64(sc.ServerSendQ)/1024, float64(sc.ClientRecvQ)/1024, sc.EndState)
	}
	for _, group := range []struct {
		name   string
		checks []Check
	}{{"invariant", r.Invariants}, {"goal", r.Goals}} {
		for _, ch := range group.checks {
			verdict := "ok  "
			if !ch.OK {
				verdict = "FAIL"
				if group.name == "goal" {
					verdict = "miss"
				}
			}
			fmt.Fprintf(w, "  %s %-9s %s: %s\n", verdict, group.name, ch.Name, ch.Detail)
		}
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
