package bitrix24

import (
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode"
)

// Mask is what every secret is replaced with.
const Mask = "***"

// webhookPathPattern finds the code segment of a webhook path even when the
// code itself is not known to the redactor (for example a URL in a
// redirect), with its slashes plain, JSON-escaped (\/) or URL-encoded (%2F).
var webhookPathPattern = regexp.MustCompile(`(?i)((?:/|\\/|%2F)rest(?:/|\\/|%2F)[0-9]+(?:/|\\/|%2F))[^/\\%?#\s"'&<>]+`)

// maxTextLen bounds each field of portal text (Clean).
const maxTextLen = 300

// Redactor masks secrets in text. New secrets, such as a refreshed access
// token, are added while it is in use, so it is safe for concurrent use.
type Redactor struct {
	mu      sync.RWMutex
	secrets []string
}

// NewRedactor returns a redactor for the given secrets; empty ones are ignored.
func NewRedactor(secrets ...string) *Redactor {
	r := &Redactor{}
	r.Add(secrets...)
	return r
}

// Add registers more secrets, with their URL-encoded forms.
func (r *Redactor) Add(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range secrets {
		if s == "" {
			continue
		}
		for _, form := range encodings(s) {
			if !slices.Contains(r.secrets, form) {
				r.secrets = append(r.secrets, form)
			}
		}
	}
	// Longest first, so that a secret containing another is masked whole.
	sort.Slice(r.secrets, func(i, j int) bool { return len(r.secrets[i]) > len(r.secrets[j]) })
}

// encodings are the forms a secret can take in text: raw, URL- and
// query-encoded (with upper- and lower-case hex) and JSON-escaped.
func encodings(s string) []string {
	forms := []string{s, url.QueryEscape(s), url.PathEscape(s)}
	for _, f := range forms[1:] {
		forms = append(forms, percentLower.ReplaceAllStringFunc(f, strings.ToLower))
	}
	if j, err := json.Marshal(s); err == nil {
		escaped := strings.Trim(string(j), `"`)
		forms = append(forms, escaped, strings.ReplaceAll(escaped, "/", `\/`)) // PHP escapes slashes.
	}
	return forms
}

var percentLower = regexp.MustCompile(`%[0-9A-F]{2}`)

// Clean is the one choke point for text that came from the portal or the
// OAuth server (error codes, descriptions, body snippets, header values,
// values quoted in errors) on its way to an error, a diagnostic or a log
// line: it masks every secret in every encoding, removes control
// characters (terminal escapes included) and folds white space, and cuts
// the text to a bounded length.
func (r *Redactor) Clean(s string) string { return r.cleanN(s, maxTextLen) }

func (r *Redactor) cleanN(s string, limit int) string {
	s = strings.Map(func(c rune) rune {
		if unicode.IsSpace(c) {
			return ' '
		}
		if !unicode.IsPrint(c) {
			return -1
		}
		return c
	}, strings.ToValidUTF8(s, ""))
	s = r.String(s) // After the control characters go: they could split a secret.
	s = strings.Join(strings.Fields(s), " ")
	if runes := []rune(s); len(runes) > limit {
		s = string(runes[:limit]) + "…"
	}
	return s
}

// CleanValue is Clean for a value the portal sent (a chat's name or
// description), which reaches the state byte for byte apart from this:
// secrets are masked, and terminal escape sequences (see stripControls)
// and control characters are removed, except tabs, line feeds and the
// carriage return of a CRLF. Everything else stays, format characters
// included (ZWJ, ZWNJ, LRM/RLM, bidi marks, NBSP): they are part of names
// that people type, and lookups compare the real text. The length is not
// cut. Diagnostics show such values with Visible.
func (r *Redactor) CleanValue(s string) string {
	return r.String(stripControls(strings.ToValidUTF8(s, "\uFFFD")))
}

// Secrets returns a copy of the registered secrets.
func (r *Redactor) Secrets() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return append([]string(nil), r.secrets...)
}

// String masks every known secret and every webhook code segment in s.
func (r *Redactor) String(s string) string {
	if r != nil {
		r.mu.RLock()
		for _, secret := range r.secrets {
			s = strings.ReplaceAll(s, secret, Mask)
		}
		r.mu.RUnlock()
	}
	return webhookPathPattern.ReplaceAllString(s, "${1}"+Mask)
}
