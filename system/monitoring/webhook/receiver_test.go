package webhook

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const samplePayload = `{"version":"4","groupKey":"{}:{alertname=\"MessageLossDetected\"}","status":"firing",
"receiver":"pager","groupLabels":{"alertname":"MessageLossDetected"},
"commonLabels":{"alertname":"MessageLossDetected","severity":"critical"},"commonAnnotations":{},
"externalURL":"http://am","alerts":[{"status":"firing","labels":{"alertname":"MessageLossDetected",
"severity":"critical"},"annotations":{"summary":"lost"},"startsAt":"2026-11-28T12:00:00Z",
"endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prom","fingerprint":"abc"}]}`

func startReceiver(t *testing.T) *Receiver {
	t.Helper()
	r, err := Start(context.Background())
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, r.Close()) })
	return r
}

func post(t *testing.T, url, body string) int {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

func TestReceiverRecordsAndWaits(t *testing.T) {
	r := startReceiver(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	got := make(chan Delivery, 1)
	go func() {
		d, err := r.WaitFor(ctx, Firing("MessageLossDetected", "pager"))
		if err == nil {
			got <- d
		}
		close(got)
	}()
	require.Equal(t, http.StatusBadRequest, post(t, r.URL("pager"), "not json"))
	require.Equal(t, http.StatusOK, post(t, r.URL("pager"), samplePayload))

	d, ok := <-got
	require.True(t, ok, "WaitFor did not return a delivery")
	require.Equal(t, 2, d.Seq)
	require.Equal(t, "pager", d.Receiver)
	require.Equal(t, "/pager", d.Path)
	require.Equal(t, []string{"MessageLossDetected"}, d.AlertNames())
	require.Equal(t, "critical", d.Alerts[0].Labels["severity"])
	require.WithinDuration(t, time.Now(), d.Arrived, 5*time.Second)

	all := r.Deliveries()
	require.Len(t, all, 2)
	require.Error(t, all[0].Err)

	// A delivery that arrived before the call is found at once.
	d2, err := r.WaitFor(ctx, Firing("MessageLossDetected", "pager"))
	require.NoError(t, err)
	require.Equal(t, d.Seq, d2.Seq)
}

func TestWaitForTimeoutListsDeliveries(t *testing.T) {
	r := startReceiver(t)
	require.Equal(t, http.StatusOK, post(t, r.URL("pager"), samplePayload))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := r.WaitFor(ctx, Resolved("MessageLossDetected", "pager"))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Contains(t, err.Error(), "receiver=pager status=firing alerts=[MessageLossDetected=firing]")
}

func TestCloseTwice(t *testing.T) {
	r, err := Start(context.Background())
	require.NoError(t, err)
	require.NoError(t, r.Close())
	require.NoError(t, r.Close())
}
