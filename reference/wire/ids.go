package wire

import "unicode/utf8"

// MaxIDBytes is the longest id (tenant, thread) a service writes into a frame or a log
// line, in bytes; a longer one is cut by CutID.
const MaxIDBytes = 256

// CutMarker ends an id CutID or CutIDTo cut: what precedes it is a prefix of the id, not
// the id.
const CutMarker = "…[cut]"

// CutID is CutIDTo(id, MaxIDBytes): how frames and log lines show an id.
func CutID(id string) string { return CutIDTo(id, MaxIDBytes) }

// CutIDTo returns id unchanged when it is at most max bytes long. Otherwise it returns the
// longest prefix of id that ends on a UTF-8 sequence boundary (a multi-byte character is
// never split; an id that is not valid UTF-8 is cut at a byte) followed by CutMarker, max
// bytes at most in all; below len(CutMarker)+1 bytes there is no room for the marker and
// the prefix stands alone. Two long ids with the same prefix cut to the same string: a cut
// id names, it does not identify. Ids come from producers and may be megabytes long: every
// log line, label and frame that shows one shows it through a cut.
func CutIDTo(id string, max int) string {
	if len(id) <= max {
		return id
	}
	if max <= 0 {
		return ""
	}
	marker := CutMarker
	if max <= len(CutMarker) {
		marker = ""
	}
	n := max - len(marker)
	for n > 0 && !utf8.RuneStart(id[n]) {
		n--
	}
	return id[:n] + marker
}
