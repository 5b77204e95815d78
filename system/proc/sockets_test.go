package proc

import (
	"net"
	"net/netip"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSocketsSeesThisProcessListenerAndConnection(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	c, err := net.Dial("tcp", l.Addr().String())
	require.NoError(t, err)
	defer c.Close()

	socks, err := Sockets(os.Getpid())
	require.NoError(t, err)
	want := netip.MustParseAddrPort(l.Addr().String())
	var listening, connected bool
	for _, s := range socks {
		if s.Local == want && s.State == 10 {
			listening = true
		}
		if s.Remote == want && s.State == 1 && s.Local.String() == c.LocalAddr().String() {
			connected = true
		}
	}
	require.True(t, listening, "the listener %s among %v", want, socks)
	require.True(t, connected, "the connection to %s among %v", want, socks)
}

func TestParseProcAddr(t *testing.T) {
	a, err := parseProcAddr("0100007F:1F90")
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:8080", a.String())
	a, err = parseProcAddr("00000000000000000000000001000000:0050")
	require.NoError(t, err)
	require.Equal(t, "[::1]:80", a.String())
}
