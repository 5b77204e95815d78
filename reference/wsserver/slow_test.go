package wsserver_test

import (
	"context"
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/reference/consumer"
	"github.com/dashstream/acceptance/reference/internal/kfaketest"
	"github.com/dashstream/acceptance/reference/producer"
	"github.com/dashstream/acceptance/reference/wsserver"
)

// tinyBufferClient returns an HTTP client whose connections have a 4 KiB receive buffer,
// so a WebSocket client that does not read backs up at once instead of after megabytes
// of kernel buffering.
func tinyBufferClient() *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second, Control: func(_, _ string, c syscall.RawConn) error {
		var err error
		if cerr := c.Control(func(fd uintptr) { err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) }); cerr != nil {
			return cerr
		}
		return err
	}}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
}

func sendAsync(t *testing.T, p *producer.Producer, thread string, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for range n {
		p.SendAsync(ctx, thread, event(), func(_ producer.Ack, err error) {
			if err != nil {
				t.Errorf("send: %v", err)
			}
		})
	}
	require.NoError(t, p.Flush(ctx))
}

func TestSlowClientDroppedWhileFastClientGetsEverything(t *testing.T) {
	// Bursts of 100 records fit the default queue (256) of a client that reads; one that
	// does not read fills its socket buffers (the server's send buffer autotunes up to
	// net.ipv4.tcp_wmem's 4 MiB, about 10000 frames), then its queue, then drops. Bursts
	// go on until it has dropped DisconnectAfterDrops frames, at most maxBatches. Its
	// disconnect is counted when the connection ends: the server's close handshake waits
	// behind the unread megabytes until it times out (seconds), so that is waited for by
	// time, not by frames.
	const batch, maxBatches, cutAfter = 100, 600, 100
	_, addrs := kfaketest.Cluster(t, 1, consumer.DefaultTopic)
	r := start(t, wsserver.Brokers(addrs...), wsserver.Topics(consumer.DefaultTopic),
		wsserver.DisconnectAfterDrops(cutAfter), wsserver.WriteTimeout(time.Minute))
	slow := r.dial(t, "tenant=acme", &websocket.DialOptions{HTTPClient: tinyBufferClient()})
	fast := r.dial(t, "tenant=acme", nil)
	r.waitClients(t, 2)

	p := newProducer(t, addrs, "acme")
	reg := r.S.Registry()
	tooSlow := func() float64 {
		return metric(t, reg, wsserver.MetricDisconnects, map[string]string{"reason": wsserver.DisconnectTooSlow})
	}
	dropped := func() float64 {
		return metric(t, reg, wsserver.MetricDroppedFrames, map[string]string{"reason": wsserver.DropQueueFull})
	}
	var seqs []uint64
	burst := func() {
		sendAsync(t, p, "t", batch)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		for range batch { // the fast client keeps up before the next burst
			_, b, err := fast.Read(ctx)
			require.NoError(t, err, "the fast client reads on after %d frames", len(seqs))
			seqs = append(seqs, frameSeq(b))
		}
	}
	for i := 0; i < maxBatches && dropped() < cutAfter; i++ {
		burst()
	}
	require.GreaterOrEqual(t, dropped(), float64(cutAfter), "the slow client's queue overflowed within %d frames", len(seqs))
	for range 5 { // the fast client is not held up by the one being cut off
		burst()
	}
	require.Eventually(t, func() bool { return tooSlow() == 1 }, 30*time.Second, 50*time.Millisecond,
		"the slow client is disconnected as too slow once its close handshake ends")
	t.Logf("slow client cut off; the fast client received %d frames", len(seqs))
	for i, s := range seqs {
		if s != uint64(i+1) {
			require.Equal(t, uint64(i+1), s, "frame %d in order, none skipped", i)
		}
	}
	require.Equal(t, float64(cutAfter), dropped(), "no frame is queued for a client once it is cut off")
	require.Equal(t, 0.0, metric(t, reg, wsserver.MetricDisconnects, map[string]string{"reason": wsserver.DisconnectClientClosed}))
	r.waitClients(t, 1)
	h := r.health(t)
	require.Equal(t, wsserver.StatusHealthy, h.Status, "a slow client is not a server problem: %v", h.Reasons)
	require.GreaterOrEqual(t, h.Metrics.DroppedMessages, uint64(cutAfter))
	require.Equal(t, 1, h.Metrics.ConnectedClients)

	// What the slow client finally reads: the frames its buffers held, then the end of the
	// connection. The 1008 close frame sits behind megabytes it never read, so the close
	// handshake times out and it usually sees the TCP connection end instead.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var err error
	for err == nil {
		_, _, err = slow.Read(ctx)
	}
	st := websocket.CloseStatus(err)
	require.True(t, st == websocket.StatusPolicyViolation || st == -1, "closed as too slow or cut: %v", err)
	require.Less(t, metric(t, reg, wsserver.MetricFramesSent, map[string]string{"format": "json"}), 2*float64(len(seqs)),
		"the slow client got fewer frames than the fast one")
}

// frameSeq extracts header.sequence from a JSON frame without a full decode.
func frameSeq(b []byte) uint64 {
	var f wsserver.Frame
	if err := jsonUnmarshal(b, &f); err != nil {
		return 0
	}
	return f.Header.Sequence
}
