package wsload

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseProcNetTCP(t *testing.T) {
	in := `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 576081 2 0 100 0 0 10 0
   1: 0100007F:1F90 0100007F:C350 01 0003E800:00000000 01:00000014 00000000     0        0 1 1 0 20 4 30 10 -1
   2: 0100007F:C350 0100007F:1F90 01 00000000:00004000 00:00000000 00000000     0        0 2 1 0 20 4 30 10 -1
`
	got, err := parseProcNetTCP(strings.NewReader(in))
	require.NoError(t, err)
	require.Equal(t, sockQueue{TX: 256000}, got["8080>50000"], "server side: bytes not yet acknowledged by the client")
	require.Equal(t, sockQueue{RX: 16384}, got["50000>8080"], "client side: bytes not yet read")
	require.Len(t, got, 3)

	_, err = parseProcNetTCP(strings.NewReader("header\n 0: nothex:zz 0:0 01 x:y\n"))
	require.Error(t, err)
}
