package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/dashstream/acceptance/system/proc"
)

// KcatProduceArgs are the arguments of kcat -P in the producer comparison: the settings
// that matter to throughput are the reference producer's (acks=all, idempotence, no
// compression); batching and linger stay at librdkafka's defaults.
func KcatProduceArgs(brokers []string, topic string) []string {
	return []string{"-P", "-b", strings.Join(brokers, ","), "-t", topic, "-K", `\t`,
		"-H", "tenant_id=" + BenchTenant,
		"-X", "acks=all", "-X", "enable.idempotence=true", "-X", "compression.codec=none", "-q"}
}

// KcatConsumeArgs are the arguments of kcat -C in the consumer comparison.
func KcatConsumeArgs(brokers []string, topic string) []string {
	return []string{"-C", "-b", strings.Join(brokers, ","), "-t", topic, "-e", "-o", "beginning", "-q"}
}

// ProduceKcat feeds spec.Records lines "thread\tvalue" to kcat -P (KcatProduceArgs) and
// returns the time from starting kcat to its exit, which it does once every message is
// delivered. Values are ValueBytes printable characters, keys the same thread ids as the
// reference producer's. A non-zero exit is an error with kcat's stderr.
func ProduceKcat(ctx context.Context, spec ProduceSpec) (Run, error) {
	const distinct = 1000
	block := KcatLines(min(distinct, spec.Records), max(spec.Threads, 1), spec.ValueBytes, 1)
	lineLen := len(block) / min(distinct, spec.Records)
	cmd := exec.CommandContext(ctx, "kcat", KcatProduceArgs(spec.Brokers, spec.Topic)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return Run{}, fmt.Errorf("produce kcat: %w", err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return Run{}, fmt.Errorf("produce kcat: %w: install it with scripts/ensure-packages kcat=kcat", err)
	}
	writeErr := make(chan error, 1)
	go func() {
		left := spec.Records
		var err error
		for left > 0 && err == nil {
			n := min(left, distinct)
			_, err = stdin.Write(block[:n*lineLen])
			left -= n
		}
		if cerr := stdin.Close(); err == nil {
			err = cerr
		}
		writeErr <- err
	}()
	err = cmd.Wait()
	elapsed := time.Since(start)
	if werr := <-writeErr; err == nil && werr != nil {
		err = fmt.Errorf("feeding stdin: %w", werr)
	}
	if err != nil {
		return Run{}, fmt.Errorf("produce kcat: %w\n%s", err, proc.LastLines(stderr.String(), 10))
	}
	return Run{Records: spec.Records, Bytes: int64(spec.Records) * int64(spec.ValueBytes), Elapsed: elapsed,
		CPU: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}, nil
}

// ConsumeKcat runs kcat -C -e -o beginning -q on topic with its output going to
// /dev/null, and returns the time from starting it to its exit (the end of every
// partition reached).
func ConsumeKcat(ctx context.Context, brokers []string, topic string, records int) (Run, error) {
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return Run{}, fmt.Errorf("consume kcat: %w", err)
	}
	defer null.Close()
	cmd := exec.CommandContext(ctx, "kcat", KcatConsumeArgs(brokers, topic)...)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = null, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return Run{}, fmt.Errorf("consume kcat: %w\n%s", err, proc.LastLines(stderr.String(), 10))
	}
	return Run{Records: records, Elapsed: time.Since(start),
		CPU: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}, nil
}
