package consumer

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/reference/sequence"
	"github.com/dashstream/acceptance/reference/wire"
)

// TestAnomalyLogCutsIDs: a sequence warning about a thread id of 540 multi-byte
// characters carries the id cut to wire.MaxIDBytes, never a split character.
func TestAnomalyLogCutsIDs(t *testing.T) {
	var out bytes.Buffer
	c := &Consumer{cfg: config{log: slog.New(slog.NewJSONHandler(&out, nil))}}
	thread := strings.Repeat("線", 540)
	tenant := strings.Repeat("é", 300)
	c.anomaly(context.Background(), "sequence gap", &kgo.Record{Topic: "t"}, tenant, thread,
		sequence.Result{Verdict: sequence.Gap, Expected: 2, Received: 5})
	var line map[string]any
	require.NoError(t, json.Unmarshal(out.Bytes(), &line))
	for key, id := range map[string]string{"thread": thread, "tenant": tenant} {
		got, _ := line[key].(string)
		require.LessOrEqual(t, len(got), wire.MaxIDBytes, key)
		require.True(t, utf8.ValidString(got), key)
		require.True(t, strings.HasSuffix(got, wire.CutMarker), key)
		require.True(t, strings.HasPrefix(id, strings.TrimSuffix(got, wire.CutMarker)), key)
	}
	require.Less(t, out.Len(), 1024, "one bounded line")
}
