package wiredecode_test

import "github.com/klauspost/compress/zstd"

var zstdReader, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(1))

// zstdDecode decompresses a zstd frame in full (test inputs are small and trusted).
func zstdDecode(frame, dst []byte) ([]byte, error) { return zstdReader.DecodeAll(frame, dst) }
