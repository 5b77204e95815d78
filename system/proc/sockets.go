package proc

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Socket is one TCP or UDP socket a process holds, as the kernel lists it.
type Socket struct {
	// Proto is "tcp", "tcp6", "udp" or "udp6".
	Proto string
	// Local and Remote are the socket's addresses; Remote is 0.0.0.0:0 (or [::]:0) for
	// a listening or unconnected socket.
	Local, Remote netip.AddrPort
	// State is the kernel's TCP state number (1 established, 2 syn-sent, 10 listen).
	State int
}

// Sockets returns the TCP and UDP sockets process pid holds, read from /proc/<pid>/fd
// and the kernel's socket tables (/proc/<pid>/net/{tcp,tcp6,udp,udp6}): what the
// process has open at this instant, whatever it says about itself. A socket opened and
// closed between two calls is not seen.
func Sockets(pid int) ([]Socket, error) {
	dir := filepath.Join("/proc", strconv.Itoa(pid))
	list, err := SocketInodes(pid)
	if err != nil {
		return nil, err
	}
	inodes := map[string]bool{}
	for _, ino := range list {
		inodes[ino] = true
	}
	var out []Socket
	for _, proto := range []string{"tcp", "tcp6", "udp", "udp6"} {
		socks, err := socketTable(filepath.Join(dir, "net", proto), proto, inodes)
		if err != nil {
			return nil, fmt.Errorf("sockets of %d: %w", pid, err)
		}
		out = append(out, socks...)
	}
	return out, nil
}

// SocketInodes returns the inode numbers of the sockets process pid holds, from its
// /proc/<pid>/fd links (of every kind: TCP, UDP, Unix, netlink). Cheaper than Sockets;
// look a new inode up with Sockets.
func SocketInodes(pid int) ([]string, error) {
	dir := filepath.Join("/proc", strconv.Itoa(pid), "fd")
	fds, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("sockets of %d: %w", pid, err)
	}
	var out []string
	for _, fd := range fds {
		target, err := os.Readlink(filepath.Join(dir, fd.Name()))
		if err != nil {
			continue // closed since ReadDir
		}
		if ino, ok := strings.CutPrefix(target, "socket:["); ok {
			out = append(out, strings.TrimSuffix(ino, "]"))
		}
	}
	return out, nil
}

// socketTable reads one /proc/net table and keeps the rows whose inode is in inodes.
func socketTable(path, proto string, inodes map[string]bool) ([]Socket, error) {
	f, err := os.Open(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil // no IPv6 on this kernel
		}
		return nil, err
	}
	defer f.Close()
	var out []Socket
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 10 || !inodes[fields[9]] {
			continue
		}
		local, err1 := parseProcAddr(fields[1])
		remote, err2 := parseProcAddr(fields[2])
		state, err3 := strconv.ParseInt(fields[3], 16, 32)
		if err1 != nil || err2 != nil || err3 != nil {
			return nil, fmt.Errorf("%s: unreadable row %q", path, sc.Text())
		}
		out = append(out, Socket{Proto: proto, Local: local, Remote: remote, State: int(state)})
	}
	return out, sc.Err()
}

// parseProcAddr parses "0100007F:1F90": the address in hex as the kernel stores it (each
// 32-bit word in host order, little-endian here), the port in hex.
func parseProcAddr(s string) (netip.AddrPort, error) {
	hexAddr, hexPort, ok := strings.Cut(s, ":")
	if !ok {
		return netip.AddrPort{}, fmt.Errorf("address %q", s)
	}
	raw, err := hex.DecodeString(hexAddr)
	if err != nil || (len(raw) != 4 && len(raw) != 16) {
		return netip.AddrPort{}, fmt.Errorf("address %q", s)
	}
	for i := 0; i < len(raw); i += 4 {
		raw[i], raw[i+1], raw[i+2], raw[i+3] = raw[i+3], raw[i+2], raw[i+1], raw[i]
	}
	port, err := strconv.ParseUint(hexPort, 16, 16)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("port %q", s)
	}
	addr, _ := netip.AddrFromSlice(raw)
	return netip.AddrPortFrom(addr.Unmap(), uint16(port)), nil
}
