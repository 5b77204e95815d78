// Package wiredecode is the harness's own reader of DashStream v1 record values, written
// from the wire contract alone: it does not import the reference wire package or its
// generated protobuf types, so a defect there cannot hide itself from the checks built on
// this package.
//
// A record value is one framing byte followed by a protobuf DashStreamMessage:
//
//	0x00  the rest is the protobuf, uncompressed
//	0x01  the rest is one zstd frame whose content is the protobuf
//
// Any other first byte, and an empty value, is an error (ErrFraming).
//
// Decode returns a plain Record: the framing byte, the oneof payload kind (its field
// number in DashStreamMessage, Kind), every Header field, and for Metrics the scope and
// scope_id, for Event the event_type. Nothing is defaulted behind the caller's back:
// HasHeader says whether the payload carried a header at all, and a message without a
// payload or without a header is an error (ErrNoPayload, ErrNoHeader), never a zero Record.
//
// # Contract
//
//   - Size: a Decoder refuses a value longer than its maximum plus the framing byte, a
//     zstd frame that declares more content than the maximum (before decoding it), and
//     content that turns out larger (ErrTooLarge). The maximum is DefaultMaxPayload
//     (10 MiB, as the contract's consumers use) unless MaxPayload says otherwise. A
//     decompression bomb costs at most the maximum.
//   - Protobuf: fields are read one by one with protowire, with protobuf's rules: the
//     last occurrence of a scalar wins, repeated occurrences of an embedded message merge,
//     the last member of the oneof wins. Unknown field numbers are skipped. A known field
//     that arrives with another wire type is an error (ErrProtobuf). This is stricter than
//     the generated Go code, which keeps such a field as unknown: a writer that puts a
//     string where the contract says varint is broken, and the harness says so.
//   - Strings the Record carries (tenant_id, thread_id, scope, scope_id) must be valid
//     UTF-8, as proto3 requires; fields the Record does not carry are skipped after their
//     wire type is checked, without looking inside.
//   - Errors wrap one of ErrFraming, ErrDecompress, ErrTooLarge, ErrProtobuf,
//     ErrNoPayload, ErrNoHeader (match with errors.Is) and name the offending field.
//
// A Decoder is safe for concurrent use.
package wiredecode
