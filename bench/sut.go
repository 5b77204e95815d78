package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dashstream/acceptance/system/build"
	"github.com/dashstream/acceptance/system/netfault"
	"github.com/dashstream/acceptance/system/poll"
	"github.com/dashstream/acceptance/system/proc"
	"github.com/dashstream/acceptance/system/redis"
	"github.com/dashstream/acceptance/system/sut"
)

// ServerRun is one WebSocket server of an implementation reading a topic from its start.
type ServerRun struct {
	Run
	// Startup is the time from exec to the first /health answer; Elapsed and CPU count
	// from the first record written.
	Startup time.Duration
	// PeakRSS is the process's resident high-water mark (VmHWM), in bytes.
	PeakRSS int64
	// Version is the implementation's version (its profile's version source).
	Version string
}

// ConsumeWithServer starts the WebSocket server of the implementation prof describes as a
// child process on topic (empty) with no client, waits until its /health answers, calls
// write to put records decodable records on the topic, and returns how long it took from
// the first write until its /health counted records received, the CPU time (user +
// system, from /proc) it used in that time and its peak memory. A server that streams
// from the moment it starts (the reference's) and one that reads from the start (a
// group with offset reset earliest: DashFlow's) see the same records. The count is the
// server's own (/health messages received, through the profile): a benchmark figure,
// not a verdict; a decode error the server counted, or a count past records, is an error.
func ConsumeWithServer(ctx context.Context, prof *sut.Profile, binDir string, brokers []string, topic string, records int,
	write func(context.Context) error) (ServerRun, error) {
	fail := func(err error) (ServerRun, error) {
		return ServerRun{}, fmt.Errorf("%s's WebSocket server: %w", prof.Name, err)
	}
	var extras sut.Extras
	extras.Instance = fmt.Sprintf("bench-%s-%d", prof.Name, time.Now().UnixNano())
	if r, err := prof.Role(sut.WSServer); err == nil && slices.Contains(r.Needs, "redis") {
		rd, err := redis.Start(ctx)
		if err != nil {
			return fail(err)
		}
		defer rd.Stop(context.WithoutCancel(ctx))
		extras.RedisURL = rd.URL()
	}
	spec, err := prof.Spec(sut.WSServer, "wsserver", true, []sut.Setting{{Name: "KAFKA_TOPICS", Value: topic}}, extras, binDir)
	if err != nil {
		return fail(err)
	}
	path := spec.Command
	if path == "" {
		if path, err = build.Binary(ctx, "./reference/cmd/"+spec.Binary); err != nil {
			return fail(err)
		}
	}
	addr, err := netfault.FreeAddr()
	if err != nil {
		return fail(err)
	}
	env := []string{spec.BrokersVar() + "=" + strings.Join(brokers, ",")}
	for k, v := range spec.Env {
		env = append(env, k+"="+v)
	}
	host, port, _ := net.SplitHostPort(addr)
	for k, v := range spec.ListenEnv(host, port) {
		env = append(env, k+"="+v)
	}
	work, err := os.MkdirTemp("", "dashstream-bench-sut-")
	if err != nil {
		return fail(err)
	}
	defer os.RemoveAll(work)
	start := time.Now()
	p, err := proc.Start(ctx, proc.Spec{Name: prof.Name + "-wsserver", Path: path, Args: spec.Args, Env: env, Dir: work, Isolated: true,
		Log: io.Discard, Grace: 15 * time.Second})
	if err != nil {
		return fail(err)
	}
	defer p.Stop(context.WithoutCancel(ctx))
	var out ServerRun
	if _, seen, err := poll.Until(ctx, time.Minute, 20*time.Millisecond, func(ctx context.Context) (bool, string, error) {
		if !p.Running() {
			return false, "", poll.Stop(fmt.Errorf("exited: %s", p.Tail(10)))
		}
		_, err := readContractHealth(ctx, prof, addr)
		return err == nil, "", err
	}); err != nil {
		return fail(fmt.Errorf("/health did not answer (%s): %w", seen, err))
	}
	out.Startup = time.Since(start)
	cpu0, err := processCPU(p.PID())
	if err != nil {
		return fail(err)
	}
	start = time.Now()
	if err := write(ctx); err != nil {
		return fail(err)
	}
	var last health
	_, seen, err := poll.Until(ctx, 5*time.Minute, 20*time.Millisecond, func(ctx context.Context) (bool, string, error) {
		if !p.Running() {
			return false, "", poll.Stop(fmt.Errorf("exited: %s", p.Tail(10)))
		}
		h, err := readContractHealth(ctx, prof, addr)
		if err != nil {
			return false, "", err
		}
		last = h
		switch {
		case h.Metrics.DecodeErrors > 0:
			return false, "", poll.Stop(fmt.Errorf("it counted %d decode errors: the figure would not be of decoding every record", h.Metrics.DecodeErrors))
		case h.Metrics.MessagesReceived > uint64(records):
			return false, "", poll.Stop(fmt.Errorf("it counted %d records, more than the %d the topic holds", h.Metrics.MessagesReceived, records))
		}
		return h.Metrics.MessagesReceived == uint64(records), fmt.Sprintf("%d of %d records", h.Metrics.MessagesReceived, records), nil
	})
	out.Elapsed = time.Since(start)
	if err != nil {
		return fail(fmt.Errorf("not all records counted (%s; last /health %+v): %w", seen, last.Metrics, err))
	}
	out.Records = records
	cpu1, err := processCPU(p.PID())
	if err != nil {
		return fail(err)
	}
	out.CPU = cpu1 - cpu0
	mem, err := proc.ReadMem(p.PID())
	if err != nil {
		return fail(err)
	}
	out.PeakRSS = mem.HWM
	return out, nil
}

// health is what the side-by-side reads of /health, in the contract's names.
type health struct {
	Metrics struct {
		MessagesReceived uint64 `json:"messages_received"`
		DecodeErrors     uint64 `json:"decode_errors"`
	} `json:"metrics"`
}

func readContractHealth(ctx context.Context, prof *sut.Profile, addr string) (health, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	raw, err := prof.ReadHealth(ctx, addr)
	if err != nil {
		return health{}, err
	}
	var h health
	return h, json.Unmarshal(raw, &h)
}

// processCPU reads a live process's user + system CPU time from /proc/<pid>/stat.
func processCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, err
	}
	_, t, err := ParseProcStat(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, err
	}
	return time.Duration(t.ticks) * time.Second / clockTicks, nil
}
