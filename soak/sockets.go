package soak

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// tcpListen is the state column value of a listening socket in /proc/net/tcp.
const tcpListen = "0A"

// ListeningSockets reads /proc/net/tcp and /proc/net/tcp6 and returns the listening
// sockets as "tcp ADDR:PORT" or "tcp6 ADDR:PORT" (addresses in the kernel's hex form)
// mapped to their socket inode. A missing tcp6 file (IPv6 off) is not an error.
func ListeningSockets() (map[string]uint64, error) {
	out := map[string]uint64{}
	for _, name := range []string{"tcp", "tcp6"} {
		f, err := os.Open("/proc/net/" + name)
		if err != nil {
			if name == "tcp6" && os.IsNotExist(err) {
				continue
			}
			return nil, fmt.Errorf("listening sockets: %w", err)
		}
		err = parseProcNetTCP(name, bufio.NewScanner(f), out)
		f.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// parseProcNetTCP adds the LISTEN rows of one /proc/net/tcp{,6} file to out.
func parseProcNetTCP(proto string, sc *bufio.Scanner, out map[string]uint64) error {
	first := true
	for sc.Scan() {
		if first { // header: sl local_address rem_address st ...
			first = false
			continue
		}
		f := strings.Fields(sc.Text())
		if len(f) < 10 || f[3] != tcpListen {
			continue
		}
		ino, err := strconv.ParseUint(f[9], 10, 64)
		if err != nil {
			return fmt.Errorf("listening sockets: bad inode %q in /proc/net/%s", f[9], proto)
		}
		out[proto+" "+f[1]] = ino
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("listening sockets: %w", err)
	}
	return nil
}

// PortOf returns the port of a key of ListeningSockets ("tcp 0100007F:1F90" -> 8080).
func PortOf(key string) int {
	i := strings.LastIndexByte(key, ':')
	if i < 0 {
		return 0
	}
	p, _ := strconv.ParseUint(key[i+1:], 16, 16)
	return int(p)
}
