// Package wire implements the DashStream v1 record value format: a one-byte framing
// prefix followed by a protobuf dspb.DashStreamMessage, compressed with zstd when that pays.
//
// Framing (byte 0 of a record value):
//
//	0x00  the rest is an uncompressed protobuf DashStreamMessage
//	0x01  the rest is one zstd frame whose content is that protobuf
//
// Any other first byte, and an empty value, is a decode error (strict mode).
//
// Encoding: an Encoder compresses only when the marshalled message is larger than its
// threshold (DefaultCompressThreshold, 512 bytes) and the compressed form is smaller. It
// sets Header.Compression of the message it encodes to mirror the framing it chose.
// Marshalling is deterministic (map entries sorted), so the same message always yields
// the same bytes: fixtures/wire holds golden vectors other implementations can compare.
//
// Decoding: a Decoder enforces a maximum payload (DefaultMaxPayload, 10 MiB) on the value
// as received and on the decompressed content. A zstd frame that declares, or turns out to
// hold, more than the maximum is rejected without allocating the claimed size (a
// decompression bomb costs at most the maximum). That bounds one record, not a process:
// Decoder.ContentBound gives the most bytes a value can decode to before decoding starts,
// so a caller can reserve it against a budget of its own (package consumer does). Every failure is a *DecodeError whose
// Reason is one of the ReasonFraming, ReasonDecompress, ReasonTooLarge, ReasonProtobuf
// constants, the label values of dashstream_decode_failures_total; errors.Is also matches
// the sentinel errors ErrFraming, ErrDecompress, ErrTooLarge and ErrProtobuf.
//
// Ids in output: CutID cuts a tenant or thread id longer than MaxIDBytes (256 bytes) to a
// prefix that ends on a character boundary followed by CutMarker ("…[cut]"), MaxIDBytes
// in all; the services write ids into frames and log lines only through it.
//
// Encoder and Decoder are safe for concurrent use.
package wire
