package steps

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestDecodeFrameNamesMissingFields(t *testing.T) {
	ok := decodeFrame(time.Now(), []byte(`{"type":"event","header":{"message_id":"m1","timestamp_us":1,"tenant_id":"acme","thread_id":"t","sequence":3},"topic":"x","partition":0,"offset":7}`))
	require.Empty(t, ok.Problem)
	require.Equal(t, uint64(3), ok.Sequence)
	require.Equal(t, int64(7), ok.Offset)
	bad := decodeFrame(time.Now(), []byte(`{"type":"event","header":{"message_id":"m1","timestamp_us":1,"thread_id":"t"},"topic":"x","partition":0,"offset":7}`))
	require.Equal(t, "frame lacks header.tenant_id, header.sequence", bad.Problem)
	require.Contains(t, decodeFrame(time.Now(), []byte("nope")).Problem, "not a JSON frame")
}

func TestCheckFramesFindsEveryAnomaly(t *testing.T) {
	f := func(tenant, thread string, seq uint64, id string) wsFrame {
		return wsFrame{TenantID: tenant, ThreadID: thread, Sequence: seq, MessageID: id}
	}
	want := map[string]int{"t0": 3, "t1": 2}
	for _, tc := range []struct {
		name   string
		frames []wsFrame
		err    string
	}{
		{"exact", []wsFrame{f("a", "t0", 1, "1"), f("a", "t1", 1, "2"), f("a", "t0", 2, "3"), f("a", "t0", 3, "4"), f("a", "t1", 2, "5")}, ""},
		{"late foreign frame", []wsFrame{f("a", "t0", 1, "1"), f("a", "t0", 2, "2"), f("a", "t0", 3, "3"), f("a", "t1", 1, "4"), f("a", "t1", 2, "5"), f("b", "t0", 1, "6")}, `1 frames of tenant "b"`},
		{"duplicate sequence", []wsFrame{f("a", "t0", 1, "1"), f("a", "t0", 1, "1b"), f("a", "t0", 2, "2"), f("a", "t0", 3, "3"), f("a", "t1", 1, "4"), f("a", "t1", 2, "5")}, "duplicates: t0: sequence 1"},
		{"duplicate message id", []wsFrame{f("a", "t0", 1, "1"), f("a", "t0", 2, "1"), f("a", "t0", 3, "3"), f("a", "t1", 1, "4"), f("a", "t1", 2, "5")}, "duplicates: t0: sequence 2 (message 1) again"},
		{"gap and missing", []wsFrame{f("a", "t0", 1, "1"), f("a", "t0", 3, "3"), f("a", "t1", 1, "4"), f("a", "t1", 2, "5")}, "gaps: t0: 3 after 1; missing: t0: 2 never arrived"},
		{"reorder", []wsFrame{f("a", "t0", 2, "2"), f("a", "t0", 1, "1"), f("a", "t0", 3, "3"), f("a", "t1", 1, "4"), f("a", "t1", 2, "5")}, "reordered: t0: 1 after 2"},
		{"sequence 0", []wsFrame{f("a", "t0", 0, "0"), f("a", "t0", 1, "1"), f("a", "t0", 2, "2"), f("a", "t0", 3, "3"), f("a", "t1", 1, "4"), f("a", "t1", 2, "5")}, "gaps: t0: 0 after 0"},
		{"malformed", []wsFrame{{Problem: "frame lacks header.sequence"}}, "malformed frames: frame lacks header.sequence"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkFrames(tc.frames, "a", want).Err()
			if tc.err == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.err)
		})
	}
}
