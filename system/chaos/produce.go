package chaos

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/system/proc"
)

// KcatTimeout bounds one kcat run; Inject's ctx bounds it too.
const KcatTimeout = time.Minute

// sendFranz produces values in order with a raw franz-go client, its batches
// zstd-compressed only when a value is too large for the topic's max.message.bytes
// otherwise (batchCodec).
func (c *Corruption) sendFranz(ctx context.Context, values [][]byte) ([]SentRecord, error) {
	largest := 0
	for _, v := range values {
		largest = max(largest, len(v))
	}
	cl, err := c.k.Client(kgo.ProducerBatchCompression(batchCodec(largest).franz),
		kgo.ProducerBatchMaxBytes(int32(max(largest+64<<10, 1<<20))), kgo.ProducerLinger(0))
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	type result struct {
		i   int
		rec *kgo.Record
		err error
	}
	results := make(chan result, len(values))
	for i, v := range values {
		// Produce, not ProduceSync: against a paused broker ProduceSync can ignore ctx.
		rec := &kgo.Record{Topic: c.topic, Key: []byte(c.cfg.key), Value: v}
		for _, h := range c.cfg.headers {
			rec.Headers = append(rec.Headers, kgo.RecordHeader{Key: h[0], Value: []byte(h[1])})
		}
		cl.Produce(ctx, rec,
			func(r *kgo.Record, err error) { results <- result{i, r, err} })
	}
	sent := make([]SentRecord, len(values))
	acked := make([]bool, len(values))
	err = nil
	for range values {
		select {
		case r := <-results:
			if r.err != nil {
				err = errors.Join(err, fmt.Errorf("produce %s record %d to %s: %w", c.kind, r.i+1, c.topic, r.err))
				continue
			}
			acked[r.i] = true
			sent[r.i] = SentRecord{Kind: c.kind, Key: c.cfg.key, Value: values[r.i], Partition: r.rec.Partition, Offset: r.rec.Offset}
		case <-ctx.Done():
			err = errors.Join(err, fmt.Errorf("produce %d %s records to %s: not all acknowledged: %w", len(values), c.kind, c.topic, ctx.Err()))
			return onlyAcked(sent, acked), err
		}
	}
	return onlyAcked(sent, acked), err
}

func onlyAcked(sent []SentRecord, acked []bool) []SentRecord {
	var out []SentRecord
	for i, ok := range acked {
		if ok {
			out = append(out, sent[i])
		}
	}
	return out
}

// sendKcat produces each value as one message with kcat, one file per value. It asks for
// murmur2 partitioning (as the Java client and franz-go) and the batch codec of batchCodec, and fails
// when kcat exits non-zero, which it does when a message was not delivered within
// message.timeout.ms.
func (c *Corruption) sendKcat(ctx context.Context, values [][]byte) ([]SentRecord, error) {
	ctx, cancel := context.WithTimeout(ctx, KcatTimeout)
	defer cancel()
	dir, err := os.MkdirTemp("", "dashstream-kcat-")
	if err != nil {
		return nil, fmt.Errorf("kcat: %w", err)
	}
	defer os.RemoveAll(dir)
	files := make([]string, len(values))
	largest := 0
	for i, v := range values {
		files[i] = filepath.Join(dir, fmt.Sprintf("record-%04d", i))
		if err := os.WriteFile(files[i], v, 0o600); err != nil {
			return nil, fmt.Errorf("kcat: %w", err)
		}
		largest = max(largest, len(v))
	}
	timeout := KcatTimeout - 5*time.Second
	if dl, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(dl)-2*time.Second)
	}
	if timeout < time.Second {
		return nil, fmt.Errorf("kcat: less than 3 s left before the deadline of ctx: give Inject more time")
	}
	maxBytes := max(1_000_000, largest+64<<10)
	args := []string{"-P", "-b", strings.Join(c.k.Bootstrap(), ","), "-t", c.topic, "-k", c.cfg.key, "-z", batchCodec(largest).kcat,
		"-X", "partitioner=murmur2_random",
		"-X", "message.timeout.ms=" + strconv.FormatInt(timeout.Milliseconds(), 10),
		"-X", "message.max.bytes=" + strconv.Itoa(maxBytes)}
	for _, h := range c.cfg.headers {
		args = append(args, "-H", h[0]+"="+h[1])
	}
	if maxBytes > 50<<20 { // librdkafka wants fetch.max.bytes >= message.max.bytes
		args = append(args, "-X", "fetch.max.bytes="+strconv.Itoa(maxBytes), "-X", "receive.message.max.bytes="+strconv.Itoa(maxBytes+1024))
	}
	cmd := exec.CommandContext(ctx, "kcat", append(args, files...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.WaitDelay = 2 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%w)", err, ctx.Err())
		}
		return nil, fmt.Errorf("kcat -P to %s: %w: %s", c.topic, err, oneLine(proc.LastLines(out.String(), 5)))
	}
	sent := make([]SentRecord, len(values))
	for i, v := range values {
		sent[i] = SentRecord{Kind: c.kind, Key: c.cfg.key, Value: v, Partition: -1, Offset: -1}
	}
	return sent, nil
}

// codec is a Kafka batch compression as franz-go and kcat name it.
type codec struct {
	franz kgo.CompressionCodec
	kcat  string
}

// uncompressedLimit is the largest value sent in an uncompressed batch: below the
// topics' max.message.bytes (1 MiB by default) with room for the batch's overhead.
const uncompressedLimit = 900 << 10

// batchCodec is how a corruption's batches are compressed: not at all, unless a value
// (an Oversized or at-limit one) would not fit the topic uncompressed; then zstd, whose
// window reaches across the whole value. Compressing every batch with zstd would stop a
// consumer built without zstd (librdkafka can be, and DashFlow's is) at the first batch,
// hiding what the corruption scenario is about.
func batchCodec(largest int) codec {
	if largest > uncompressedLimit {
		return codec{kgo.ZstdCompression(), "zstd"}
	}
	return codec{kgo.NoCompression(), "none"}
}

// oneLine joins lines with " | ", to keep an error message on one line.
func oneLine(s string) string { return strings.ReplaceAll(s, "\n", " | ") }

// KcatInstalled reports whether kcat is on PATH (Debian: `scripts/ensure-packages
// kcat=kcat`, or apt-get install kcat).
func KcatInstalled() bool { return kcatInstalled() }

func kcatInstalled() bool {
	_, err := exec.LookPath("kcat")
	return err == nil
}

var kcatVersionRe = regexp.MustCompile(`Version (\S+) .*librdkafka (\S+)`)

// kcatVersion describes the installed kcat: "kcat 1.7.1 (librdkafka 2.0.2)".
var kcatVersion = sync.OnceValues(func() (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "kcat", "-V").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("kcat -V: %w: install kcat (scripts/ensure-packages kcat=kcat) or use Via(FranzGo)", err)
	}
	m := kcatVersionRe.FindSubmatch(out)
	if m == nil {
		return "kcat (unknown version)", nil
	}
	return fmt.Sprintf("kcat %s (librdkafka %s)", m[1], m[2]), nil
})

// franzVersion is the version of franz-go this binary was built with.
func franzVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, d := range info.Deps {
			if d.Path == "github.com/twmb/franz-go" {
				return d.Version
			}
		}
	}
	return "(unknown version)"
}
