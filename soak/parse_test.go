package soak

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const cucumberSample = `[
 {"uri":"../features/a.feature","name":"Feature A","elements":[
  {"name":"passes","line":3,"type":"scenario","steps":[
   {"keyword":"Given ","name":"x","result":{"status":"passed"}},
   {"keyword":"Then ","name":"y","result":{"status":"passed"}}]},
  {"name":"fails","line":7,"type":"scenario","steps":[
   {"keyword":"Given ","name":"x","result":{"status":"passed"}},
   {"keyword":"Then ","name":"the consumer reports 1 gap","result":{"status":"failed","error_message":"reported 0 gaps"}},
   {"keyword":"And ","name":"z","result":{"status":"skipped"}}]},
  {"name":"is skipped","line":11,"type":"scenario","steps":[
   {"keyword":"Given ","name":"x","result":{"status":"skipped"}}]},
  {"name":"background","line":1,"type":"background","steps":[]}]},
 {"uri":"../features/b.feature","name":"Feature B","elements":[
  {"name":"undefined step","line":2,"type":"scenario","steps":[
   {"keyword":"Given ","name":"x","result":{"status":"passed"}},
   {"keyword":"When ","name":"nobody wrote this","result":{"status":"undefined"}}]},
  {"name":"no steps","line":9,"type":"scenario","steps":[]}]}
]`

func TestParseCucumber(t *testing.T) {
	res, err := ParseCucumber([]byte(cucumberSample))
	require.NoError(t, err)
	tests := []struct {
		name, feature, status, errContains string
		failed                             bool
	}{
		{"passes", "Feature A", "passed", "", false},
		{"fails", "Feature A", "failed", "Then the consumer reports 1 gap: reported 0 gaps", true},
		{"is skipped", "Feature A", "skipped", "", false},
		{"undefined step", "Feature B", "undefined", "", true},
		{"no steps", "Feature B", "passed", "", false},
	}
	require.Len(t, res, len(tests), "backgrounds are not scenarios")
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.name, res[i].Name)
			require.Equal(t, tc.feature, res[i].Feature)
			require.Equal(t, tc.status, res[i].Status)
			require.Equal(t, tc.failed, res[i].Failed())
			require.Contains(t, res[i].Error, tc.errContains)
		})
	}
}

func TestParseCucumberRejectsOtherJSON(t *testing.T) {
	_, err := ParseCucumber([]byte(`{"not":"a list"}`))
	require.ErrorContains(t, err, "cucumber")
	res, err := ParseCucumber([]byte(`[]`))
	require.NoError(t, err)
	require.Empty(t, res)
}

func TestCausesReadsEvidence(t *testing.T) {
	path := filepath.Join(t.TempDir(), "evidence.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"scenarios":[
	 {"name":"fails","line":7,"status":"failed","error":"reported 0 gaps",
	  "expectations":[{"name":"gap reported","met":false,"observed":"gaps=0"},{"name":"read all","met":true}]},
	 {"name":"passes","line":3,"status":"passed"}]}`), 0o644))
	res, err := ParseCucumber([]byte(cucumberSample))
	require.NoError(t, err)
	Causes(res, path)
	require.Equal(t, "reported 0 gaps; unmet: gap reported (observed: gaps=0)", res[1].Cause)
	require.Empty(t, res[0].Cause, "a passed scenario gets no cause")
	Causes(res, filepath.Join(t.TempDir(), "missing.json")) // no file: nothing changes, no panic
	require.NotEmpty(t, res[1].Cause)
}

func TestParseFuzzOutput(t *testing.T) {
	tests := []struct {
		name     string
		out      string
		execs    int64
		crashers []string
	}{
		{"clean", `fuzz: elapsed: 0s, gathering baseline coverage: 0/159 completed
fuzz: elapsed: 3s, execs: 57931 (19306/sec), new interesting: 3 (total: 162)
fuzz: elapsed: 6s, execs: 103846 (15305/sec), new interesting: 14 (total: 173)
PASS
ok  	github.com/dashstream/acceptance/reference/wire	6.1s
`, 103846, nil},
		{"crash", `fuzz: elapsed: 3s, execs: 1200 (400/sec), new interesting: 0 (total: 80)
--- FAIL: FuzzValidator (3.20s)
    --- FAIL: FuzzValidator (0.00s)
        fuzz_test.go:90: boom

    Failing input written to testdata/fuzz/FuzzValidator/4f8a1c2b3d
    To re-run:
    go test -run=FuzzValidator/4f8a1c2b3d
FAIL
`, 1200, []string{"testdata/fuzz/FuzzValidator/4f8a1c2b3d"}},
		{"nothing", "no Go files", 0, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			execs, crashers := ParseFuzzOutput(tc.out)
			require.Equal(t, tc.execs, execs)
			require.Equal(t, tc.crashers, crashers)
		})
	}
}

func TestParseProcNetTCP(t *testing.T) {
	const sample = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 23456 1 0000000000000000 20 4 30 10 -1
   2: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 34567 1 0000000000000000 100 0 0 10 0
`
	out := map[string]uint64{}
	require.NoError(t, parseProcNetTCP("tcp", bufio.NewScanner(strings.NewReader(sample)), out))
	require.Equal(t, map[string]uint64{"tcp 0100007F:1F90": 12345, "tcp 00000000:0016": 34567}, out,
		"only LISTEN rows count")
	require.Equal(t, 8080, PortOf("tcp 0100007F:1F90"))
	require.Equal(t, 22, PortOf("tcp6 00000000000000000000000000000000:0016"))
	require.Zero(t, PortOf("garbage"))
}

func TestParseStat(t *testing.T) {
	tests := []struct {
		name, stat string
		ok         bool
		want       Process
	}{
		{"plain", "42 (dskfake) S 7 42 7 0 -1", true, Process{PID: 42, PPID: 7, PGID: 42, State: "S", Cmdline: "dskfake"}},
		{"parens and spaces in comm", "43 (a) b (c) T 1 9 9 0", true, Process{PID: 43, PPID: 1, PGID: 9, State: "T", Cmdline: "a) b (c"}},
		{"truncated", "44 (x) S", false, Process{}},
		{"no comm", "45 S 1 1", false, Process{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pid := tc.want.PID
			if !tc.ok {
				pid = 1
			}
			got, ok := parseStat(pid, tc.stat)
			require.Equal(t, tc.ok, ok)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestParseTestEvents(t *testing.T) {
	const events = `{"Action":"run","Test":"TestSuiteLeavesNothing"}
{"Action":"run","Test":"TestSuiteLeavesNothing/b-failing"}
{"Action":"output","Test":"TestSuiteLeavesNothing/b-failing","Output":"x\n"}
{"Action":"fail","Test":"TestSuiteLeavesNothing/b-failing","Elapsed":40.5}
{"Action":"pass","Test":"TestSuiteLeavesNothing/a-normal","Elapsed":12}
not json
{"Action":"fail","Test":"TestSuiteLeavesNothing","Elapsed":60}
`
	got := parseTestEvents(bufio.NewScanner(strings.NewReader(events)), "TestSuiteLeavesNothing/")
	require.Equal(t, []LeakCheck{{Mode: "a-normal", Passed: true, Seconds: 12}, {Mode: "b-failing", Seconds: 40.5}}, got)
}
