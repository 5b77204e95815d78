package wire

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestValidateTenantReasons(t *testing.T) {
	for id, reason := range map[string]string{
		"":                        TenantEmpty,
		strings.Repeat("é", 65):   TenantTooLong,
		strings.Repeat("x", 65):   TenantTooLong,
		"acme corp":               TenantBadChars,
		strings.Repeat("é", 64):   TenantBadChars,
		"tenant/../../etc/passwd": TenantBadChars,
	} {
		err := ValidateTenant(id)
		var te *TenantError
		require.True(t, errors.As(err, &te), "id %q: %v", id, err)
		require.Equal(t, reason, te.Reason, "id %q", id)
		require.ErrorIs(t, err, ErrInvalidTenant)
		require.Contains(t, TenantReasons, te.Reason)
	}
	require.NoError(t, ValidateTenant("acme_Corp-42"))
	require.NoError(t, ValidateTenant(strings.Repeat("x", MaxTenantLen)))
}

func TestCutIDIsRuneSafe(t *testing.T) {
	require.Equal(t, "short", CutIDTo("short", 128))
	got := CutIDTo(strings.Repeat("ü", 1000), 129)
	require.Len(t, got, 128, "60 characters of 2 bytes and the 8-byte marker")
	require.True(t, utf8.ValidString(got))
	require.True(t, strings.HasSuffix(got, CutMarker))
	require.Equal(t, "", CutIDTo("abc", 0))
	require.Equal(t, "ab", CutIDTo("abc", 2))
}
