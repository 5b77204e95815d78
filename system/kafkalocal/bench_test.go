package kafkalocal

import (
	"context"
	"testing"
	"time"
)

// BenchmarkStartup measures Start of fresh clusters (format, JVM start, readiness), not
// Close. Jars and the class-data archive are prepared before the timer starts. Run it with
//
//	go test -run='^$' -bench=Startup -benchtime=3x ./system/kafkalocal/
func BenchmarkStartup(b *testing.B) {
	for _, n := range []int{1, 3} {
		b.Run(map[int]string{1: "1broker", 3: "3brokers"}[n], func(b *testing.B) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
			defer cancel()
			if _, err := Prepare(ctx); err != nil {
				b.Fatal(err)
			}
			var total time.Duration
			b.ResetTimer()
			for range b.N {
				start := time.Now()
				c, err := Start(ctx, Brokers(n))
				d := time.Since(start)
				b.StopTimer()
				if err != nil {
					b.Fatal(err)
				}
				total += d
				if err := c.Close(); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			b.ReportMetric(total.Seconds()/float64(b.N), "s/start")
		})
	}
}
