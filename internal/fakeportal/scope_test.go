package fakeportal

import (
	"encoding/json"
	"net/http/httptest"
	"testing"
)

// scope answers the caller's scopes (rest_provider.php::scopeList), needs no
// scope itself, and is refused only by the auth layer.
func TestScope(t *testing.T) {
	f := DefaultFixtures()
	f.Webhooks = append(f.Webhooks, Webhook{UserID: 5, Code: "noscopeswebhook5"})
	f.Tokens = append(f.Tokens, Token{AccessToken: "no-scope-token-1", UserID: 1})
	p := New(f)
	srv := httptest.NewServer(p)
	t.Cleanup(func() { p.Close(); srv.Close() })
	u := srv.URL
	for _, tc := range []struct {
		url, body, want string
	}{
		{u + "/rest/1/demowebhookcode1/scope.json", `{}`, `["im","crm","user_basic"]`},
		{u + "/rest/9/crmonlywebhook9/scope", `{}`, `["crm"]`},
		{u + "/rest/5/noscopeswebhook5/scope", `{}`, `[""]`},
		{u + "/rest/scope", `{"auth":"demo-access-token-1"}`, `["im"]`},
		{u + "/rest/scope", `{"auth":"no-scope-token-1"}`, `[""]`},
		{u + "/rest/9/crmonlywebhook9/scope", `{"full":true}`, `["crm","im","user","user_basic","user_brief"]`},
		{u + "/rest/9/crmonlywebhook9/scope", `{"FULL":"0"}`, `["crm"]`},
		{u + "/rest/9/crmonlywebhook9/scope", `{"Full":1}`, `["crm","im","user","user_basic","user_brief"]`},
	} {
		a := postJSON(t, tc.url, tc.body)
		got, _ := json.Marshal(a.body["result"])
		if a.status != 200 || string(got) != tc.want {
			t.Errorf("%s %s: %d %s, want %s", tc.url, tc.body, a.status, a.raw, tc.want)
		}
	}
	wantError(t, postJSON(t, u+"/rest/1/wrongcode1/scope", `{}`), 401, "INVALID_CREDENTIALS")
	wantError(t, postJSON(t, u+"/rest/scope", `{}`), 401, "NO_AUTH_FOUND")
	wantError(t, postJSON(t, u+"/rest/scope", `{"auth":"unknown-token-1"}`), 401, "invalid_token")
	if n := p.Requests("scope"); n != 11 {
		t.Fatalf("scope requests = %d", n)
	}
}
