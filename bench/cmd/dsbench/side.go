package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/bench"
	"github.com/dashstream/acceptance/system/kafkalocal"
	"github.com/dashstream/acceptance/system/sut"
	"github.com/dashstream/acceptance/system/tools"
)

// sideBySide measures the WebSocket servers of the implementations named by -sut-profiles
// on one real broker, beside kcat -C: records/s, CPU seconds and peak memory. Each server
// gets a fresh topic and the same records, written once it answers; kcat reads them from
// the start of a topic of its own. An implementation whose programs are not built is
// reported as a failed measurement that says how to build them.
func sideBySide(ctx context.Context, r *bench.Report, root string, f flags) {
	progress("side by side: starting one real Kafka broker")
	c, err := kafkalocal.Start(ctx, kafkalocal.Brokers(1), kafkalocal.Progress(logWriter{}))
	if err != nil {
		r.Fail("side by side: kafka", err)
		return
	}
	defer c.Close()
	r.Versions["kafka"] = "Apache Kafka " + c.Version()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Bootstrap()...))
	if err != nil {
		r.Fail("side by side: admin client", err)
		return
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	n := f.sideRecords
	spec := func(topic string) bench.ProduceSpec {
		return bench.ProduceSpec{Brokers: c.Bootstrap(), Topic: topic, Records: n, ValueBytes: f.valueBytes, Threads: f.threads}
	}
	fresh := func(name string) (string, error) {
		t := fmt.Sprintf("bench-side-%s-%d", name, time.Now().UnixNano())
		return t, bench.CreateTopic(ctx, adm, t, int32(f.partitions))
	}
	kcatTopic, err := fresh("kcat")
	if err != nil {
		r.Fail("side by side: topic", err)
		return
	}
	progress("side by side: %d records of %d bytes per run, written with the reference producer", n, f.valueBytes)
	if _, err := bench.ProduceReference(ctx, spec(kcatTopic)); err != nil {
		r.Fail("side by side: produce", err)
		return
	}
	var rps, cpu, rss = map[string][]float64{}, map[string][]float64{}, map[string][]float64{}
	bin, err := tools.BinDir()
	if err != nil {
		r.Fail("side by side", err)
		return
	}
	profiles := map[string]*sut.Profile{}
	for _, name := range strings.Split(f.sutProfiles, ",") {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		p, err := sut.Load(root, name)
		if err != nil {
			r.Fail("side by side: "+name, err)
			continue
		}
		if v, err := p.VersionOf(bin, "this repository"); err == nil {
			r.Versions["sut "+name] = v
		} else {
			r.Fail("side by side: "+name, err)
			continue
		}
		profiles[name] = p
	}
	for run := range f.runs {
		progress("side by side: run %d of %d", run+1, f.runs)
		if k, err := bench.ConsumeKcat(ctx, c.Bootstrap(), kcatTopic, n); err != nil {
			r.Fail("side by side: kcat", err)
		} else {
			rps["kcat -C"] = append(rps["kcat -C"], k.RecordsPerSec())
			cpu["kcat -C"] = append(cpu["kcat -C"], k.CPU.Seconds())
		}
		for _, name := range strings.Split(f.sutProfiles, ",") {
			p, ok := profiles[strings.TrimSpace(name)]
			if !ok {
				continue
			}
			topic, err := fresh(p.Name)
			if err != nil {
				r.Fail("side by side: topic", err)
				continue
			}
			s, err := bench.ConsumeWithServer(ctx, p, bin, c.Bootstrap(), topic, n, func(ctx context.Context) error {
				_, err := bench.ProduceReference(ctx, spec(topic))
				return err
			})
			_ = bench.DeleteTopic(context.WithoutCancel(ctx), adm, topic)
			if err != nil {
				r.Fail("side by side: "+p.Name, err)
				continue
			}
			key := p.Name + " WebSocket server"
			rps[key] = append(rps[key], s.RecordsPerSec())
			cpu[key] = append(cpu[key], s.CPU.Seconds())
			rss[key] = append(rss[key], float64(s.PeakRSS)/(1<<20))
			progress("side by side: %s: %d records in %.2f s (startup %.2f s), %.2f CPU s, peak %.0f MiB", key, n,
				s.Elapsed.Seconds(), s.Startup.Seconds(), s.CPU.Seconds(), float64(s.PeakRSS)/(1<<20))
		}
	}
	note := fmt.Sprintf("%d records of %d bytes on %d partitions on one real broker", n, f.valueBytes, f.partitions)
	for _, k := range []string{"kcat -C", "reference WebSocket server", "dashflow WebSocket server"} {
		if len(rps[k]) > 0 {
			r.Add(bench.NewFigure("side by side: "+k+" records/s", "records/s", note+"; kcat -C reads them from the start; a server, from the first record written (as fast as the reference producer writes) until its /health counted every one", rps[k]...),
				bench.NewFigure("side by side: "+k+" CPU", "s", "user + system CPU of the process", cpu[k]...))
		}
		if len(rss[k]) > 0 {
			r.Add(bench.NewFigure("side by side: "+k+" peak memory", "MiB", "VmHWM of the process", rss[k]...))
		}
	}
}
