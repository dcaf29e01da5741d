package fakeportal

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func start(t *testing.T, f Faults) (*Portal, string) {
	t.Helper()
	p := New(DefaultFixtures())
	p.SetFaults(f)
	srv := httptest.NewServer(p)
	t.Cleanup(func() { p.Close(); srv.Close() })
	return p, srv.URL
}

type answer struct {
	status int
	body   map[string]any
	raw    string
}

func do(t *testing.T, req *http.Request) answer {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, raw: string(data)}
	_ = json.Unmarshal(data, &a.body)
	return a
}

func postJSON(t *testing.T, u, body string) answer {
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return do(t, req)
}

func result(t *testing.T, a answer) map[string]any {
	t.Helper()
	r, ok := a.body["result"].(map[string]any)
	if !ok {
		t.Fatalf("no result object: %d %s", a.status, a.raw)
	}
	return r
}

func wantError(t *testing.T, a answer, status int, code string) {
	t.Helper()
	if a.status != status || a.body["error"] != code || a.body["error_description"] == "" {
		t.Fatalf("want %d %s, got %d %s", status, code, a.status, a.raw)
	}
}

func formRequest(u string, v url.Values) *http.Request {
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

// field reads a key of a JSON object, or nil.
func field(v any, key string) any {
	m, _ := v.(map[string]any)
	return m[key]
}
