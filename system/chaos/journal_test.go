package chaos_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/system/chaos"
)

func TestJournalKeepsSpansAndEndsEachOnce(t *testing.T) {
	var out strings.Builder
	j := &chaos.Journal{W: &out}
	a := j.FaultStart("broker-kill", "kafka-0: killed with SIGKILL")
	b := j.FaultStart("network-cut", "kafka-1")
	require.True(t, j.FaultEnd(a, "started again"))
	require.False(t, j.FaultEnd(a, "again"), "a span ends once")
	require.False(t, j.FaultEnd("7", "x"), "an unknown span is not ended")
	require.False(t, j.FaultEnd("", "x"))

	spans := j.Spans()
	require.Len(t, spans, 2)
	require.Equal(t, "broker-kill", spans[0].Name)
	require.Equal(t, "started again", spans[0].EndDetail)
	require.False(t, spans[0].End.Before(spans[0].Start))
	require.True(t, spans[1].End.IsZero(), "the cut lasts: %s", b)
	require.Contains(t, out.String(), "fault injected: broker-kill: kafka-0: killed with SIGKILL")
	require.Contains(t, out.String(), "fault undone: broker-kill: started again")
	require.Equal(t, 3, strings.Count(out.String(), "\n"))
}
