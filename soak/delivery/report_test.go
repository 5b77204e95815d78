package delivery

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/reference/producer"
)

func goodResult() *Result {
	return &Result{Analysis: Analysis{Acked: 100, LogRecords: 100, DrainComplete: true, Kills: 3,
		Recoveries: []Recovery{{RecoveryS: 1}, {RecoveryS: 2}, {RecoveryS: 0.5}}}}
}

func TestEvaluate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Analysis)
		ok     bool
		failed string
	}{
		{"clean", func(*Analysis) {}, true, ""},
		{"lost", func(a *Analysis) { a.Lost = 1; a.LostSample = []string{"w0#3@0/2"} }, false, "lost"},
		{"duplicate", func(a *Analysis) { a.Duplicates = 2 }, false, "duplicates"},
		{"misplaced", func(a *Analysis) { a.Misplaced = 1 }, false, "offset"},
		{"reordered", func(a *Analysis) { a.Reordered = 1 }, false, "out of order"},
		{"acked twice", func(a *Analysis) { a.AckDuplicates = 1 }, false, "acked twice"},
		{"drain incomplete", func(a *Analysis) { a.DrainComplete = false }, false, "drain"},
		{"nothing acked", func(a *Analysis) { a.Acked = 0 }, false, "something was acked"},
		{"no kill", func(a *Analysis) { a.Kills = 0 }, false, "nemesis"},
		{"failed restart is a missed goal only (the infrastructure, not the pipeline)", func(a *Analysis) { a.FailedRestarts = 1 }, true, ""},
		{"slow recovery is a missed goal only", func(a *Analysis) { a.Recoveries[1].RecoveryS = 45 }, true, ""},
		{"headline keeps the worst recovery", func(a *Analysis) { a.Recoveries[2].RecoveryS = 7 }, true, ""},
		{"not yet seen is a missed goal only", func(a *Analysis) { a.NotYetSeen = 7 }, true, ""},
		{"produce errors are a missed goal only", func(a *Analysis) { a.ProduceErrors = 7 }, true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := goodResult()
			tc.mutate(&r.Analysis)
			evaluate(r)
			require.Equal(t, tc.ok, r.OK)
			require.Equal(t, r.Analysis.Lost, r.Lost, "headline mirrors the analysis")
			require.Equal(t, r.Analysis.Duplicates, r.Duplicates)
			require.Equal(t, r.Analysis.Kills, r.Kills)
			var failed []string
			for _, c := range r.Invariants {
				if !c.OK {
					failed = append(failed, c.Name)
				}
			}
			if tc.failed == "" {
				require.Empty(t, failed)
			} else {
				require.Len(t, failed, 1)
				require.Contains(t, failed[0], tc.failed)
			}
			var out bytes.Buffer
			printSummary(&out, r)
			require.Equal(t, tc.ok, !strings.Contains(out.String(), "FAIL"), out.String())
		})
	}
}

func TestWritersRecord(t *testing.T) {
	w := newWriters(nil, 1, 1, 0)
	w.record(producer.Ack{Thread: "w0", Sequence: 1, Partition: 2, Offset: 9}, nil, t0)
	w.record(producer.Ack{Thread: "w0", Sequence: 2}, fmt.Errorf("send w0 seq 2: %w", kgo.ErrRecordTimeout), t0)
	w.record(producer.Ack{Thread: "w0", Sequence: 3}, fmt.Errorf("send w0 seq 3: %w", kgo.ErrRecordTimeout), t0)
	w.record(producer.Ack{Thread: "w0", Sequence: 4}, fmt.Errorf("send w0 seq 4: %w", kgo.ErrClientClosed), t0)
	acks, errs := w.snapshot()
	require.Equal(t, []AckRec{{Thread: "w0", Seq: 1, Partition: 2, Offset: 9, At: t0}}, acks, "only a nil error is an ack")
	require.Equal(t, map[string]int64{kgo.ErrRecordTimeout.Error(): 2}, errs)
	require.EqualValues(t, 1, w.unresolved.Load(), "records failed by Close are unresolved, not errors")
	require.Equal(t, "plain", errKey(errors.New("plain")))
}

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"defaults", nil, ""},
		{"three brokers", []string{"-brokers", "3", "-json", "x.json", "-duration", "2m"}, ""},
		{"two brokers", []string{"-brokers", "2"}, "quorum"},
		{"interval too long", []string{"-duration", "10s", "-interval", "20s"}, "nothing is killed"},
		{"bad victim", []string{"-victim", "all"}, "-victim"},
		{"stray", []string{"x"}, "unexpected"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, err := parseFlags(tc.args, io.Discard)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.NotZero(t, o.seed)
			if tc.name == "defaults" {
				require.Equal(t, 5*time.Minute, o.duration)
				require.Equal(t, 20*time.Second, o.interval)
				require.Equal(t, 1, o.brokers)
			}
		})
	}
}

func TestHeadlineWorstRecovery(t *testing.T) {
	r := goodResult()
	evaluate(r)
	require.Equal(t, 2.0, r.MaxRecoveryS)
	require.EqualValues(t, 100, r.Acked)
}
