package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// ThroughputSpec configures MeasureThroughput.
type ThroughputSpec struct {
	// Records per run and tool (default 500 000), ValueBytes per record (default 1024).
	Records, ValueBytes int
	// Runs is how many times each tool runs, alternating (default 3); Warmup records each
	// tool writes to a separate topic first (default 20 000).
	Runs, Warmup int
	// Partitions of every topic (default 3); Threads distinct keys (default 64); Senders
	// goroutines of the reference producer (default 1).
	Partitions, Threads, Senders int
	// Timeout bounds each run (default 10 min).
	Timeout time.Duration
	// Log receives a line per run; nil discards.
	Log io.Writer
}

func (s *ThroughputSpec) defaults() {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&s.Records, 500_000)
	def(&s.ValueBytes, 1024)
	def(&s.Runs, 3)
	def(&s.Partitions, 3)
	def(&s.Threads, 64)
	def(&s.Senders, 1)
	if s.Warmup < 0 {
		s.Warmup = 0
	} else if s.Warmup == 0 {
		s.Warmup = 20_000
	}
	if s.Timeout <= 0 {
		s.Timeout = 10 * time.Minute
	}
	if s.Log == nil {
		s.Log = io.Discard
	}
}

// Throughput is what MeasureThroughput measured; ProducerProfile and ConsumerProfile are
// CPU profiles (pprof format) of the reference producer's and consumer's last runs.
type Throughput struct {
	Figures                          []Figure
	ProducerProfile, ConsumerProfile []byte
}

