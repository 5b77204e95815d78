package producer

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// DefaultTenant is the tenant a Producer stamps when neither Tenant nor TENANT_ID says
// otherwise.
const DefaultTenant = "default"

// MaxTenantLen is the longest tenant id ValidateTenant accepts, in characters.
const MaxTenantLen = 64

// ErrInvalidTenant is matched by errors.Is on every error of ValidateTenant, and on the
// error of New and NewFromEnv when the tenant is refused.
var ErrInvalidTenant = errors.New("invalid tenant id")

// ValidateTenant checks a tenant id: non-empty, at most MaxTenantLen characters, only
// ASCII letters, digits, '_' and '-'. The error names the rule that was broken (empty;
// too long, with the length; the first character not allowed and its 1-based position),
// fits on one line, and matches ErrInvalidTenant.
func ValidateTenant(id string) error {
	if id == "" {
		return fmt.Errorf("%w: it is empty: use 1 to %d characters from [A-Za-z0-9_-]", ErrInvalidTenant, MaxTenantLen)
	}
	if n := utf8.RuneCountInString(id); n > MaxTenantLen {
		return fmt.Errorf("%w: %s is %d characters, longer than %d: shorten it", ErrInvalidTenant, quote(id), n, MaxTenantLen)
	}
	pos := 0
	for _, r := range id {
		pos++
		if !tenantChar(r) {
			return fmt.Errorf("%w: %s has character %q at position %d, not in [A-Za-z0-9_-]: use only ASCII letters, digits, '_' and '-'",
				ErrInvalidTenant, quote(id), r, pos)
		}
	}
	return nil
}

func tenantChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-'
}

// quote renders an id for an error message: Go-quoted (so control characters cannot
// break the line) and cut after MaxTenantLen+8 bytes.
func quote(id string) string {
	const limit = MaxTenantLen + 8
	if len(id) <= limit {
		return fmt.Sprintf("%q", id)
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(id[cut]) {
		cut--
	}
	return fmt.Sprintf("%q...", id[:cut])
}
