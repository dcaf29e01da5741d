package bitrix24

import (
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Mask is what every secret is replaced with.
const Mask = "***"

// webhookPathPattern finds the code segment of a webhook path even when the
// code itself is not known to the redactor (for example a URL in a redirect).
var webhookPathPattern = regexp.MustCompile(`(/rest/[0-9]+/)[^/?#\s"']+`)

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
		r.secrets = append(r.secrets, s)
		if q := url.QueryEscape(s); q != s {
			r.secrets = append(r.secrets, q)
		}
		if p := url.PathEscape(s); p != s {
			r.secrets = append(r.secrets, p)
		}
	}
	// Longest first, so that a secret containing another is masked whole.
	sort.Slice(r.secrets, func(i, j int) bool { return len(r.secrets[i]) > len(r.secrets[j]) })
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
