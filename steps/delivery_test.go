package steps

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/reference/producer"
	"github.com/dashstream/acceptance/system/observe/wiredecode"
)

func rec(p int32, o int64, thread string, seq uint64) readRecord {
	return readRecord{Partition: p, Offset: o, Header: &wiredecode.Header{ThreadID: thread, Sequence: seq}}
}

func acksAt(offsets ...int64) map[uint64]producer.Ack {
	out := map[uint64]producer.Ack{}
	for i, o := range offsets {
		out[uint64(i+1)] = producer.Ack{Sequence: uint64(i + 1), Partition: 0, Offset: o}
	}
	return out
}

func TestCheckDelivery(t *testing.T) {
	const th = "t"
	failedSeq3 := map[uint64]error{3: errors.New("delivery timeout")}
	for _, tc := range []struct {
		name   string
		sent   int
		acked  map[uint64]producer.Ack
		failed map[uint64]error
		recs   []readRecord
		check  func(t *testing.T, d delivery)
	}{
		{"every acknowledged record once, where it was acknowledged", 3, acksAt(0, 1, 2), nil,
			[]readRecord{rec(0, 0, th, 1), rec(0, 1, th, 2), rec(0, 2, th, 3)},
			func(t *testing.T, d delivery) {
				require.Equal(t, delivery{Acknowledged: 3, Read: 3}, d)
			}},
		{"an acknowledged record missing is lost", 3, acksAt(0, 1, 2), nil,
			[]readRecord{rec(0, 0, th, 1), rec(0, 2, th, 3)},
			func(t *testing.T, d delivery) { require.Equal(t, []uint64{2}, d.Lost) }},
		{"a record read twice is a duplicate, counted once", 2, acksAt(0, 1), nil,
			[]readRecord{rec(0, 0, th, 1), rec(0, 1, th, 2), rec(0, 2, th, 2), rec(0, 3, th, 2)},
			func(t *testing.T, d delivery) {
				require.Equal(t, []uint64{2}, d.Duplicates)
				require.Empty(t, d.Unexplained)
			}},
		{"an acknowledgement naming the wrong offset is misplaced", 2, acksAt(0, 0), nil,
			[]readRecord{rec(0, 0, th, 1), rec(0, 1, th, 2)},
			func(t *testing.T, d delivery) {
				require.Equal(t, []string{"sequence 2 acknowledged at 0/0, which holds sequence 1"}, d.Misplaced)
			}},
		{"an acknowledgement naming an offset nothing was read at is misplaced", 1, acksAt(7), nil,
			[]readRecord{rec(0, 0, th, 1)},
			func(t *testing.T, d delivery) { require.Len(t, d.Misplaced, 1) }},
		{"a failed send read back is explained, not unexplained", 3, acksAt(0, 1), failedSeq3,
			[]readRecord{rec(0, 0, th, 1), rec(0, 1, th, 2), rec(0, 2, th, 3)},
			func(t *testing.T, d delivery) {
				require.Equal(t, []uint64{3}, d.FailedRead)
				require.Empty(t, d.Unexplained)
			}},
		{"a sequence never sent is unexplained", 2, acksAt(0, 1), nil,
			[]readRecord{rec(0, 0, th, 1), rec(0, 1, th, 2), rec(0, 2, th, 9)},
			func(t *testing.T, d delivery) { require.Len(t, d.Unexplained, 1) }},
		{"sequence 0 is unexplained", 1, acksAt(0), nil,
			[]readRecord{rec(0, 0, th, 1), rec(0, 1, th, 0)},
			func(t *testing.T, d delivery) { require.Len(t, d.Unexplained, 1) }},
		{"a sent record neither acknowledged nor failed is unexplained", 3, acksAt(0, 1), nil,
			[]readRecord{rec(0, 0, th, 1), rec(0, 1, th, 2), rec(0, 2, th, 3)},
			func(t *testing.T, d delivery) {
				require.Equal(t, []string{"0/2: sequence 3, sent but neither acknowledged nor failed"}, d.Unexplained)
			}},
		{"another thread's record is unexplained", 1, acksAt(0), nil,
			[]readRecord{rec(0, 0, th, 1), rec(1, 0, "other", 1)},
			func(t *testing.T, d delivery) { require.Len(t, d.Unexplained, 1) }},
		{"an undecodable record is reported", 1, acksAt(0), nil,
			[]readRecord{rec(0, 0, th, 1), {Partition: 0, Offset: 1, Err: errors.New("bad framing")}},
			func(t *testing.T, d delivery) { require.Equal(t, []string{"0/1: bad framing"}, d.Undecodable) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.check(t, checkDelivery(th, tc.sent, tc.acked, tc.failed, tc.recs))
		})
	}
}

func TestLongestPause(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := func(sec float64) time.Time { return t0.Add(time.Duration(sec * float64(time.Second))) }
	for _, tc := range []struct {
		name     string
		acks     []time.Time
		from, to time.Time
		want     pause
	}{
		{"a pause between two acknowledgements inside the window", []time.Time{s(1), s(2), s(9), s(10)}, s(0), s(11), pause{s(2), s(9)}},
		{"acknowledgements before the window are ignored: the pause starts at the window", []time.Time{s(-5), s(7), s(8)}, s(0), s(9), pause{s(0), s(7)}},
		{"no acknowledgement after the last one up to the window's end", []time.Time{s(1), s(2)}, s(0), s(12), pause{s(2), s(12)}},
		{"acknowledgements after the window are ignored", []time.Time{s(1), s(20)}, s(0), s(5), pause{s(1), s(5)}},
		{"no acknowledgement at all is one pause over the window", nil, s(0), s(4), pause{s(0), s(4)}},
		{"steady acknowledgements give the largest step", []time.Time{s(0.5), s(1), s(1.5), s(2)}, s(0), s(2), pause{s(0), s(0.5)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := longestPause(tc.acks, tc.from, tc.to)
			require.Equal(t, tc.want.Duration(), got.Duration())
			require.True(t, tc.want.From.Equal(got.From) && tc.want.To.Equal(got.To), "got %s", got)
		})
	}
}
