package bitrix24

import (
	"encoding/json"
	"os"
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
	f.Fuzz(func(t *testing.T, data []byte) {
		var c Client
		c.redactor = NewRedactor("secret")
		// Neither the envelope nor the dialog decoder may panic.
		_, _, _ = c.parseAnswer("im.dialog.get", fakeResponse(200), data)
		d, err := DecodeDialog(data)
		if err == nil && d == nil {
			t.Fatal("nil dialog without an error")
		}
		if err == nil && d.Name.Valid != d.Title.Valid {
			t.Fatal("name and title must be filled together")
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
