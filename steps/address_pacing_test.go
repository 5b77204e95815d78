package steps

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPolicyFloorIsHalfTheCappedDoubling(t *testing.T) {
	p := policyBounds{min: 250 * time.Millisecond, max: 12 * time.Second}
	for k, want := range map[int]time.Duration{1: 125 * time.Millisecond, 4: time.Second, 6: 4 * time.Second, 7: 6 * time.Second, 20: 6 * time.Second} {
		require.Equal(t, want, p.floor(k), "floor after %d rounds", k)
	}
}

func TestRoundsGroupConnectionsWithinTheWindowOfTheirFirst(t *testing.T) {
	t0 := time.Unix(0, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	got := rounds([]time.Time{at(0), at(1), at(60), at(120), at(150), at(5000), at(5001)})
	require.Equal(t, []time.Time{at(0), at(120), at(5000)}, got, "60 ms after the first is the same round; 120 ms after starts a new one")
}

func TestParseLogLineAndConnErrorKey(t *testing.T) {
	a, ok := parseLogLine(`time=2026-12-05T21:16:20.954Z level=WARN msg="kafka request failed" broker=127.0.0.1:42403 error="read tcp 127.0.0.1:49330->127.0.0.1:42403: read: connection reset by peer"`)
	require.True(t, ok)
	b, ok := parseLogLine(`time=2026-12-05T21:17:32.137Z level=WARN msg="kafka request failed (suppressed 38 similar in the last 71s)" broker=127.0.0.1:42403 error="read tcp 127.0.0.1:51012->127.0.0.1:42403: read: connection reset by peer" suppressed=38`)
	require.True(t, ok)
	require.Equal(t, "38", b.attrs["suppressed"])
	ka, ok := a.connErrorKey()
	require.True(t, ok)
	kb, _ := b.connErrorKey()
	require.Equal(t, ka, kb, "the same error on another ephemeral port, with a suppressed count, is the same error")
	_, ok = parseLogLine("panic: something")
	require.False(t, ok)
}

func TestFailuresAccountedTellsFlushFromRepeatLines(t *testing.T) {
	var byKey = map[string][]logLine{}
	for _, raw := range []string{
		`level=WARN msg="kafka request failed" broker=b error="e"`,
		`level=WARN msg="kafka request failed (suppressed 41 similar in the last 20s)" broker=b error="e" suppressed=41`,
		`level=WARN msg="kafka request failed" broker=b error="e"`,
		`level=WARN msg="kafka request failed (suppressed 7 similar in the last 3s)" broker=b error="e" suppressed=7 flushed=true`,
	} {
		l, ok := parseLogLine(raw)
		require.True(t, ok)
		k, _ := l.connErrorKey()
		byKey[k] = append(byKey[k], l)
	}
	require.Equal(t, 1+(41+1)+1+7, failuresAccounted(byKey),
		"a repeat line is the new failure and the 41 before it; a flushed line repeats the last of its 7")
}
