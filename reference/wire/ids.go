package wire

import "unicode/utf8"

// MaxIDBytes is the longest id (tenant, thread) a service writes into a frame or a log
// line, in bytes; a longer one is cut by CutID.
const MaxIDBytes = 256

// CutMarker ends an id CutID cut: what precedes it is a prefix of the id, not the id.
const CutMarker = "…[cut]"

// CutID returns id unchanged when it is at most MaxIDBytes bytes long. Otherwise it returns
// the longest prefix of id that ends on a UTF-8 sequence boundary (a multi-byte character
// is never split) followed by CutMarker, MaxIDBytes bytes at most in all. Two long ids
// with the same prefix cut to the same string: a cut id names, it does not identify.
func CutID(id string) string {
	if len(id) <= MaxIDBytes {
		return id
	}
	n := MaxIDBytes - len(CutMarker)
	for n > 0 && !utf8.RuneStart(id[n]) {
		n--
	}
	return id[:n] + CutMarker
}
