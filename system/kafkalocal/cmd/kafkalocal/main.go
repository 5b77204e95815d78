// Command kafkalocal prepares and runs the real Apache Kafka brokers of system/kafkalocal.
//
//	kafkalocal jars                         resolve the jars and record the class-data archive
//	kafkalocal startup [-brokers 3] [-runs 3] measure how long Start takes, then close
//	kafkalocal run [-brokers 3]             start a cluster, print its bootstrap, run until Ctrl-C
//
// Every subcommand takes -version (default kafkalocal.DefaultVersion).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/dashstream/acceptance/system/kafkalocal"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	version := fs.String("version", kafkalocal.DefaultVersion, "Apache Kafka version")
	brokers := fs.Int("brokers", 1, "number of brokers")
	runs := fs.Int("runs", 3, "startup: how many starts to measure")
	verbose := fs.Bool("v", false, "copy broker logs to stderr")
	cds := fs.Bool("cds", true, "use the JVM class-data archive")
	_ = fs.Parse(os.Args[2:])
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts := []kafkalocal.Option{kafkalocal.KafkaVersion(*version), kafkalocal.Brokers(*brokers), kafkalocal.ClassDataSharing(*cds)}
	if *verbose {
		opts = append(opts, kafkalocal.LogWriter(os.Stderr))
	}
	var err error
	switch os.Args[1] {
	case "jars":
		err = jars(ctx, opts)
	case "startup":
		err = startup(ctx, opts, *brokers, *runs)
	case "run":
		err = run(ctx, opts)
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "kafkalocal:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: kafkalocal jars|startup|run [-version V] [-brokers N] [-runs N] [-cds=false] [-v]")
	os.Exit(2)
}

func jars(ctx context.Context, opts []kafkalocal.Option) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	j, err := kafkalocal.Prepare(ctx, opts...)
	if err != nil {
		return err
	}
	fmt.Printf("Apache Kafka %s: %d jars in %s\n", j.Version, len(j.Classpath), j.Dir)
	return nil
}

// startup measures Start (format included) of a fresh cluster, runs times, after one
// unmeasured start that pays for first-use jar resolution and the class-data archive.
func startup(ctx context.Context, opts []kafkalocal.Option, brokers, runs int) error {
	if _, err := kafkalocal.Prepare(ctx, opts...); err != nil {
		return err
	}
	var took []time.Duration
	for i := range runs {
		sctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
		start := time.Now()
		c, err := kafkalocal.Start(sctx, opts...)
		d := time.Since(start)
		cancel()
		if err != nil {
			return fmt.Errorf("run %d: %w", i+1, err)
		}
		if err := c.Close(); err != nil {
			return err
		}
		took = append(took, d)
		fmt.Printf("run %d: %d broker(s) of Kafka %s ready in %s\n", i+1, brokers, c.Version(), d.Round(time.Millisecond))
	}
	slices.Sort(took)
	fmt.Printf("startup of %d broker(s): min %s, median %s, max %s over %d runs\n", brokers,
		took[0].Round(time.Millisecond), took[len(took)/2].Round(time.Millisecond), took[len(took)-1].Round(time.Millisecond), len(took))
	return nil
}

func run(ctx context.Context, opts []kafkalocal.Option) error {
	sctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	c, err := kafkalocal.Start(sctx, opts...)
	if err != nil {
		return err
	}
	defer c.Close()
	fmt.Printf("Kafka %s running; bootstrap: %s; data: %s; Ctrl-C stops it\n", c.Version(), strings.Join(c.Bootstrap(), ","), c.Dir())
	<-ctx.Done()
	return nil
}
