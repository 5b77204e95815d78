package envcfg

import (
	"fmt"
	"strings"
	"time"
)

// Range is the interval a numeric setting may take, bounds included. When Zero is not
// empty, 0 is allowed too and means what Zero says ("no limit", "the default").
type Range[T int | int64 | float64 | time.Duration] struct {
	Min, Max T
	Zero     string
}

// Help describes the range for -h: "1ms to 1h", or "0 = no limit, else 1 to 1000".
func (r Range[T]) Help() string {
	s := show(r.Min) + " to " + show(r.Max)
	if r.Zero != "" {
		s = "0 = " + r.Zero + ", else " + s
	}
	return s
}

// Check returns nothing when v is in the range, else one sentence naming the setting, the
// value and the range. NaN is never in a range.
func (r Range[T]) Check(setting string, v T) []string {
	if r.Zero != "" && v == 0 {
		return nil
	}
	if v >= r.Min && v <= r.Max {
		return nil
	}
	return []string{fmt.Sprintf("%s %s is out of range: use %s", setting, show(v), r.Help())}
}

// show prints a bound the way a user writes it: durations without trailing zero units
// ("1h", not "1h0m0s").
func show(v any) string {
	d, ok := v.(time.Duration)
	if !ok {
		return fmt.Sprint(v)
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
