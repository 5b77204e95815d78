package wire

import "unicode/utf8"

// CutIDTo returns id cut to at most max bytes without splitting a character (an id that
// is not valid UTF-8 is cut at the byte). Ids come from producers and may be megabytes
// long: every log line, label and frame that shows one shows it through a cut.
func CutIDTo(id string, max int) string {
	if len(id) <= max {
		return id
	}
	if max <= 0 {
		return ""
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(id[cut]) {
		cut--
	}
	return id[:cut]
}
