package bitrix24

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ValueKept reports whether a text value the portal sends back reaches the
// state as it is, apart from secrets: CleanValue removes nothing from it
// (no control character, no escape sequence, valid UTF-8).
func ValueKept(s string) bool { return utf8.ValidString(s) && stripControls(s) == s }

// stripControls removes terminal escape sequences whole and every C0 and
// C1 control character and DEL, except tab, line feed, and a carriage
// return that starts a CRLF (a lone one could overwrite a terminal line).
// An escape sequence is ESC or the C1 introducer, then:
//   - CSI (ESC [ or U+009B): parameter and intermediate bytes up to the
//     final byte (@ to ~);
//   - OSC, DCS, SOS, PM, APC (ESC ] P X ^ _, or U+009D U+0090 U+0098 U+009E
//     U+009F): any text up to BEL or ST (ESC \ or U+009C);
//   - any other ESC x: the two characters.
func stripControls(s string) string {
	if !hasControl(s) {
		return s
	}
	var out strings.Builder
	out.Grow(len(s))
	for i := 0; i < len(s); {
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == '\t' || c == '\n':
			out.WriteRune(c)
			i += size
		case c == '\r' && strings.HasPrefix(s[i+size:], "\n"):
			out.WriteRune(c)
			i += size
		case c == 0x1b || c == 0x9b || c == 0x9d || c == 0x90 || c == 0x98 || c == 0x9e || c == 0x9f:
			i = skipEscape(s, i, c, size)
		case isControl(c):
			i += size
		default:
			out.WriteString(s[i : i+size])
			i += size
		}
	}
	return out.String()
}

func isControl(c rune) bool { return c < 0x20 || (c >= 0x7f && c <= 0x9f) }

func hasControl(s string) bool {
	for _, c := range s {
		if isControl(c) && c != '\t' && c != '\n' {
			return true
		}
	}
	return false
}

// skipEscape returns the index after the escape sequence that starts at i
// with the introducer c (size bytes).
func skipEscape(s string, i int, c rune, size int) int {
	j := i + size
	kind := c
	if c == 0x1b {
		if j >= len(s) {
			return j
		}
		next, n := utf8.DecodeRuneInString(s[j:])
		j += n
		switch next {
		case '[':
			kind = 0x9b
		case ']':
			kind = 0x9d
		case 'P', 'X', '^', '_':
			kind = 0x90
		default:
			return j // A two-character escape.
		}
	}
	if kind == 0x9b { // CSI: parameters and intermediates, then the final byte.
		for j < len(s) {
			b := s[j]
			j++
			if b >= 0x40 && b <= 0x7e {
				return j
			}
			if b < 0x20 || b >= 0x7f {
				return j - 1 // Not a CSI byte: the sequence was cut short.
			}
		}
		return j
	}
	// A string sequence: up to BEL, ESC \ or ST.
	for j < len(s) {
		r, n := utf8.DecodeRuneInString(s[j:])
		switch {
		case r == 0x07 || r == 0x9c:
			return j + n
		case r == 0x1b && strings.HasPrefix(s[j+n:], "\\"):
			return j + n + 1
		}
		j += n
	}
	return j
}

// Visible quotes text for a diagnostic so that what cannot be seen can:
// Go string syntax, with control and format characters and every space
// but U+0020 escaped (\u200d, \u00a0), and letters of any script kept.
func Visible(s string) string {
	var out strings.Builder
	out.WriteByte('"')
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			out.WriteByte('\\')
			out.WriteRune(c)
		case c == ' ':
			out.WriteRune(c)
		case c == utf8.RuneError:
			out.WriteString(`\ufffd`)
		case unicode.IsSpace(c) || unicode.Is(unicode.Cf, c) || !unicode.IsPrint(c):
			q := strconv.QuoteRuneToASCII(c)
			out.WriteString(q[1 : len(q)-1])
		default:
			out.WriteRune(c)
		}
	}
	out.WriteByte('"')
	return out.String()
}
