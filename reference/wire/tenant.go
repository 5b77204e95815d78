package wire

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// MaxTenantLen is the longest tenant id ValidateTenant accepts, in characters.
const MaxTenantLen = 64

// Reasons a tenant id is refused (TenantError.Reason): a bounded set, usable as a label.
const (
	TenantEmpty    = "empty"
	TenantTooLong  = "too_long"
	TenantBadChars = "bad_characters"
)

// TenantReasons lists every TenantError.Reason.
var TenantReasons = []string{TenantEmpty, TenantTooLong, TenantBadChars}

// ErrInvalidTenant is matched by errors.Is on every error of ValidateTenant.
var ErrInvalidTenant = errors.New("invalid tenant id")

// TenantError is the error of ValidateTenant: Reason is one of TenantReasons.
type TenantError struct {
	Reason string
	msg    string
}

func (e *TenantError) Error() string { return ErrInvalidTenant.Error() + ": " + e.msg }

// Is matches ErrInvalidTenant.
func (e *TenantError) Is(target error) bool { return target == ErrInvalidTenant }

// ValidateTenant checks a tenant id: non-empty, at most MaxTenantLen characters, only
// ASCII letters, digits, '_' and '-'. This is the one rule of the pipeline: producers
// refuse to stamp such an id, readers refuse to use one as a label. The error is a
// *TenantError naming the rule that was broken (empty; too long, with the length; the first
// character not allowed and its 1-based position), fits on one line, and matches
// ErrInvalidTenant. It never allocates for a valid id.
func ValidateTenant(id string) error {
	if id == "" {
		return &TenantError{TenantEmpty, fmt.Sprintf("it is empty: use 1 to %d characters from [A-Za-z0-9_-]", MaxTenantLen)}
	}
	if len(id) > MaxTenantLen { // a longer id either has more characters or one not allowed
		if n := utf8.RuneCountInString(id); n > MaxTenantLen {
			return &TenantError{TenantTooLong, fmt.Sprintf("%s is %d characters, longer than %d: shorten it", quoteTenant(id), n, MaxTenantLen)}
		}
	}
	pos := 0
	for _, r := range id {
		pos++
		if !tenantChar(r) {
			return &TenantError{TenantBadChars, fmt.Sprintf("%s has character %q at position %d, not in [A-Za-z0-9_-]: use only ASCII letters, digits, '_' and '-'",
				quoteTenant(id), r, pos)}
		}
	}
	return nil
}

func tenantChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-'
}

// quoteTenant renders an id for an error message: Go-quoted (so control characters cannot
// break the line) and cut after MaxTenantLen+8 bytes.
func quoteTenant(id string) string {
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
