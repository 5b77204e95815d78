package exporter

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/reference/wire"
	"github.com/dashstream/acceptance/reference/wire/dspb"
)

func TestTenantLabelsCapThenOther(t *testing.T) {
	tl := newTenantLabels(3)
	for _, id := range []string{"a", "b", "c"} {
		l, inv := tl.label(id)
		require.Equal(t, id, l)
		require.Empty(t, inv)
	}
	l, _ := tl.label("d")
	require.Equal(t, OtherTenant, l, "a tenant beyond the cap")
	l, _ = tl.label("a")
	require.Equal(t, "a", l, "a tenant within the cap keeps its label")
	require.Error(t, wire.ValidateTenant(OtherTenant), "no valid tenant may be the other label")
}

func TestTenantLabelsRefuseInvalid(t *testing.T) {
	tl := newTenantLabels(10)
	for id, reason := range map[string]string{
		"":                       wire.TenantEmpty,
		strings.Repeat("é", 65):  wire.TenantTooLong,
		"acme corp":              wire.TenantBadChars,
		strings.Repeat("x", 200): wire.TenantTooLong,
	} {
		l, inv := tl.label(id)
		require.Empty(t, l, "id %q", id)
		require.Equal(t, reason, inv, "id %q", id)
	}
	require.Empty(t, tl.seen, "an invalid tenant takes no slot")
}

func TestCapLabelIsRuneSafe(t *testing.T) {
	require.Equal(t, "short", capLabel("short"))
	long := strings.Repeat("日", 100) // 300 bytes
	got := capLabel(long)
	require.LessOrEqual(t, len(got), MaxLabelLen)
	require.True(t, utf8.ValidString(got))
	require.Equal(t, 40+utf8.RuneCountInString(wire.CutMarker), utf8.RuneCountInString(got), "40 characters of 3 bytes, then the marker")
}

func TestQualityEvictsLeastRecentlyUpdated(t *testing.T) {
	evicted := 0
	q := newQuality(2, func() { evicted++ })
	v := &dspb.MetricValue{Value: &dspb.MetricValue_IntValue{IntValue: 1}}
	require.Empty(t, q.observe("a", "s", "m1", v))
	require.Empty(t, q.observe("a", "s", "m2", v))
	require.Empty(t, q.observe("a", "s", "m1", v)) // m2 is now the least recently updated
	require.Empty(t, q.observe("a", "s", "m3", v))
	require.Equal(t, 1, evicted)
	require.Contains(t, q.series, seriesKey{QualityPrefix + "m1", "a", "s"})
	require.NotContains(t, q.series, seriesKey{QualityPrefix + "m2", "a", "s"})
	require.NotContains(t, q.families, QualityPrefix+"m2", "a family without series is removed")
	require.Equal(t, 2, q.lru.Len())
}

// BenchmarkQualityEvictAtCap measures one new series at a full cache of
// DefaultMaxQualitySeries series: an eviction and an insertion each time.
func BenchmarkQualityEvictAtCap(b *testing.B) {
	evicted := 0
	q := newQuality(DefaultMaxQualitySeries, func() { evicted++ })
	v := &dspb.MetricValue{Value: &dspb.MetricValue_IntValue{IntValue: 1}}
	scopes := make([]string, DefaultMaxQualitySeries*2)
	for i := range scopes {
		scopes[i] = fmt.Sprintf("run-%d", i)
	}
	for i := range DefaultMaxQualitySeries {
		q.observe("t", scopes[i], "m", v)
	}
	b.ReportAllocs()
	b.ResetTimer()
	// Every observation is a series not held (the oldest DefaultMaxQualitySeries of the
	// cycle were evicted by the newer ones), so each one evicts.
	for i := DefaultMaxQualitySeries; b.Loop(); i++ {
		q.observe("t", scopes[i%len(scopes)], "m", v)
	}
	b.ReportMetric(float64(evicted)/float64(b.N), "evictions/op")
}

// BenchmarkTenantLabelAtCap measures the label of a tenant beyond the cap.
func BenchmarkTenantLabelAtCap(b *testing.B) {
	tl := newTenantLabels(DefaultMaxTenants)
	for i := range DefaultMaxTenants {
		tl.label(fmt.Sprintf("tenant-%d", i))
	}
	b.ReportAllocs()
	for b.Loop() {
		tl.label("spoofed-tenant-beyond-the-cap")
	}
}
