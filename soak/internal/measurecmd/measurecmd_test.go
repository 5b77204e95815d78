package measurecmd_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/soak/internal/measurecmd"
)

type result struct {
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

func command(measureErr error, ok bool, parseErr error) measurecmd.Command[string, result] {
	return measurecmd.Command[string, result]{
		Name:  "probe",
		Parse: func(args []string, _ io.Writer) (string, error) { return args[0], parseErr },
		JSON:  func(path string) string { return path },
		Measure: func(context.Context, string, io.Writer) (result, error) {
			return result{OK: ok}, measureErr
		},
		Failed: func(err error) result { return result{Error: err.Error()} },
		OK:     func(r result) bool { return r.OK },
		Print:  func(w io.Writer, r result) { fmt.Fprintf(w, "ok=%t\n", r.OK) },
	}
}

func TestRunExitCodesAndJSON(t *testing.T) {
	for _, tc := range []struct {
		name       string
		measureErr error
		ok         bool
		parseErr   error
		code       int
		json       string // "" = no file written
		stderr     string
	}{
		{"invariants held", nil, true, nil, measurecmd.ExitOK, `"ok": true`, ""},
		{"invariant broken", nil, false, nil, measurecmd.ExitInvariant, `"ok": false`, "probe: an invariant is broken"},
		{"run not made", errors.New("kafka did not start"), false, nil, measurecmd.ExitSetup, `"error": "kafka did not start"`, "probe: kafka did not start"},
		{"bad flags", nil, true, errors.New("-x is bad"), measurecmd.ExitSetup, "", "probe: -x is bad"},
		{"help", nil, true, flag.ErrHelp, measurecmd.ExitOK, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "out.json")
			var stdout, stderr bytes.Buffer
			code := measurecmd.Run(context.Background(), command(tc.measureErr, tc.ok, tc.parseErr), []string{path}, &stdout, &stderr)
			require.Equal(t, tc.code, code)
			require.Contains(t, stderr.String(), tc.stderr)
			b, err := os.ReadFile(path)
			if tc.json == "" {
				require.ErrorIs(t, err, os.ErrNotExist)
				return
			}
			require.NoError(t, err)
			require.True(t, json.Valid(b))
			require.Contains(t, string(b), tc.json)
		})
	}
}
