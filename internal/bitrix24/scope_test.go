package bitrix24

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/fakeportal"
)

func TestScopes_webhook(t *testing.T) {
	portal, srv := newPortal(t, fakeportal.Faults{})
	c, _ := webhookClient(t, srv, nil)
	got, err := c.Scopes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{"im", "crm", "user_basic"}) {
		t.Fatalf("scopes = %q", got)
	}
	if n := portal.TotalRequests(); n != 1 {
		t.Fatalf("want one request, got %d", n)
	}
}

// A webhook without im may still call scope (it is in the global scope):
// the answer shows what it lacks instead of insufficient_scope.
func TestScopes_webhookWithoutIM(t *testing.T) {
	_, srv := newPortal(t, fakeportal.Faults{})
	hook := Webhook{PortalURL: srv.URL, UserID: 9, Code: "crmonlywebhook9"}
	c, err := New(Config{Auth: Auth{Webhook: &hook}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Scopes(context.Background())
	if err != nil || !slices.Equal(got, []string{"crm"}) {
		t.Fatalf("scopes = %q, %v", got, err)
	}
}

func TestScopes_wrongCodeIsRefused(t *testing.T) {
	portal, srv := newPortal(t, fakeportal.Faults{})
	hook := Webhook{PortalURL: srv.URL, UserID: 1, Code: "wrongcode123"}
	c, err := New(Config{Auth: Auth{Webhook: &hook}, MaxRetries: 3})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Scopes(context.Background())
	if !HasCode(err, CodeInvalidCredentials) || !AuthRefused(err) {
		t.Fatalf("want a refused INVALID_CREDENTIALS, got %v", err)
	}
	if n := portal.TotalRequests(); n != 1 {
		t.Fatalf("a refusal was retried: %d requests", n)
	}
}

// An expired token with refresh settings is refreshed for the check, as
// for any call; without them the check is refused.
func TestScopes_expiredToken(t *testing.T) {
	portal, url := oauthPortal(t)
	c, _ := oauthClient(t, url, nil)
	got, err := c.Scopes(context.Background())
	if err != nil || !slices.Equal(got, []string{"im"}) {
		t.Fatalf("scopes = %q, %v", got, err)
	}
	if n := portal.Stats().TokenRefreshes; n != 1 {
		t.Fatalf("want one refresh, got %d", n)
	}
	c, _ = oauthClient(t, url, func(o *OAuth) { o.RefreshToken = "" })
	if _, err := c.Scopes(context.Background()); !HasCode(err, CodeExpiredToken) || !AuthRefused(err) {
		t.Fatalf("want a refused expired_token, got %v", err)
	}
	c, _ = oauthClient(t, url, func(o *OAuth) { o.RefreshToken = "already-used" })
	if _, err := c.Scopes(context.Background()); !HasOAuthCode(err, CodeInvalidGrant) || !AuthRefused(err) {
		t.Fatalf("want a refused invalid_grant, got %v", err)
	}
}

func TestScopes_passingFaultIsRetried(t *testing.T) {
	portal, srv := newPortal(t, fakeportal.Faults{FailNext: 1, FailStatus: 503})
	c, _ := webhookClient(t, srv, nil)
	if _, err := c.Scopes(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := portal.Requests(MethodScope); n != 2 {
		t.Fatalf("want 2 requests, got %d", n)
	}
}

func TestScopes_answers(t *testing.T) {
	for body, want := range map[string]string{
		`{"result":[""]}`:              "[]",
		`{"result":["im"," crm "]}`:    "[im crm]",
		`{"result":"im"}`:              "error",
		`{"result":[1]}`:               "error",
		`{"result":{"0":"im"}}`:        "error",
		`{"result":["a\u0000b","im"]}`: "[ab im]",
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = fmt.Fprint(w, body)
		}))
		c, _ := webhookClient(t, srv, nil)
		got, err := c.Scopes(context.Background())
		srv.Close()
		var ve *ValueError
		switch {
		case want == "error" && (!errors.As(err, &ve) || AuthRefused(err)):
			t.Errorf("%s: want a ValueError, got %q, %v", body, got, err)
		case want != "error" && (err != nil || fmt.Sprint(got) != want):
			t.Errorf("%s: got %q, %v; want %s", body, got, err, want)
		}
	}
}

func TestAuthRefused(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&APIError{HTTPStatus: 401, Code: "INVALID_CREDENTIALS"}, true},
		{&APIError{HTTPStatus: 401, Code: "NO_AUTH_FOUND"}, true},
		{&APIError{HTTPStatus: 401, Code: "invalid_token"}, true},
		{&APIError{HTTPStatus: 401, Code: "EXPIRED_TOKEN"}, true},
		{&APIError{HTTPStatus: 403, Code: "insufficient_scope"}, true},
		{&APIError{HTTPStatus: 401, Code: "OVERLOAD_LIMIT"}, true},
		{&APIError{HTTPStatus: 401, Code: "METHOD_CONFIRM_WAITING"}, true},
		{&APIError{HTTPStatus: 401, Code: "CONNECTION_ERROR"}, false},
		{&RetriesExhaustedError{Attempts: 6, Last: &APIError{HTTPStatus: 401, Code: "CONNECTION_ERROR"}}, false},
		{&APIError{HTTPStatus: 401}, false},
		{&APIError{HTTPStatus: 503, Code: "QUERY_LIMIT_EXCEEDED"}, false},
		{&APIError{HTTPStatus: 500, Code: "INTERNAL_SERVER_ERROR"}, false},
		{&APIError{HTTPStatus: 404, Code: "ERROR_METHOD_NOT_FOUND"}, false},
		{&ResponseError{HTTPStatus: 401, Reason: "HTML"}, false},
		{&TimeoutError{}, false},
		{&TransportError{Message: "connection refused"}, false},
		{&OAuthError{HTTPStatus: 400, Code: "invalid_grant"}, true},
		{&OAuthError{HTTPStatus: 401, Code: "invalid_client"}, true},
		{&OAuthError{HTTPStatus: 404, Description: "not found"}, true},
		{&OAuthError{HTTPStatus: 502}, false},
		{&OAuthError{Description: "connection refused"}, false},
		{context.Canceled, false},
	} {
		if got := AuthRefused(tc.err); got != tc.want {
			t.Errorf("AuthRefused(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
