package bitrix24

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
)

func FuzzDecodeDialog(f *testing.F) {
	for _, name := range []string{"doc_2026_crm.json", "doc_page_old.json"} {
		data, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, seed := range []string{
		`{"result":{"id":"1","restrictions":[],"public":"","mute_list":{"0":1}}}`,
		`{"error":"ACCESS_ERROR","error_description":"x"}`,
		`{"result":[]}`, `{"result":{"readed_list":[{"user_id":"x"},null,5]}}`, `<html>`, `{"result":{"id":1e400}}`,
	} {
		f.Add([]byte(seed))
	}
	// Answers that quote the secret, pieces of it and its encodings in
	// every place a value can go.
	for _, seed := range []string{
		`{"error":"` + fuzzSecret + `","error_description":"` + fuzzSecret[:12] + `"}`,
		`{"result":{"id":"` + strings.Repeat("9", 58) + fuzzSecret + `"}}`,
		`{"result":{"name":"` + fuzzSecret[3:15] + `","owner":"` + fuzzSecret[:9] + `"}}`,
		`{"result":{"description":"a\u0000` + fuzzSecret + `"}}`,
		`<html>` + fuzzSecret[:7] + "\x1b" + fuzzSecret[7:],
		`{"result":` + strings.Repeat(" ", 200) + fuzzSecret[:10],
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var c Client
		c.redactor = NewRedactor(fuzzSecret)
		// Neither the envelope nor the dialog decoder may panic.
		reply, _, err := c.parseAnswer("im.dialog.get", fakeResponse(200), data)
		noSecretPiece(t, "the answer's error", errText(err))
		if err == nil {
			d, err := c.decodeDialogResult(reply.Result)
			noSecretPiece(t, "the dialog's error", errText(err))
			if err == nil {
				cleanStrings(reflect.ValueOf(d).Elem(), func(s string) string {
					noSecretPiece(t, "a dialog value", s)
					return s
				})
			}
		}
		d, err := DecodeDialog(data)
		if err == nil && d == nil {
			t.Fatal("nil dialog without an error")
		}
		if err == nil && d.Name.Valid != d.Title.Valid {
			t.Fatal("name and title must be filled together")
		}
	})
}

// fuzzSecret is the secret the fuzz targets' redactors know.
const fuzzSecret = "s3cr3t-t0ken/with+chars"

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// noSecretPiece fails when text holds pieceLen bytes of fuzzSecret.
func noSecretPiece(t *testing.T, what, text string) {
	t.Helper()
	if p := pieceOf(text, fuzzSecret); p != "" {
		t.Fatalf("%s holds %q, a piece of the secret: %q", what, p, text)
	}
}

// Clean leaves no pieceLen bytes of a secret in any text, cut or not.
func FuzzClean(f *testing.F) {
	for _, seed := range []string{
		fuzzSecret, "x" + fuzzSecret[:8], fuzzSecret[4:] + "…", "a\x00" + fuzzSecret[:9], "%2Frest%2F1%2F" + fuzzSecret,
		strings.Repeat("\u200b", 400) + fuzzSecret[:12], `s3cr3t-t0ken\/with+chars`, "s3cr3t-t0ken%2Fwith%2Bchars",
	} {
		f.Add(seed, 0)
	}
	f.Fuzz(func(t *testing.T, text string, cutAt int) {
		r := NewRedactor(fuzzSecret)
		noSecretPiece(t, "Clean", r.Clean(text))
		noSecretPiece(t, "CleanValue", r.CleanValue(text))
		noSecretPiece(t, "String", r.String(text))
		// Text cut anywhere before it is cleaned, as a body cut off by the
		// connection is.
		if len(text) > 0 {
			n := cutAt % len(text)
			if n < 0 {
				n = -n
			}
			noSecretPiece(t, "cutSnippet", cutSnippet([]byte(text[:n]), r))
			if strings.HasPrefix(fuzzSecret, text[max(0, n-3):n]) && n >= 3 && strings.Contains(cutSnippet([]byte(text[:n]), r), text[n-3:n]) &&
				!strings.Contains(text[:n-3], text[n-3:n]) {
				t.Fatalf("a cut text shows the start of the secret at the cut: %q", cutSnippet([]byte(text[:n]), r))
			}
		}
		if got := r.Clean(text); len([]rune(got)) > maxTextLen+1 {
			t.Fatalf("Clean gave %d runes", len([]rune(got)))
		}
	})
}

func FuzzDecodeBatch(f *testing.F) {
	f.Add([]byte(`{"result":{"c0":{"id":1}},"result_error":[],"result_time":{"c0":{"operating":1}}}`))
	f.Add([]byte(`{"result":[],"result_error":{"c0":{"error":"x"}}}`))
	f.Add([]byte(`{"result":[{"id":1}],"result_error":{}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = jsonMap(data)
		var a batchAnswer
		_ = json.Unmarshal(data, &a)
		for _, v := range jsonMap(a.Result) {
			_, _ = DecodeDialog(v)
		}
	})
}

func FuzzParseWebhookURL(f *testing.F) {
	for _, seed := range []string{
		"https://example.bitrix24.com/rest/1/8g9l071eismy9q2l/", "http://127.0.0.1:8024/rest/1/code", "https://x/rest/0/c/",
		"https://x/rest/1/c/d", "https://x:0/rest/1/c/", "https://[::1]:80/rest/1/c/", "%", "https://x/rest/1/%zz/",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		w, err := ParseWebhookURL(raw)
		if err != nil {
			// The message never repeats what was given when it held a code.
			if parts := strings.Split(raw, "/"); len(parts) > 5 && len(parts[5]) > 6 && strings.Contains(err.Error(), parts[5]) {
				t.Fatalf("error %q repeats the code %q", err, parts[5])
			}
			return
		}
		if w.UserID <= 0 || w.Code == "" || !strings.HasPrefix(w.PortalURL, "http") {
			t.Fatalf("accepted %q as %+v", raw, w)
		}
		again, err := ParseWebhookURL(w.PortalURL + "/rest/" + itoa(w.UserID) + "/" + w.Code + "/")
		if err != nil || again != w {
			t.Fatalf("round trip of %+v gave %+v, %v", w, again, err)
		}
	})
}