// MeasureThroughput runs, Runs times and alternating: the reference producer and kcat -P
// into fresh topics, then the reference consumer and kcat -C reading the reference
// producer's topic; it checks every topic holds Records records and deletes them. It
// returns the records/s of each tool and the ratios reference/kcat of the medians.
func MeasureThroughput(ctx context.Context, brokers []string, spec ThroughputSpec) (Throughput, error) {
	spec.defaults()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		return Throughput{}, fmt.Errorf("throughput: admin client: %w", err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	prefix := fmt.Sprintf("bench-%d", time.Now().UnixNano())
	ps := func(topic string, n int) ProduceSpec {
		return ProduceSpec{Brokers: brokers, Topic: topic, Records: n, ValueBytes: spec.ValueBytes,
			Threads: spec.Threads, Senders: spec.Senders}
	}
	bounded := func(fn func(context.Context) error) error {
		ctx, cancel := context.WithTimeout(ctx, spec.Timeout)
		defer cancel()
		return fn(ctx)
	}
	topic := func(name string) (string, error) {
		t := prefix + "-" + name
		return t, bounded(func(ctx context.Context) error { return CreateTopic(ctx, adm, t, int32(spec.Partitions)) })
	}
	cleanup := func(ts ...string) {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		for _, t := range ts {
			_ = DeleteTopic(dctx, adm, t)
		}
	}
	if spec.Warmup > 0 {
		w, err := topic("warmup")
		if err != nil {
			return Throughput{}, fmt.Errorf("throughput: %w", err)
		}
		err = bounded(func(ctx context.Context) error {
			if _, err := ProduceReference(ctx, ps(w, spec.Warmup)); err != nil {
				return err
			}
			_, err := ProduceKcat(ctx, ps(w, spec.Warmup))
			return err
		})
		cleanup(w)
		if err != nil {
			return Throughput{}, fmt.Errorf("throughput: warm-up: %w", err)
		}
		fmt.Fprintf(spec.Log, "warm-up: %d records with each producer\n", spec.Warmup)
	}
	var refP, kcatP, refC, kcatC, valueBytes, reqKiB, reqMs []float64
	var cpuRefP, cpuKcatP, cpuRefC, cpuKcatC []float64
	var prof, cprof bytes.Buffer
	for run := range spec.Runs {
		ref, err := topic(fmt.Sprintf("ref-%d", run))
		if err != nil {
			return Throughput{}, fmt.Errorf("throughput: %w", err)
		}
		kc, err := topic(fmt.Sprintf("kcat-%d", run))
		if err != nil {
			cleanup(ref)
			return Throughput{}, fmt.Errorf("throughput: %w", err)
		}
		err = bounded(func(ctx context.Context) error {
			s := ps(ref, spec.Records)
			if run == spec.Runs-1 {
				prof.Reset()
				s.CPUProfile = &prof
			}
			r, err := ProduceReference(ctx, s)
			if err != nil {
				return err
			}
			refP, valueBytes = append(refP, r.RecordsPerSec()), append(valueBytes, r.MeanValueBytes())
			reqKiB, reqMs = append(reqKiB, r.MeanRequestKiB()), append(reqMs, r.MeanRequestMillis())
			cpuRefP = append(cpuRefP, r.CPUMicrosPerRecord())
			k, err := ProduceKcat(ctx, ps(kc, spec.Records))
			if err != nil {
				return err
			}
			kcatP, cpuKcatP = append(kcatP, k.RecordsPerSec()), append(cpuKcatP, k.CPUMicrosPerRecord())
			for _, t := range []string{ref, kc} {
				if n, err := CountRecords(ctx, adm, t); err != nil {
					return err
				} else if n != int64(spec.Records) {
					return fmt.Errorf("topic %s holds %d records, %d were written", t, n, spec.Records)
				}
			}
			var cp io.Writer
			if run == spec.Runs-1 {
				cprof.Reset()
				cp = &cprof
			}
			rc, err := ConsumeReference(ctx, brokers, ref, spec.Records, cp)
			if err != nil {
				return err
			}
			refC, cpuRefC = append(refC, rc.RecordsPerSec()), append(cpuRefC, rc.CPUMicrosPerRecord())
			kcc, err := ConsumeKcat(ctx, brokers, ref, spec.Records)
			if err != nil {
				return err
			}
			kcatC, cpuKcatC = append(kcatC, kcc.RecordsPerSec()), append(cpuKcatC, kcc.CPUMicrosPerRecord())
			fmt.Fprintf(spec.Log, "run %d: produce reference %.0f/s %.1f µs CPU/rec (%.1f B values, %d requests of %.0f KiB, %.1f ms), kcat %.0f/s %.1f µs; "+
				"consume reference %.0f/s %.1f µs, kcat %.0f/s %.1f µs\n",
				run+1, r.RecordsPerSec(), r.CPUMicrosPerRecord(), r.MeanValueBytes(), r.Requests, r.MeanRequestKiB(), r.MeanRequestMillis(),
				k.RecordsPerSec(), k.CPUMicrosPerRecord(), rc.RecordsPerSec(), rc.CPUMicrosPerRecord(), kcc.RecordsPerSec(), kcc.CPUMicrosPerRecord())
			return nil
		})
		cleanup(ref, kc)
		if err != nil {
			return Throughput{}, fmt.Errorf("throughput: run %d: %w", run+1, err)
		}
	}
	return Throughput{ProducerProfile: prof.Bytes(), ConsumerProfile: cprof.Bytes(), Figures: []Figure{
		NewFigure(FigProduceRef, "records/s", "reference producer, idempotent, acks=all", refP...),
		NewFigure(FigProduceKcat, "records/s", "kcat -P, enable.idempotence=true, acks=all", kcatP...),
		NewFigure(FigProduceRatio, "x", "median reference / median kcat", Median(refP)/Median(kcatP)),
		NewFigure(FigProduceValue, "bytes", "mean value size of the reference producer's records", valueBytes...),
		NewFigure(FigProduceReqKiB, "KiB", "mean produce request of the reference producer", reqKiB...),
		NewFigure(FigProduceReqMs, "ms", "mean produce request write → response (up to 5 in flight per broker)", reqMs...),
		NewFigure(FigProduceCPURef, "µs/record", "CPU of this process during the reference producer's run", cpuRefP...),
		NewFigure(FigProduceCPUKcat, "µs/record", "CPU of the kcat -P process", cpuKcatP...),
		NewFigure(FigConsumeRef, "records/s", "reference consumer: decode + sequence validation", refC...),
		NewFigure(FigConsumeKcat, "records/s", "kcat -C -e -o beginning -q > /dev/null", kcatC...),
		NewFigure(FigConsumeRatio, "x", "median reference / median kcat", Median(refC)/Median(kcatC)),
		NewFigure(FigConsumeCPURef, "µs/record", "CPU of this process during the reference consumer's run", cpuRefC...),
		NewFigure(FigConsumeCPUKcat, "µs/record", "CPU of the kcat -C process", cpuKcatC...),
	}}, nil
}

// Figure names.
const (
	FigProduceRef     = "producer.reference"
	FigProduceKcat    = "producer.kcat"
	FigProduceRatio   = "producer.ratio"
	FigProduceValue   = "producer.reference.value_bytes"
	FigProduceReqKiB  = "producer.reference.request_kib"
	FigProduceReqMs   = "producer.reference.request_ms"
	FigProduceCPURef  = "producer.reference.cpu"
	FigProduceCPUKcat = "producer.kcat.cpu"
	FigConsumeRef     = "consumer.reference"
	FigConsumeKcat    = "consumer.kcat"
	FigConsumeRatio   = "consumer.ratio"
	FigConsumeCPURef  = "consumer.reference.cpu"
	FigConsumeCPUKcat = "consumer.kcat.cpu"
)
