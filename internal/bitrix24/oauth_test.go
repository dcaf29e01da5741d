package bitrix24

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/fakeportal"
)

const (
	expiredToken = "expired-access-token-0001"
	refreshToken = "refresh-token-0001"
	clientSecret = "client-secret-0001"
)

// oauthPortal has an expired access token and a client that may refresh it.
func oauthPortal(t *testing.T) (*fakeportal.Portal, string) {
	t.Helper()
	p, srv := newPortal(t, fakeportal.Faults{})
	p.AddToken(fakeportal.Token{AccessToken: expiredToken, UserID: 1, Scopes: []string{"im"}, ExpiresAt: 1})
	p.AddOAuthClient(fakeportal.OAuthClient{ClientID: "app.1", ClientSecret: clientSecret,
		RefreshTokens: []fakeportal.RefreshToken{{RefreshToken: refreshToken, UserID: 1, Scopes: []string{"im"}}}})
	return p, srv.URL
}

func oauthClient(t *testing.T, url string, mod func(*OAuth)) (*Client, *recordingLogger) {
	t.Helper()
	o := &OAuth{PortalURL: url, AccessToken: expiredToken, RefreshToken: refreshToken, ClientID: "app.1", ClientSecret: clientSecret, TokenURL: url + "/oauth/token/"}
	if mod != nil {
		mod(o)
	}
	log := &recordingLogger{}
	c, err := New(Config{Auth: Auth{OAuth: o}, MaxRetries: 2, RetryBaseDelay: time.Millisecond, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	return c, log
}

func TestOAuth_refreshOnceForConcurrentReads(t *testing.T) {
	portal, url := oauthPortal(t)
	c, log := oauthClient(t, url, nil)
	known := map[string]bool{}
	for _, s := range portal.Secrets() {
		known[s] = true
	}
	readConcurrently(t, c, 20, "chat42")
	if n := portal.Stats().TokenRefreshes; n != 1 {
		t.Fatalf("want one shared refresh, got %d", n)
	}
	text := log.text()
	for _, secret := range append([]string{expiredToken, refreshToken, clientSecret}, c.Redactor().Secrets()...) {
		if strings.Contains(text, secret) {
			t.Fatalf("the log leaks a secret:\n%s", text)
		}
	}
	// The portal's secrets now include the tokens it issued by the refresh:
	// each of them is masked.
	issued := 0
	for _, secret := range portal.Secrets() {
		if known[secret] {
			continue
		}
		issued++
		if got := c.Redactor().Clean("x " + secret + " y"); got != "x *** y" {
			t.Errorf("a token from the refresh is not masked: %q", got)
		}
	}
	if issued < 2 {
		t.Fatalf("the portal issued %d new tokens, want an access and a refresh token", issued)
	}
}

func TestOAuth_invalidGrant(t *testing.T) {
	portal, url := oauthPortal(t)
	c, _ := oauthClient(t, url, func(o *OAuth) { o.RefreshToken = "already-used" })
	_, err := c.GetDialog(context.Background(), "chat42")
	var oe *OAuthError
	if !errors.As(err, &oe) || oe.Code != CodeInvalidGrant || oe.HTTPStatus != 400 {
		t.Fatalf("want invalid_grant, got %v", err)
	}
	// A second read fails at once, without asking the OAuth server again.
	_, _ = c.GetDialog(context.Background(), "chat42")
	if n := portal.Stats().Requests["oauth/token"]; n != 1 {
		t.Fatalf("want one refresh attempt, got %d", n)
	}
	if strings.Contains(err.Error(), "already-used") || strings.Contains(err.Error(), clientSecret) {
		t.Fatalf("the error leaks a secret: %v", err)
	}
}

func TestOAuth_invalidClient(t *testing.T) {
	_, url := oauthPortal(t)
	c, _ := oauthClient(t, url, func(o *OAuth) { o.ClientSecret = "wrong" })
	_, err := c.GetDialog(context.Background(), "chat42")
	var oe *OAuthError
	if !errors.As(err, &oe) || oe.Code != CodeInvalidClient {
		t.Fatalf("want invalid_client, got %v", err)
	}
}

func TestOAuth_expiredWithoutRefresh(t *testing.T) {
	portal, url := oauthPortal(t)
	c, _ := oauthClient(t, url, func(o *OAuth) { o.RefreshToken = "" })
	_, err := c.GetDialog(context.Background(), "chat42")
	if !HasCode(err, CodeExpiredToken) {
		t.Fatalf("want expired_token, got %v", err)
	}
	if portal.Stats().Requests["oauth/token"] != 0 || portal.Requests("im.dialog.get") != 1 {
		t.Fatalf("an expired token without refresh settings should fail at once: %+v", portal.Stats())
	}
}

func TestOAuth_tokenAsBearerAndQueryParameterAlsoWork(t *testing.T) {
	// The fake portal, like the real one, takes the token from a header
	// or a query parameter too; the client always sends "auth" in the body.
	_, url := oauthPortal(t)
	c, _ := oauthClient(t, url, func(o *OAuth) { o.AccessToken = "demo-access-token-1"; o.RefreshToken = "" })
	if _, err := c.GetDialog(context.Background(), "chat42"); err != nil {
		t.Fatal(err)
	}
}

// A redirect or an empty answer from the OAuth server says so, instead of
// "the answer is not JSON: ." or "HTTP 0".
func TestOAuth_redirectAndEmptyAnswers(t *testing.T) {
	_, url := oauthPortal(t)
	for name, tc := range map[string]struct {
		answer cannedAnswer
		want   string
	}{
		"redirect": {cannedAnswer{status: 302, headers: map[string]string{"Location": "https://elsewhere.example/"}}, "redirected the request"},
		"empty":    {cannedAnswer{status: 200}, "answer is empty"},
	} {
		t.Run(name, func(t *testing.T) {
			_, tokenSrv := newCannedPortal(t, tc.answer)
			c, _ := oauthClient(t, url, func(o *OAuth) { o.TokenURL = tokenSrv.URL + "/oauth/token/" })
			_, err := c.GetDialog(context.Background(), "chat42")
			var oerr *OAuthError
			if !errors.As(err, &oerr) || !strings.Contains(oerr.Error(), tc.want) || strings.Contains(oerr.Error(), "HTTP 0") {
				t.Fatalf("want an OAuthError saying %q, got %v", tc.want, err)
			}
		})
	}
	// No HTTP answer at all: no "HTTP 0".
	c, _ := oauthClient(t, url, func(o *OAuth) { o.TokenURL = "http://127.0.0.1:1/oauth/token/" })
	_, err := c.GetDialog(context.Background(), "chat42")
	if err == nil || strings.Contains(err.Error(), "HTTP 0") {
		t.Fatalf("got %v", err)
	}
}
