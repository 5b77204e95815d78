package steps

import "context"

// scrape fetches http://addr/metrics and returns the sum over every series of each
// counter and gauge family, and the sample count of each histogram (as <name>_count), by
// family name. A family the service does not expose is absent from the map: callers check
// with the two-value form, never reading a missing family as 0.
func scrape(ctx context.Context, addr string) (map[string]float64, error) {
	fams, err := scrapeFamilies(ctx, addr)
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for name, mf := range fams {
		for _, m := range mf.GetMetric() {
			switch {
			case m.Counter != nil:
				out[name] += m.GetCounter().GetValue()
			case m.Gauge != nil:
				out[name] += m.GetGauge().GetValue()
			case m.Histogram != nil:
				out[name+"_count"] += float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return out, nil
}

// httpStatus returns the status code of GET http://addr/path, bounded by 3 s.
func httpStatus(ctx context.Context, addr, path string) (int, error) {
	code, _, err := get(ctx, addr, path)
	return code, err
}
