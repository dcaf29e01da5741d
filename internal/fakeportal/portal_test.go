package fakeportal

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// These tests speak raw HTTP, as in the API reference, not through the client.

func TestWebhookPaths(t *testing.T) {
	_, base := start(t, Faults{})
	for _, path := range []string{"/rest/1/demowebhookcode1/im.dialog.get", "/rest/1/demowebhookcode1/im.dialog.get.json"} {
		a := postJSON(t, base+path, `{"DIALOG_ID":"chat1439"}`)
		r := result(t, a)
		if r["id"] != 1439.0 || r["name"] != "Deal chat: Acme renewal" || r["dialog_id"] != "chat1439" {
			t.Fatalf("%s: %v", path, r)
		}
		tb, _ := a.body["time"].(map[string]any)
		for _, k := range []string{"start", "finish", "duration", "processing", "date_start", "date_finish"} {
			if _, ok := tb[k]; !ok {
				t.Errorf("time block lacks %s: %v", k, tb)
			}
		}
	}
	// rest/lib/apauth/auth.php::check; insufficient_scope is 401 through OAuthException.
	wantError(t, postJSON(t, base+"/rest/1/wrong/im.dialog.get", `{"DIALOG_ID":"chat1"}`), 401, "INVALID_CREDENTIALS")
	wantError(t, postJSON(t, base+"/rest/2/demowebhookcode1/im.dialog.get", `{"DIALOG_ID":"chat1"}`), 401, "INVALID_CREDENTIALS")
	wantError(t, postJSON(t, base+"/rest/x/demowebhookcode1/im.dialog.get", `{"DIALOG_ID":"chat1"}`), 401, "INVALID_CREDENTIALS")
	wantError(t, postJSON(t, base+"/rest/9/crmonlywebhook9/im.dialog.get", `{"DIALOG_ID":"chat42"}`), 401, "insufficient_scope")
	wantError(t, postJSON(t, base+"/rest/1/demowebhookcode1/im.nothing", `{}`), 404, "ERROR_METHOD_NOT_FOUND")
}

