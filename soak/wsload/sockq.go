package wsload

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// sockQueue is what the kernel holds for one TCP connection: bytes written by the
// application and not yet acknowledged by the peer (tx), and bytes received and not yet
// read by the application (rx).
type sockQueue struct {
	TX, RX int64
}

// parseProcNetTCP reads /proc/net/tcp and returns the queues of every socket, keyed by
// "localPort>remotePort" (ports of IPv4 loopback connections are unique enough here).
func parseProcNetTCP(r io.Reader) (map[string]sockQueue, error) {
	out := map[string]sockQueue{}
	sc := bufio.NewScanner(r)
	first := true
	for sc.Scan() {
		if first { // header
			first = false
			continue
		}
		f := strings.Fields(sc.Text())
		if len(f) < 5 {
			continue
		}
		lp, err1 := hexPort(f[1])
		rp, err2 := hexPort(f[2])
		tx, rx, ok := strings.Cut(f[4], ":")
		if err1 != nil || err2 != nil || !ok {
			return nil, fmt.Errorf("parse /proc/net/tcp: line %q", sc.Text())
		}
		txn, err1 := strconv.ParseInt(tx, 16, 64)
		rxn, err2 := strconv.ParseInt(rx, 16, 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("parse /proc/net/tcp: queues %q", f[4])
		}
		out[fmt.Sprintf("%d>%d", lp, rp)] = sockQueue{TX: txn, RX: rxn}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("parse /proc/net/tcp: %w", err)
	}
	return out, nil
}

// hexPort returns the port of an address like 0100007F:1F90.
func hexPort(addr string) (int, error) {
	_, p, ok := strings.Cut(addr, ":")
	if !ok {
		return 0, fmt.Errorf("address %q has no port", addr)
	}
	n, err := strconv.ParseInt(p, 16, 32)
	return int(n), err
}

// readSockQueues reads /proc/net/tcp.
func readSockQueues() (map[string]sockQueue, error) {
	f, err := os.Open("/proc/net/tcp")
	if err != nil {
		return nil, fmt.Errorf("socket queues: %w", err)
	}
	defer f.Close()
	return parseProcNetTCP(f)
}
