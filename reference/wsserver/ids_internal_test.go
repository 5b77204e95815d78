package wsserver

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/reference/consumer"
	"github.com/dashstream/acceptance/reference/wire"
	"github.com/dashstream/acceptance/reference/wire/dspb"
)

// TestFrameCutsIDs: a JSON frame of a record whose thread id is 1 MiB of '<' (six bytes
// each once JSON-escaped) is small, with the id cut to wire.MaxIDBytes; a short id is whole.
func TestFrameCutsIDs(t *testing.T) {
	frame := func(tenant, thread string) Frame {
		h := &dspb.Header{TenantId: tenant, ThreadId: thread, Sequence: 1}
		b, err := jsonFrame(consumer.Record{Message: &dspb.DashStreamMessage{Message: &dspb.DashStreamMessage_Event{Event: &dspb.Event{Header: h}}}, Header: h})
		require.NoError(t, err)
		require.Less(t, len(b), 4096)
		var f Frame
		require.NoError(t, json.Unmarshal(b, &f))
		return f
	}
	f := frame("acme", strings.Repeat("<", 1<<20))
	require.Equal(t, "acme", f.Header.TenantID)
	require.Equal(t, strings.Repeat("<", wire.MaxIDBytes-len(wire.CutMarker))+wire.CutMarker, f.Header.ThreadID)

	f = frame(strings.Repeat("𝄞", 100), "t1")
	require.Equal(t, "t1", f.Header.ThreadID)
	require.True(t, utf8.ValidString(f.Header.TenantID))
	require.LessOrEqual(t, len(f.Header.TenantID), wire.MaxIDBytes)
	require.True(t, strings.HasSuffix(f.Header.TenantID, wire.CutMarker))
}
