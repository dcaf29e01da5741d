package bitrix24

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf16"
)

// Mask is what every secret is replaced with.
const Mask = "***"

// webhookPathPattern finds the code segment of a webhook path even when the
// code itself is not known to the redactor (for example a URL in a
// redirect), with its slashes plain, JSON-escaped (\/) or URL-encoded (%2F).
var webhookPathPattern = regexp.MustCompile(`(?i)((?:/|\\/|%2F)rest(?:/|\\/|%2F)[0-9]+(?:/|\\/|%2F))[^/\\%?#\s"'&<>]+`)

// maxTextLen bounds each field of portal text (Clean).
const maxTextLen = 300

// maxCleanInput bounds the text Clean reads. A longer text is cut before
// it is masked; what a secret straddling that cut leaves is masked too
// (maskTail), and so is every piece of a secret (pieceLen).
const maxCleanInput = 64 << 10

// MinSecretLen is the length below which a string is not registered as a
// secret: no webhook code, token or client secret is that short, and a
// broken OAuth server that answers "access_token":"a" must not have every
// "a" masked.
const MinSecretLen = 8

// pieceLen is the length of the pieces of a secret that are masked on
// their own: a portal that echoes part of a token, or text cut inside one,
// shows no pieceLen bytes of it.
const pieceLen = 8

// Redactor masks secrets in text. New secrets, such as a refreshed access
// token, are added while it is in use, so it is safe for concurrent use.
type Redactor struct {
	mu      sync.RWMutex
	secrets []string            // every form of every secret, longest first
	pieces  map[string]struct{} // every pieceLen-byte piece of those forms
	starts  [256]bool           // the first bytes of the pieces
}

// NewRedactor returns a redactor for the given secrets; empty ones and
// ones shorter than MinSecretLen are ignored.
func NewRedactor(secrets ...string) *Redactor {
	r := &Redactor{}
	r.Add(secrets...)
	return r
}

// Add registers more secrets, with their encoded forms. A secret shorter
// than MinSecretLen is ignored.
func (r *Redactor) Add(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pieces == nil {
		r.pieces = map[string]struct{}{}
	}
	for _, s := range secrets {
		if len(strings.TrimSpace(s)) < MinSecretLen {
			continue
		}
		for _, form := range encodings(s) {
			if len(form) < MinSecretLen || slices.Contains(r.secrets, form) {
				continue
			}
			r.secrets = append(r.secrets, form)
			for i := 0; i+pieceLen <= len(form); i++ {
				r.pieces[form[i:i+pieceLen]] = struct{}{}
				r.starts[form[i]] = true
			}
		}
	}
	// Longest first, so that a secret containing another is masked whole.
	sort.SliceStable(r.secrets, func(i, j int) bool { return len(r.secrets[i]) > len(r.secrets[j]) })
}

