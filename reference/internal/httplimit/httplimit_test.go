package httplimit_test

import (
	"bufio"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/reference/internal/httplimit"
)

func TestListenerRefusesPastTheCap(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var refused atomic.Int64
	l := httplimit.Limits{MaxConnections: 2, IdleTimeout: time.Minute}
	srv := httplimit.Server(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) }), l)
	go func() { _ = srv.Serve(httplimit.Listener(ln, l, func() { refused.Add(1) })) }()
	t.Cleanup(func() { _ = srv.Close() })

	get := func(c net.Conn) int {
		t.Helper()
		_, err := c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
		require.NoError(t, err)
		require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		require.NoError(t, err)
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	var held []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", ln.Addr().String())
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		require.Equal(t, http.StatusOK, get(c))
		held = append(held, c)
	}
	c, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	require.Equal(t, http.StatusServiceUnavailable, get(c))
	_ = c.Close()
	require.Equal(t, int64(1), refused.Load())

	_ = held[0].Close() // a slot frees once a connection closes
	require.Eventually(t, func() bool {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			return false
		}
		defer c.Close()
		return get(c) == http.StatusOK
	}, 5*time.Second, 20*time.Millisecond)
}

func TestServerSetsEveryLimit(t *testing.T) {
	srv := httplimit.Server(http.NotFoundHandler(), httplimit.Limits{IdleTimeout: 3 * time.Second})
	require.Equal(t, 3*time.Second, srv.IdleTimeout)
	require.Equal(t, httplimit.DefaultReadTimeout, srv.ReadTimeout)
	require.Equal(t, httplimit.DefaultWriteTimeout, srv.WriteTimeout)
	require.Equal(t, httplimit.DefaultReadHeaderTimeout, srv.ReadHeaderTimeout)
	require.Equal(t, httplimit.DefaultMaxHeaderBytes, srv.MaxHeaderBytes)
}
