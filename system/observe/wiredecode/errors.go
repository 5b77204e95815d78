package wiredecode

import "errors"

// Sentinel errors every Decode failure wraps; match them with errors.Is.
var (
	// ErrFraming: an empty value, or a first byte that is not 0x00 or 0x01.
	ErrFraming = errors.New("framing")
	// ErrDecompress: a zstd frame that does not decode.
	ErrDecompress = errors.New("decompress")
	// ErrTooLarge: a value, declared content or content above the maximum.
	ErrTooLarge = errors.New("too large")
	// ErrProtobuf: content that is not a DashStreamMessage (bad wire data, a known field
	// with the wrong wire type, invalid UTF-8 in a string the Record carries).
	ErrProtobuf = errors.New("protobuf")
	// ErrNoPayload: a DashStreamMessage with no oneof member set.
	ErrNoPayload = errors.New("no payload")
	// ErrNoHeader: a payload without its Header (field 1).
	ErrNoHeader = errors.New("no header")
)
