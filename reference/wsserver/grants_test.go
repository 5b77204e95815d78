package wsserver_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/reference/wsserver"
)

func TestParseGrants(t *testing.T) {
	g, err := wsserver.ParseGrants(strings.NewReader("# operators\n\n0123456789abcdef acme,globex\nfedcba9876543210 *; aaaaaaaaaaaaaaaa initech\n"), "line")
	require.NoError(t, err)
	require.Equal(t, wsserver.Grants{"0123456789abcdef": {"acme", "globex"}, "fedcba9876543210": {"*"}, "aaaaaaaaaaaaaaaa": {"initech"}}, g)

	for _, tc := range []struct{ in, unit, want string }{
		{"0123456789abcdef acme\nshort acme\n", "line", "line 2: token of 5 bytes is shorter than 16"},
		{"0123456789abcdef acme globex", "line", `line 1: want "<token> <tenant>`},
		{"0123456789abcdef acme;0123456789abcdef globex", "entry", "entry 2: this token is granted twice"},
		{"0123456789abcdef a/b", "entry", `entry 1: tenant "a/b"`},
		{"0123456789abcdef acme,*", "entry", `"*" must be the only tenant`},
		{"0123456789abcdef acme,acme", "entry", `tenant "acme" is listed twice`},
		{"# nothing\n", "line", "no grant"},
	} {
		_, err := wsserver.ParseGrants(strings.NewReader(tc.in), tc.unit)
		require.ErrorIs(t, err, wsserver.ErrBadGrants, tc.in)
		require.ErrorContains(t, err, tc.want)
		require.NotContains(t, err.Error(), "0123456789abcdef", "the token never appears in an error")
	}
}

func TestNewRefusesBadGrantsAndOrigins(t *testing.T) {
	_, err := wsserver.New(wsserver.TokenGrants(wsserver.Grants{"short": {"acme"}}))
	require.ErrorIs(t, err, wsserver.ErrBadGrants)
	_, err = wsserver.New(wsserver.AllowedOrigins("["))
	require.True(t, errors.Is(err, wsserver.ErrBadOrigin), "%v", err)
}

func TestNewRefusesAHugeQueue(t *testing.T) {
	_, err := wsserver.New(wsserver.QueueSize(1 << 62))
	require.ErrorContains(t, err, "queue size 4611686018427387904 is outside 1..65536")
}
