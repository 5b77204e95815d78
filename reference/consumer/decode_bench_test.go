package consumer

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
	"golang.org/x/sync/semaphore"

	"github.com/dashstream/acceptance/reference/wire"
	"github.com/dashstream/acceptance/reference/wire/dspb"
)

// BenchmarkBatchProcess decodes and hands on polls of 1000 events of about 1 KiB (zstd,
// as the producer writes them) on GOMAXPROCS decoders: the poll loop's cost per record.
func BenchmarkBatchProcess(b *testing.B) {
	enc := wire.NewEncoder()
	fetches := kgo.Fetches{{Topics: []kgo.FetchTopic{{Topic: "t", Partitions: []kgo.FetchPartition{{}}}}}}
	for i := range 1000 {
		v, err := enc.Encode(&dspb.DashStreamMessage{Message: &dspb.DashStreamMessage_Event{Event: &dspb.Event{
			Header: &dspb.Header{TenantId: "acme", ThreadId: fmt.Sprint("thread-", i%64), Sequence: uint64(i + 1)},
			NodeId: strings.Repeat(fmt.Sprint("node-", i, "-"), 200)[:1000]}}})
		if err != nil {
			b.Fatal(err)
		}
		fetches[0].Topics[0].Partitions[0].Records = append(fetches[0].Topics[0].Partitions[0].Records, &kgo.Record{Value: v})
	}
	c := &Consumer{dec: wire.NewDecoder(), budget: semaphore.NewWeighted(DefaultDecodeBudget), budgetSize: DefaultDecodeBudget}
	var bt batch
	handled := 0
	b.ResetTimer()
	for b.Loop() {
		bt.collect(fetches)
		bt.process(c, runtime.GOMAXPROCS(0), func(int, decoded) { handled++ })
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(handled), "ns/record")
}
