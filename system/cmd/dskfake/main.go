// Command dskfake runs a franz-go kfake Kafka cluster as its own process, so the embedded
// stack can kill -9, stop, pause and restart "the broker" exactly like a real one. With
// -data-dir and a fixed -port, a restarted process serves the same data at the same address.
//
// With -advertise-port the broker listens on -port but tells clients (in metadata) to use
// the advertised port, where the harness runs a TCP proxy for network faults: clients then
// cannot bypass the proxy.
//
// The broker listens with SO_REUSEPORT: the harness holds -port for the broker's whole
// life with a bound socket of its own that never listens (kfakeproc.Port), so no other
// process can take the port between the harness picking it and this process binding it,
// nor while this process is down between a kill and its restart.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/twmb/franz-go/pkg/kfake"
	"golang.org/x/sys/unix"
)

// advertisedListener reports another port as its address; kfake advertises Addr().
type advertisedListener struct {
	net.Listener
	addr net.Addr
}

func (l advertisedListener) Addr() net.Addr { return l.addr }

func main() {
	port := flag.Int("port", 0, "loopback port to listen on (required)")
	advertise := flag.Int("advertise-port", 0, "port to advertise to clients (default: -port)")
	dataDir := flag.String("data-dir", "", "directory for persistent state (survives kill -9 and restart)")
	partitions := flag.Int("partitions", 3, "partitions of auto-created topics")
	version := flag.Bool("version", false, "print the kfake module version and exit")
	flag.Parse()
	if *version {
		fmt.Println(kfakeVersion())
		return
	}
	if *port <= 0 {
		fmt.Fprintln(os.Stderr, "dskfake: -port is required: give a fixed loopback port so restarts keep the address")
		os.Exit(2)
	}
	opts := []kfake.Opt{
		kfake.Ports(*port),
		kfake.AllowAutoTopicCreation(),
		kfake.DefaultNumPartitions(*partitions),
		kfake.ClusterID("dashstream-embedded"),
	}
	if *dataDir != "" {
		opts = append(opts, kfake.DataDir(*dataDir))
	}
	var adv net.Addr
	if *advertise > 0 && *advertise != *port {
		adv = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: *advertise}
	}
	opts = append(opts, kfake.ListenFn(func(network, address string) (net.Listener, error) {
		ln, err := listenReusePort(network, address)
		if err != nil || adv == nil {
			return ln, err
		}
		return advertisedListener{Listener: ln, addr: adv}, nil
	}))
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		fmt.Fprintf(os.Stderr, "dskfake: start cluster: %v\n", err)
		os.Exit(1)
	}
	advertised := *port
	if *advertise > 0 {
		advertised = *advertise
	}
	fmt.Printf("dskfake listening on 127.0.0.1:%d advertising 127.0.0.1:%d\n", *port, advertised)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	<-sigs
	c.Close()
	fmt.Println("dskfake stopped")
}

// listenReusePort listens with SO_REUSEPORT (besides Go's usual SO_REUSEADDR), so that it
// can bind the port the harness holds for this broker.
func listenReusePort(network, address string) (net.Listener, error) {
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		if err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, unix.SO_REUSEPORT, 1)
		}); err != nil {
			return err
		}
		return serr
	}}
	return lc.Listen(context.Background(), network, address)
}

// kfakeVersion returns the version of the kfake module this binary was built with.
func kfakeVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, d := range info.Deps {
			if d.Path == "github.com/twmb/franz-go/pkg/kfake" {
				return d.Version
			}
		}
	}
	return "unknown"
}
