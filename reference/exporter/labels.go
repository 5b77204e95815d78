package exporter

import (
	"sync"

	"github.com/dashstream/acceptance/reference/wire"
)

// Bounds of the exporter's label values.
const (
	// DefaultMaxTenants caps the distinct tenant label values: the first DefaultMaxTenants
	// valid tenants keep their own label, every later one is exported as OtherTenant.
	DefaultMaxTenants = 1_000
	// OtherTenant is the tenant label of every tenant beyond the cap. No valid tenant id
	// can be "(other)" (parentheses are not allowed), so it never mixes with a real one.
	OtherTenant = "(other)"
	// MaxLabelLen is the longest label value taken from a record (scope_id), in bytes: a
	// longer one is cut rune-safely to at most MaxLabelLen bytes.
	MaxLabelLen = 128
)

// tenantLabels maps a tenant id to its label value: itself for the first max distinct
// valid ids, OtherTenant for every later one. Lookups and insertions are O(1) map
// operations; nothing is ever scanned.
type tenantLabels struct {
	max int

	mu   sync.Mutex
	seen map[string]struct{}
}

func newTenantLabels(max int) *tenantLabels {
	return &tenantLabels{max: max, seen: make(map[string]struct{}, min(max, 4096))}
}

// label returns the label value of a tenant id, or the reason (wire.TenantReasons) it is
// invalid and may not be a label at all.
func (t *tenantLabels) label(id string) (label, invalid string) {
	if err := wire.ValidateTenant(id); err != nil {
		if te, ok := err.(*wire.TenantError); ok {
			return "", te.Reason
		}
		return "", wire.TenantBadChars
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.seen[id]; ok {
		return id, ""
	}
	if len(t.seen) >= t.max {
		return OtherTenant, ""
	}
	t.seen[id] = struct{}{}
	return id, ""
}

// capLabel cuts a label value to at most MaxLabelLen bytes without splitting a character.
func capLabel(v string) string { return wire.CutIDTo(v, MaxLabelLen) }
