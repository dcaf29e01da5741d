package bitrix24

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestParseWebhookURL(t *testing.T) {
	good := map[string]Webhook{
		"https://example.bitrix24.com/rest/1/8g9l071eismy9q2l/": {PortalURL: "https://example.bitrix24.com", UserID: 1, Code: "8g9l071eismy9q2l"},
		"https://example.bitrix24.com/rest/1/8g9l071eismy9q2l":  {PortalURL: "https://example.bitrix24.com", UserID: 1, Code: "8g9l071eismy9q2l"},
		" https://b24.example.com:8443/rest/503/a_b-C/ ":        {PortalURL: "https://b24.example.com:8443", UserID: 503, Code: "a_b-C"},
		"http://127.0.0.1:8024/rest/1/demowebhookcode1/":        {PortalURL: "http://127.0.0.1:8024", UserID: 1, Code: "demowebhookcode1"},
	}
	for in, want := range good {
		got, err := ParseWebhookURL(in)
		if err != nil || got != want {
			t.Errorf("ParseWebhookURL(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	bad := []string{
		"", "example.bitrix24.com/rest/1/code/", "ftp://example.bitrix24.com/rest/1/code/",
		"https:///rest/1/code/", "https://example.bitrix24.com/rest/1/", "https://example.bitrix24.com/rest/0/code/",
		"https://example.bitrix24.com/rest/-1/code/", "https://example.bitrix24.com/rest/x/code/",
		"https://example.bitrix24.com/rest/1/code/im.dialog.get", "https://example.bitrix24.com/api/1/code/",
		"https://example.bitrix24.com/rest/1/co de/", "https://example.bitrix24.com/rest/1/code/?auth=x",
		"https://user:pass@example.bitrix24.com/rest/1/code/", "https://example.bitrix24.com/rest/1/code/#x",
		"https://example.bitrix24.com:99999/rest/1/code/", "https://example.bitrix24.com/rest/1/c%2Fd/",
	}
	for _, in := range bad {
		_, err := ParseWebhookURL(in)
		if err == nil {
			t.Errorf("ParseWebhookURL(%q) should fail", in)
			continue
		}
		if strings.Contains(in, "/code/") && strings.Contains(err.Error(), "code/") {
			t.Errorf("the error for %q repeats the URL: %v", in, err)
		}
	}
}

func TestParseWebhookURL_errorsNeverRepeatTheCode(t *testing.T) {
	const code = "s3cr3tc0de"
	for _, in := range []string{
		"https://example.bitrix24.com/rest/x/" + code + "/",
		"https://example.bitrix24.com/rest/1/" + code + "/extra",
		"https://example.bitrix24.com/rest/1/" + code + "/?q=1",
		"https://example.bitrix24.com/rest/1/" + code + "/\x7f",
		"https://exa mple.bitrix24.com/rest/1/" + code + "/",
	} {
		_, err := ParseWebhookURL(in)
		if err == nil {
			t.Fatalf("ParseWebhookURL(%q) should fail", in)
		}
		if strings.Contains(err.Error(), code) {
			t.Errorf("the error leaks the code: %v", err)
		}
	}
	if _, err := ParseWebhookURL("https://x/rest/1/"); !errors.Is(err, ErrWebhookURLShape) {
		t.Errorf("shape errors should wrap ErrWebhookURLShape: %v", err)
	}
}

func TestRedactor(t *testing.T) {
	r := NewRedactor("abc12345", "", "tok/en+=")
	in := `Post "https://p/rest/1/abc12345/im.dialog.get": auth=tok%2Fen%2B%3D and tok/en+= and /rest/7/unknowncode/x`
	got := r.String(in)
	for _, leak := range []string{"abc12345", "tok/en+=", "tok%2Fen%2B%3D", "unknowncode"} {
		if strings.Contains(got, leak) {
			t.Errorf("%q leaks %q", got, leak)
		}
	}
	if !strings.Contains(got, "/rest/1/***/im.dialog.get") || !strings.Contains(got, "/rest/7/***/x") {
		t.Errorf("webhook paths should keep their shape: %q", got)
	}
	r.Add("later-secret")
	if r.String("a later-secret b") != "a *** b" {
		t.Errorf("added secret not masked")
	}
}

func TestSnippet(t *testing.T) {
	body := []byte("<html>\n<body>" + strings.Repeat("maintenance ", 100) + "webhook abc12345</body></html>")
	got := snippet(body, NewRedactor("abc12345"))
	if len([]rune(got)) > snippetLen+1 || !strings.HasSuffix(got, "…") || strings.Contains(got, "\n") {
		t.Errorf("snippet not cut to one short line: %q", got)
	}
	if strings.Contains(snippet([]byte("token abc12345"), NewRedactor("abc12345")), "abc12345") {
		t.Errorf("snippet leaks a secret")
	}
}

// Clean masks every secret in every encoding, removes control characters
// and bounds the length, whatever the portal sends.
func TestClean_hostileText(t *testing.T) {
	const code = "s3cr3tc0de"
	const token = "tok/en+with=chars"
	r := NewRedactor(code, token)
	for name, in := range map[string]string{
		"raw":               "E_" + code,
		"webhook path":      "/rest/1/" + code + "/im.dialog.get failed",
		"unknown code path": "/rest/7/otherc0de/x",
		"JSON-escaped path": `\/rest\/1\/` + code + `\/`,
		"URL-encoded path":  "%2Frest%2F1%2F" + code + "%2F",
		"lower-case %2f":    "%2frest%2f1%2f" + code,
		"query token":       "auth=" + url.QueryEscape(token),
		"lower-hex token":   "auth=tok%2fen%2bwith%3dchars",
		"JSON token":        `"auth":"tok\/en+with=chars"`,
		"split by control":  "co\x00de " + code[:4] + "\x1b" + code[4:],
	} {
		got := r.Clean(in)
		if strings.Contains(got, code) || strings.Contains(got, "otherc0de") || strings.Contains(got, "tok") {
			t.Errorf("%s: %q leaks a secret", name, got)
		}
	}
	long := "\x1b[2J" + strings.Repeat("x", 5<<20) + code
	got := r.Clean(long)
	if len([]rune(got)) > maxTextLen+1 || strings.ContainsAny(got, "\x1b\x00\n") {
		t.Fatalf("not bounded or not stripped: %d runes", len([]rune(got)))
	}
}