// encodings are the forms a secret can take in text: raw, trimmed, with
// its white space folded as Clean folds it, URL- and query-encoded (with
// upper- and lower-case hex) and JSON-escaped.
func encodings(s string) []string {
	base := []string{s, strings.TrimSpace(s), strings.Join(strings.Fields(printable(s)), " ")}
	var forms []string
	for _, b := range base {
		forms = append(forms, b, url.QueryEscape(b), url.PathEscape(b))
		for _, f := range forms[len(forms)-2:] {
			forms = append(forms, percentLower.ReplaceAllStringFunc(f, strings.ToLower))
		}
		if j, err := json.Marshal(b); err == nil {
			escaped := strings.Trim(string(j), `"`)
			forms = append(forms, escaped, strings.ReplaceAll(escaped, "/", `\/`)) // PHP escapes slashes.
		}
		forms = append(forms, phpJSON(b, false), phpJSON(b, true))
	}
	out := forms[:0]
	for _, f := range forms {
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

var percentLower = regexp.MustCompile(`%[0-9A-F]{2}`)

// phpJSON is s inside a JSON string as PHP writes it, slashes escaped:
// with bitrix, as Bitrix's Json::encode does (JSON_HEX_TAG, JSON_HEX_AMP,
// JSON_HEX_APOS, JSON_HEX_QUOT, Unicode as is); else as plain json_encode
// does (Unicode as \uXXXX, in UTF-16).
func phpJSON(s string, bitrix bool) string {
	var b strings.Builder
	for _, c := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case bitrix && strings.ContainsRune(`"'<>&`, c):
			fmt.Fprintf(&b, `\u%04X`, c)
		case c == '"' || c == '\\' || c == '/':
			b.WriteByte('\\')
			b.WriteRune(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20:
			fmt.Fprintf(&b, `\u%04x`, c)
		case c < 0x80 || bitrix:
			b.WriteRune(c)
		default:
			for _, u := range utf16.Encode([]rune{c}) {
				fmt.Fprintf(&b, `\u%04x`, u)
			}
		}
	}
	return b.String()
}

// printable replaces white space with spaces and removes every other
// character that is not printable: control characters, terminal escapes,
// invalid UTF-8.
func printable(s string) string {
	return strings.Map(func(c rune) rune {
		switch {
		case unicode.IsSpace(c):
			return ' '
		case !unicode.IsPrint(c):
			return -1
		}
		return c
	}, strings.ToValidUTF8(s, ""))
}

// Clean is the one choke point for text that came from the portal or the
// OAuth server (error codes, descriptions, body snippets, header values,
// values quoted in errors) on its way to an error, a diagnostic or a log
// line: it masks every secret in every encoding, and every piece of one,
// removes control characters (terminal escapes included) and folds white
// space, and only then cuts the text to a bounded length. Text that
// arrives already cut (it ends in "…") has a secret that straddled the cut
// masked by its start.
func (r *Redactor) Clean(s string) string { return r.cleanN(s, maxTextLen, false) }

// cleanN is Clean with its own length limit; cut says that s is the start
// of a longer text (a cut-off body).
func (r *Redactor) cleanN(s string, limit int, cut bool) string {
	if len(s) > maxCleanInput {
		s, cut = s[:maxCleanInput], true
	}
	// Control characters go and white space folds before the masking: they
	// could split a secret. Secrets are registered folded too (encodings).
	s = strings.Join(strings.Fields(printable(s)), " ")
	s = r.String(s)
	if rest, ok := strings.CutSuffix(s, "…"); ok {
		s = r.maskTail(rest) + "…"
	} else if cut {
		s = r.maskTail(s)
	}
	if runes := []rune(s); len(runes) > limit {
		s = string(runes[:limit]) + "…"
	}
	return s
}

// maskTail masks the end of a cut text when it is the start of a secret.
func (r *Redactor) maskTail(s string) string {
	if r == nil {
		return s
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	longest := 0
	for _, secret := range r.secrets {
		for k := min(len(secret)-1, len(s)); k > longest; k-- {
			if strings.HasSuffix(s, secret[:k]) {
				longest = k
				break
			}
		}
	}
	if longest == 0 {
		return s
	}
	return s[:len(s)-longest] + Mask
}

// CleanValue is Clean for a value the portal sent (a chat's name or
// description), which reaches the state byte for byte apart from this:
// secrets are masked, and terminal escape sequences (see stripControls)
// and control characters are removed, except tabs, line feeds and the
// carriage return of a CRLF. Everything else stays, format characters
// included (ZWJ, ZWNJ, LRM/RLM, bidi marks, NBSP): they are part of names
// that people type, and lookups compare the real text. The length is not
// cut. Diagnostics show such values with Visible.
//
// Unlike String, it does not mask the code segment of every path that looks
// like a webhook's (/rest/N/word): a title such as "Plans /rest/2024/roadmap"
// is a title, and must reach the state and the lookups whole. The client's
// own secrets, the only ones a value can leak, are masked wherever they are.
func (r *Redactor) CleanValue(s string) string {
	return r.maskKnown(stripControls(strings.ToValidUTF8(s, "\uFFFD")))
}

// Secrets returns a copy of the registered secrets.
func (r *Redactor) Secrets() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return append([]string(nil), r.secrets...)
}

// String masks every known secret, every piece of one and every webhook
// code segment in s.
func (r *Redactor) String(s string) string {
	return webhookPathPattern.ReplaceAllString(r.maskKnown(s), "${1}"+Mask)
}

// Contains reports whether s holds a registered secret or a piece of one
// (pieceLen bytes) in any of its registered forms.
func (r *Redactor) Contains(s string) bool { return r.maskKnown(s) != s }

// maskKnown masks every registered secret and every piece of one in s.
func (r *Redactor) maskKnown(s string) string {
	if r == nil {
		return s
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, secret := range r.secrets {
		s = strings.ReplaceAll(s, secret, Mask)
	}
	return maskPieces(s, r.pieces, &r.starts)
}

// maskPieces replaces each run of text made of pieceLen-byte pieces of
// secrets with Mask.
func maskPieces(s string, pieces map[string]struct{}, starts *[256]bool) string {
	if len(pieces) == 0 || len(s) < pieceLen {
		return s
	}
	var b strings.Builder
	done := 0 // s[:done] is written or masked
	for i := 0; i+pieceLen <= len(s); {
		if !starts[s[i]] {
			i++
			continue
		}
		if _, ok := pieces[s[i:i+pieceLen]]; !ok {
			i++
			continue
		}
		end := i + pieceLen
		for j := i + 1; j+pieceLen <= len(s); j++ {
			if _, ok := pieces[s[j:j+pieceLen]]; !ok {
				break
			}
			end = j + pieceLen
		}
		b.WriteString(s[done:i])
		b.WriteString(Mask)
		done, i = end, end
	}
	if done == 0 {
		return s
	}
	b.WriteString(s[done:])
	return b.String()
}
