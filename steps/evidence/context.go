package evidence

import "context"

type ctxKey struct{}

// NewContext returns ctx carrying rec, so code below the steps (fault injectors, pollers)
// can record without taking a Recorder parameter.
func NewContext(ctx context.Context, rec *Recorder) context.Context {
	return context.WithValue(ctx, ctxKey{}, rec)
}

// FromContext returns the Recorder carried by ctx, or nil (which records nothing).
func FromContext(ctx context.Context) *Recorder {
	rec, _ := ctx.Value(ctxKey{}).(*Recorder)
	return rec
}
