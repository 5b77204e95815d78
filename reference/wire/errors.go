package wire

import (
	"errors"
	"fmt"
)

// The reasons a record value fails to decode; they are the values of the reason label of
// dashstream_decode_failures_total.
const (
	ReasonFraming    = "framing"
	ReasonDecompress = "decompress"
	ReasonTooLarge   = "too_large"
	ReasonProtobuf   = "protobuf"
)

// Sentinel errors matched by errors.Is on a *DecodeError.
var (
	// ErrFraming means the value is empty or its first byte is not a known framing byte.
	ErrFraming = errors.New("unknown framing")
	// ErrDecompress means the zstd frame is corrupt or truncated.
	ErrDecompress = errors.New("zstd decompression failed")
	// ErrTooLarge means the value, or its decompressed content, exceeds the maximum payload.
	ErrTooLarge = errors.New("payload too large")
	// ErrProtobuf means the content is not a valid DashStreamMessage.
	ErrProtobuf = errors.New("invalid protobuf")
)

// DecodeError is the error of every failed Decode.
type DecodeError struct {
	// Reason is one of the Reason* constants.
	Reason string
	// Detail says what exactly was wrong, for logs and the DLQ.
	Detail string
	// Err is the underlying error, if any.
	Err error
}

func (e *DecodeError) Error() string {
	msg := "decode dashstream record: " + e.Reason + ": " + e.Detail
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the sentinel for the reason and the underlying error.
func (e *DecodeError) Unwrap() []error {
	errs := []error{sentinel(e.Reason)}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

func sentinel(reason string) error {
	switch reason {
	case ReasonFraming:
		return ErrFraming
	case ReasonDecompress:
		return ErrDecompress
	case ReasonTooLarge:
		return ErrTooLarge
	default:
		return ErrProtobuf
	}
}

func decodeErr(reason string, err error, format string, args ...any) *DecodeError {
	return &DecodeError{Reason: reason, Detail: fmt.Sprintf(format, args...), Err: err}
}

// ReasonOf returns the Reason of a *DecodeError in err's chain, or "" if there is none.
func ReasonOf(err error) string {
	var de *DecodeError
	if errors.As(err, &de) {
		return de.Reason
	}
	return ""
}