func TestOAuthForms(t *testing.T) {
	_, base := start(t, Faults{})
	const tok = "demo-access-token-1"
	body := postJSON(t, base+"/rest/im.dialog.get", `{"DIALOG_ID":"chat42","auth":"`+tok+`"}`)
	query := postJSON(t, base+"/rest/im.dialog.get?auth="+tok, `{"DIALOG_ID":"chat42"}`)
	accessToken := postJSON(t, base+"/rest/im.dialog.get?access_token="+tok, `{"DIALOG_ID":"chat42"}`)
	req, _ := http.NewRequest(http.MethodPost, base+"/rest/im.dialog.get", strings.NewReader(`{"DIALOG_ID":"chat42"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	bearer := do(t, req)
	form := do(t, formRequest(base+"/rest/im.dialog.get", url.Values{"DIALOG_ID": {"chat42"}, "auth": {tok}}))
	for name, a := range map[string]answer{"body": body, "query": query, "access_token": accessToken, "bearer": bearer, "form": form} {
		if r := result(t, a); r["id"] != 42.0 {
			t.Errorf("%s: %v", name, r)
		}
	}
	wantError(t, postJSON(t, base+"/rest/im.dialog.get", `{"DIALOG_ID":"chat42"}`), 401, "NO_AUTH_FOUND")
	wantError(t, postJSON(t, base+"/rest/im.dialog.get", `{"DIALOG_ID":"chat42","auth":"nope"}`), 401, "invalid_token")
}

func TestDialogGetErrorsAndForms(t *testing.T) {
	_, base := start(t, Faults{})
	hook := base + "/rest/1/demowebhookcode1/im.dialog.get"
	wantError(t, postJSON(t, hook, `{}`), 400, "DIALOG_ID_EMPTY")
	wantError(t, postJSON(t, hook, `{"DIALOG_ID":"crm|DEAL|1"}`), 400, "DIALOG_ID_EMPTY")
	wantError(t, postJSON(t, hook, `{"DIALOG_ID":"chat99"}`), 403, "ACCESS_ERROR")
	// hasAccess runs before getChatId: an unknown chat or user is 403.
	wantError(t, postJSON(t, hook, `{"DIALOG_ID":"chat5555"}`), 403, "ACCESS_ERROR")
	wantError(t, postJSON(t, hook, `{"DIALOG_ID":"6"}`), 403, "ACCESS_ERROR") // no user 6
	// Keys are case-insensitive, ids too; the private dialog by user id.
	if r := result(t, postJSON(t, hook, `{"dialog_id":"SG103"}`)); r["id"] != 42.0 || r["dialog_id"] != "SG103" {
		t.Errorf("sg id: %v", r)
	}
	if r := result(t, postJSON(t, hook, `{"DIALOG_ID":"5"}`)); r["type"] != "private" || r["dialog_id"] != "5" {
		t.Errorf("private: %v", r)
	}
	// The old portal's wire format is kept: string ids and the title key.
	a := postJSON(t, hook, `{"DIALOG_ID":"chat21191"}`)
	if !strings.Contains(a.raw, `"id":"21191"`) || !strings.Contains(a.raw, `"title":"Mint Chat #3"`) {
		t.Errorf("old format not kept: %s", a.raw)
	}
	// [] for an empty map is kept.
	if a := postJSON(t, hook, `{"DIALOG_ID":"chat42"}`); !strings.Contains(a.raw, `"restrictions":[]`) {
		t.Errorf("[] not kept: %s", a.raw)
	}
}

func TestBatch(t *testing.T) {
	p, base := start(t, Faults{})
	hook := base + "/rest/1/demowebhookcode1/batch"
	a := postJSON(t, hook, `{"halt":0,"cmd":{"a":"im.dialog.get?DIALOG_ID=chat42","b":"im.dialog.get?DIALOG_ID=chat99","c":"batch?cmd[x]=y"}}`)
	if a.status != 200 {
		t.Fatalf("batch is always 200, got %d", a.status)
	}
	r := result(t, a)
	res, _ := r["result"].(map[string]any)
	errs, _ := r["result_error"].(map[string]any)
	if field(res["a"], "id") != 42.0 || field(errs["b"], "error") != "ACCESS_ERROR" || field(errs["c"], "error") != "ERROR_BATCH_METHOD_NOT_ALLOWED" {
		t.Fatalf("got %s", a.raw)
	}
	if !strings.Contains(a.raw, `"result_total":[]`) || !strings.Contains(a.raw, `"result_next":[]`) {
		t.Errorf("empty maps should be []: %s", a.raw)
	}
	// No errors: result_error is [].
	a = postJSON(t, hook, `{"cmd":["im.dialog.get?DIALOG_ID=chat42","im.dialog.get?DIALOG_ID=5"]}`)
	if !strings.Contains(a.raw, `"result_error":[]`) {
		t.Errorf("result_error should be []: %s", a.raw)
	}
	if list, ok := result(t, a)["result"].([]any); !ok || len(list) != 2 {
		t.Errorf("a list cmd gives a list result: %s", a.raw)
	}
	// Form-encoded cmd[key]=method?query, double encoded, and halt.
	form := url.Values{"halt": {"1"}, "cmd[a]": {"im.dialog.get?DIALOG_ID=chat99"}, "cmd[b]": {"im.dialog.get?DIALOG_ID=chat42"}}
	a = do(t, formRequest(hook, form))
	r = result(t, a)
	if field(r["result"], "b") != nil || field(r["result_error"], "a") == nil {
		t.Errorf("halt=1 should stop at the first error: %s", a.raw)
	}
	// At most 50 commands.
	var cmds []string
	for i := 0; i < 51; i++ {
		cmds = append(cmds, `"im.dialog.get?DIALOG_ID=chat42"`)
	}
	// At most 50 commands run; the 51st fails alone, the call succeeds
	// (rest_provider.php::methodsBatch).
	a = postJSON(t, hook, `{"cmd":[`+strings.Join(cmds, ",")+`]}`)
	r = result(t, a)
	if list, _ := r["result"].([]any); a.status != 200 || len(list) != 50 || field(field(r["result_error"], "50"), "error") != "ERROR_BATCH_LENGTH_EXCEEDED" {
		t.Errorf("51 commands: %d %.300s", a.status, a.raw)
	}
	if st := p.Stats(); st.Requests["batch"] != 4 || st.Commands["im.dialog.get"] != 55 {
		t.Errorf("counts: %+v", st)
	}
}

func TestLeakyBucket(t *testing.T) {
	p, base := start(t, Faults{RateLimit: 2, RateBurst: 3})
	hook := base + "/rest/1/demowebhookcode1/im.dialog.get"
	for i := 0; i < 3; i++ {
		result(t, postJSON(t, hook, `{"DIALOG_ID":"chat42"}`))
	}
	wantError(t, postJSON(t, hook, `{"DIALOG_ID":"chat42"}`), 503, "QUERY_LIMIT_EXCEEDED")
	time.Sleep(600 * time.Millisecond)
	result(t, postJSON(t, hook, `{"DIALOG_ID":"chat42"}`))
	if p.ErrorCount("QUERY_LIMIT_EXCEEDED") != 1 {
		t.Errorf("counted %d", p.ErrorCount("QUERY_LIMIT_EXCEEDED"))
	}
}

func TestOperatingLimit(t *testing.T) {
	_, base := start(t, Faults{OperatingLimit: 0.02, OperatingCost: 0.01})
	hook := base + "/rest/1/demowebhookcode1/im.dialog.get"
	a := postJSON(t, hook, `{"DIALOG_ID":"chat42"}`)
	tb, _ := a.body["time"].(map[string]any)
	reset, ok := tb["operating_reset_at"].(float64)
	if !ok || tb["operating"] != 0.01 || reset < float64(time.Now().Add(9*time.Minute).Unix()) {
		t.Fatalf("time block: %v", tb)
	}
	postJSON(t, hook, `{"DIALOG_ID":"chat42"}`)
	wantError(t, postJSON(t, hook, `{"DIALOG_ID":"chat42"}`), 429, "OPERATION_TIME_LIMIT")
	// Other methods still work.
	result(t, postJSON(t, base+"/rest/1/demowebhookcode1/batch", `{"cmd":{}}`))
}

func TestTokenEndpoint(t *testing.T) {
	p, base := start(t, Faults{TokenTTL: time.Minute})
	get := func(v url.Values) answer {
		req, _ := http.NewRequest(http.MethodGet, base+"/oauth/token/?"+v.Encode(), nil)
		return do(t, req)
	}
	v := url.Values{"grant_type": {"refresh_token"}, "client_id": {"local.demo.app"}, "client_secret": {"demo-client-secret"}, "refresh_token": {"demo-refresh-token-1"}}
	a := get(v)
	access, _ := a.body["access_token"].(string)
	if a.status != 200 || access == "" || a.body["refresh_token"] == "demo-refresh-token-1" || a.body["expires_in"] != 60.0 {
		t.Fatalf("refresh: %d %s", a.status, a.raw)
	}
	if r := result(t, postJSON(t, base+"/rest/im.dialog.get", `{"DIALOG_ID":"chat42","auth":"`+access+`"}`)); r["id"] != 42.0 {
		t.Fatalf("new token does not work: %v", r)
	}
	// The old refresh token was rotated away.
	wantError(t, get(v), 400, "invalid_grant")
	v.Set("client_secret", "wrong")
	wantError(t, get(v), 401, "invalid_client")
	if p.Stats().TokenRefreshes != 1 {
		t.Errorf("refreshes: %d", p.Stats().TokenRefreshes)
	}
}

func TestFaultInjection(t *testing.T) {
	_, base := start(t, Faults{HTMLNext: 1, FailNext: 1, FailStatus: 502, ResetNext: 1})
	hook := base + "/rest/1/demowebhookcode1/im.dialog.get"
	if _, err := http.Post(hook, "application/json", strings.NewReader(`{"DIALOG_ID":"chat42"}`)); err == nil {
		t.Errorf("the first request should be reset")
	}
	if a := postJSON(t, hook, `{"DIALOG_ID":"chat42"}`); a.status != 503 || !strings.HasPrefix(a.raw, "<!DOCTYPE html>") {
		t.Errorf("want an HTML page, got %d %s", a.status, a.raw)
	}
	if a := postJSON(t, hook, `{"DIALOG_ID":"chat42"}`); a.status != 502 || a.body["error"] != "" {
		t.Errorf("want 502 with an empty code, got %d %s", a.status, a.raw)
	}
	result(t, postJSON(t, hook, `{"DIALOG_ID":"chat42"}`))
}

func TestHangIsReleasedByTheClient(t *testing.T) {
	_, base := start(t, Faults{Hang: true})
	c := &http.Client{Timeout: 200 * time.Millisecond}
	startAt := time.Now()
	if _, err := c.Post(base+"/rest/1/demowebhookcode1/im.dialog.get", "application/json", strings.NewReader(`{}`)); err == nil {
		t.Fatal("a hanging portal answered")
	}
	if time.Since(startAt) > 2*time.Second {
		t.Fatal("the client's timeout did not end the request")
	}
}

func TestFixtures(t *testing.T) {
	f := DefaultFixtures()
	if len(f.Dialogs) < 5 || len(f.Webhooks) == 0 {
		t.Fatalf("default fixtures: %+v", f)
	}
	path := filepath.Join(t.TempDir(), "f.json")
	_ = os.WriteFile(path, []byte(`{"webhooks":[{"user_id":3,"code":"c","scopes":["im"]}],"dialogs":[{"ids":["chat7"],"members":[3],"result":{"id":7}}]}`), 0o600)
	g, err := LoadFixtures(path)
	if err != nil || len(g.Dialogs) != 1 {
		t.Fatalf("load: %v %+v", err, g)
	}
	for _, bad := range []string{`{"dialogs":[{"members":[1],"result":{}}]}`, `{"dialogs":[{"ids":["chat1"],"result":[]}]}`, `nope`} {
		if _, err := ParseFixtures([]byte(bad)); err == nil {
			t.Errorf("ParseFixtures(%s) should fail", bad)
		}
	}
}
