package bench

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseKcatVersion(t *testing.T) {
	tests := []struct {
		name, in, kcat, rdk, err string
	}{
		{name: "debian 1.7.1", in: "kcat - Apache Kafka producer and consumer tool\nhttps://github.com/edenhill/kcat\n" +
			"Copyright (c) 2014-2021, Magnus Edenhill\nVersion 1.7.1 (JSON, Transactions, IncrementalAssign, librdkafka 2.0.2 builtin.features=gzip,snappy)\n",
			kcat: "1.7.1", rdk: "2.0.2"},
		{name: "no librdkafka", in: "Version 1.7.1 (JSON)\n", err: "no \"Version X"},
		{name: "empty", in: "", err: "kcat -V"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, l, err := ParseKcatVersion(tt.in)
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.kcat, k)
			require.Equal(t, tt.rdk, l)
		})
	}
}

func TestParseMemTotal(t *testing.T) {
	n, err := ParseMemTotal(strings.NewReader("MemTotal:       24684032 kB\nMemFree:  1 kB\n"))
	require.NoError(t, err)
	require.Equal(t, uint64(24684032*1024), n)
	_, err = ParseMemTotal(strings.NewReader("MemFree: 1 kB\n"))
	require.ErrorContains(t, err, "no MemTotal")
	_, err = ParseMemTotal(strings.NewReader("MemTotal: lots kB\n"))
	require.ErrorContains(t, err, "MemTotal")
}

func TestTimelineFirstAfter(t *testing.T) {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var tl Timeline
	for _, ms := range []int{300, 100, 250, 500} { // out of order, as callbacks may be
		tl.Add(base.Add(time.Duration(ms) * time.Millisecond))
	}
	tests := []struct {
		after  int
		want   int
		wantOK bool
	}{
		{after: 0, want: 100, wantOK: true},
		{after: 100, want: 250, wantOK: true}, // strictly after
		{after: 260, want: 300, wantOK: true},
		{after: 500, wantOK: false},
	}
	for _, tt := range tests {
		got, ok := tl.FirstAfter(base.Add(time.Duration(tt.after) * time.Millisecond))
		require.Equal(t, tt.wantOK, ok, "after %d ms", tt.after)
		if ok {
			require.Equal(t, base.Add(time.Duration(tt.want)*time.Millisecond), got)
		}
	}
	require.Equal(t, 4, tl.Len())
}

func TestParseCPUModel(t *testing.T) {
	require.Equal(t, "AMD EPYC", ParseCPUModel(strings.NewReader("processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC\nmodel name\t: other\n")))
	require.Equal(t, "", ParseCPUModel(strings.NewReader("processor\t: 0\n")))
}

func TestParseProcStat(t *testing.T) {
	line := "1234 (java (kafka) x) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 40 0 123 456 789"
	pid, pt, err := ParseProcStat(line)
	require.NoError(t, err)
	require.Equal(t, 1234, pid)
	require.Equal(t, procTicks{comm: "java (kafka) x", ticks: 300}, pt)
	for _, bad := range []string{"1234 java S 1", "x (java) S 1 2 3 4 5 6 7 8 9 10 11 12", "1 (a) S 1 2"} {
		_, _, err := ParseProcStat(bad)
		require.Error(t, err, bad)
	}
}

func TestTopUsers(t *testing.T) {
	before := map[int]procTicks{1: {"java", 1000}, 2: {"go", 50}, 3: {"idle", 7}, 4: {"old", 10}}
	after := map[int]procTicks{1: {"java", 1150}, 2: {"go", 90}, 3: {"idle", 7}, 4: {"new", 90}, 5: {"born", 40}}
	require.Equal(t, []string{"java 75%", "go 20%"}, topUsers(before, after, 2*time.Second, 5),
		"pid reuse (old→new) and processes born in between are left out")
	require.Equal(t, []string{"java 75%"}, topUsers(before, after, 2*time.Second, 1))
}
