package wire_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/reference/wire"
)

// TestCutID keeps short ids whole and cuts long ones to at most MaxIDBytes, on a
// character boundary, with the marker, whatever the width of the characters.
func TestCutID(t *testing.T) {
	require.Equal(t, "thread-1", wire.CutID("thread-1"))
	exact := strings.Repeat("a", wire.MaxIDBytes)
	require.Equal(t, exact, wire.CutID(exact), "exactly the maximum is kept")
	for _, ch := range []string{"a", "é", "€", "𝄞"} { // 1, 2, 3 and 4 bytes
		for extra := 1; extra <= 8; extra++ {
			id := strings.Repeat("a", extra) + strings.Repeat(ch, 2*wire.MaxIDBytes)
			got := wire.CutID(id)
			require.LessOrEqual(t, len(got), wire.MaxIDBytes, "%q x %d", ch, extra)
			require.True(t, strings.HasSuffix(got, wire.CutMarker))
			require.True(t, utf8.ValidString(got), "%q x %d: no split character", ch, extra)
			prefix := strings.TrimSuffix(got, wire.CutMarker)
			require.True(t, strings.HasPrefix(id, prefix))
			require.Greater(t, len(prefix), wire.MaxIDBytes-len(wire.CutMarker)-utf8.UTFMax, "as long as the room allows")
		}
	}
}
