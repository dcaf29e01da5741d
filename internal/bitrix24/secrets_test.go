package bitrix24

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// pieceOf returns the first pieceLen-byte piece of secret that text holds,
// or "".
func pieceOf(text, secret string) string {
	for i := 0; i+pieceLen <= len(secret); i++ {
		if p := secret[i : i+pieceLen]; strings.Contains(text, p) {
			return p
		}
	}
	return ""
}

// A value the portal sends where a number belongs is quoted in the error,
// cut short: the cut comes after the masking, so a secret that straddles
// the cut does not show its first characters.
func TestValueError_secretStraddlingTheCutIsMasked(t *testing.T) {
	const secret = "Zq9secretcode1234"
	c := &Client{redactor: NewRedactor(secret)}
	for pad := 40; pad <= 80; pad++ {
		raw := `{"id":"` + strings.Repeat("x", pad) + secret + `tail"}`
		_, err := c.decodeDialogResult([]byte(raw))
		var ve *ValueError
		if !errors.As(err, &ve) {
			t.Fatalf("pad %d: want a ValueError, got %v", pad, err)
		}
		after, _ := strings.CutPrefix(ve.Value, `"`+strings.Repeat("x", pad))
		if strings.HasPrefix(after, secret[:1]) {
			t.Fatalf("pad %d: the value shows the start of the secret: %q", pad, ve.Value)
		}
	}
}

// Clean masks any pieceLen bytes of a secret, however the text around them
// looks, and the start of a secret at the end of text cut before Clean.
func TestClean_piecesAndCutSecrets(t *testing.T) {
	const secret = "s3cr3t-t0ken/with+chars"
	r := NewRedactor(secret)
	for name, in := range map[string]string{
		"start":            "token " + secret[:9] + " is bad",
		"middle":           "token …" + secret[5:14] + "… is bad",
		"end":              "token " + secret[len(secret)-8:],
		"folded":           "a\n\n" + secret[:10],
		"cut after Clean":  strings.Repeat("y", maxTextLen-3) + secret,
		"cut before Clean": strings.Repeat("z", 20) + secret[:5] + "…",
	} {
		got := r.Clean(in)
		if p := pieceOf(got, secret); p != "" {
			t.Errorf("%s: %q shows %q", name, got, p)
		}
		if name == "cut before Clean" && strings.Contains(got, secret[:3]) {
			t.Errorf("%s: %q shows the start of the secret", name, got)
		}
	}
	// Beyond maxCleanInput the text is cut before masking; the secret at
	// the cut is masked by its start.
	for _, n := range []int{1, 3, 7, 12} {
		in := strings.Repeat(" ", maxCleanInput-n) + secret
		if got := r.Clean(in); strings.Contains(got, secret[:n]) {
			t.Errorf("cut %d bytes into the secret: %q", n, got)
		}
	}
	// Ordinary text is left alone.
	if got := r.Clean("an ordinary message"); got != "an ordinary message" {
		t.Errorf("ordinary text changed: %q", got)
	}
}

// Strings shorter than MinSecretLen are never registered: an OAuth server
// that answers "a" would otherwise mask every "a".
func TestRedactor_shortStringsAreNotSecrets(t *testing.T) {
	r := NewRedactor("a", "abc1234", " x ")
	if got := r.Secrets(); len(got) != 0 {
		t.Fatalf("short strings were registered: %q", got)
	}
	if got := r.Clean("banana"); got != "banana" {
		t.Fatalf("Clean changed %q", got)
	}
}

// A secret configured with white space is masked as it was sent, and as
// Clean folds it.
func TestRedactor_whiteSpaceInSecrets(t *testing.T) {
	const secret = "tok en\twith  space"
	r := NewRedactor(secret)
	for _, in := range []string{secret, "x " + secret + " y", "x tok en with space y", `"tok en\twith  space"`} {
		if got := r.Clean(in); strings.Contains(got, "tok en") || pieceOf(got, "tok en with space") != "" {
			t.Errorf("Clean(%q) = %q", in, got)
		}
	}
}

// The body of an answer that was cut off, and of one over the size limit,
// is quoted without the start of a secret at the cut, and the
// Content-Type of an oversized answer is cleaned like every header.
func TestSend_cutBodiesAndOversizedAnswers(t *testing.T) {
	t.Run("cut off", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Length", "1000")
			w.WriteHeader(200)
			_, _ = w.Write([]byte(`{"result":{"name":"` + testCode[:6]))
		}))
		t.Cleanup(srv.Close)
		c, _ := webhookClient(t, srv, func(cfg *Config) { cfg.MaxRetries = 0 })
		_, err := c.GetDialog(context.Background(), "chat1")
		var re *ResponseError
		if !errors.As(err, &re) || !strings.Contains(re.Reason, "cut off") {
			t.Fatalf("want a cut-off ResponseError, got %v", err)
		}
		if strings.Contains(err.Error(), testCode[:3]) {
			t.Fatalf("the error shows the start of the webhook code: %v", err)
		}
	})
	t.Run("oversized", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json; x="+testCode)
			_, _ = w.Write([]byte(`{"result":"` + strings.Repeat("a", 200) + `"}`))
		}))
		t.Cleanup(srv.Close)
		c, _ := webhookClient(t, srv, func(cfg *Config) { cfg.MaxRetries = 0; cfg.MaxBodyBytes = 100 })
		_, err := c.GetDialog(context.Background(), "chat1")
		var re *ResponseError
		if !errors.As(err, &re) || !strings.Contains(re.Reason, "larger than the limit") {
			t.Fatalf("want an oversized ResponseError, got %v", err)
		}
		if strings.Contains(re.ContentType, testCode) || !strings.Contains(re.ContentType, "application/json") {
			t.Fatalf("Content-Type not cleaned: %q", re.ContentType)
		}
	})
}

// tokenServer answers /oauth/token/ with body and status, and the REST
// methods with expired_token until a refreshed token comes.
func tokenServer(t *testing.T, status int, body string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if strings.HasPrefix(r.URL.Path, "/oauth/token") {
			w.WriteHeader(status)
			_, _ = w.Write([]byte(body))
			return
		}
		w.WriteHeader(401)
		_, _ = w.Write([]byte(`{"error":"expired_token","error_description":"The access token provided has expired."}`))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// Only a successful answer of the OAuth server adds secrets to the
// redactor, and a token too short to be one is refused.
func TestOAuth_tokensOnlyFromASuccessfulAnswer(t *testing.T) {
	for name, tc := range map[string]struct {
		status int
		body   string
		want   string
	}{
		"error with tokens": {400, `{"error":"invalid_grant","error_description":"no","access_token":"leaked-access-0001","refresh_token":"leaked-refresh-0001"}`, "invalid_grant"},
		"error status":      {500, `{"access_token":"leaked-access-0001","refresh_token":"leaked-refresh-0001"}`, "HTTP 500"},
		"short tokens":      {200, `{"access_token":"a","refresh_token":"b"}`, "too short"},
		"short refresh":     {200, `{"access_token":"fine-access-token-1","refresh_token":"b"}`, "too short"},
	} {
		t.Run(name, func(t *testing.T) {
			srv := tokenServer(t, tc.status, tc.body)
			c, _ := oauthClient(t, srv.URL, nil)
			before := len(c.Redactor().Secrets())
			_, err := c.GetDialog(context.Background(), "chat42")
			var oe *OAuthError
			if !errors.As(err, &oe) || !strings.Contains(oe.Error(), tc.want) {
				t.Fatalf("want an OAuthError with %q, got %v", tc.want, err)
			}
			if after := c.Redactor().Secrets(); len(after) != before {
				t.Fatalf("the failed refresh registered secrets: %d forms before, %d after", before, len(after))
			}
			if got := c.Redactor().Clean("a banana"); got != "a banana" {
				t.Fatalf("Clean masks ordinary text: %q", got)
			}
		})
	}
}

// The refreshed tokens are masked, in every form, from the moment they
// arrive.
func TestOAuth_refreshedTokensAreMasked(t *testing.T) {
	const access, refresh = "new-access-token-0042", "new-refresh-token-0042"
	srv := tokenServer(t, 200, `{"access_token":"`+access+`","refresh_token":"`+refresh+`"}`)
	c, _ := oauthClient(t, srv.URL, nil)
	_, _ = c.GetDialog(context.Background(), "chat42")
	for _, s := range []string{access, refresh, clientSecret, expiredToken} {
		if got := c.Redactor().Clean("x " + s + " y"); got != "x *** y" {
			t.Errorf("%s is not masked: %q", s, got)
		}
	}
}

// invalid_token is refreshed once when the refresh settings are there, as
// expired_token is; without them it fails at once.
func TestOAuth_invalidTokenIsRefreshedOnce(t *testing.T) {
	var mu sync.Mutex
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.Path)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasPrefix(r.URL.Path, "/oauth/token"):
			_, _ = w.Write([]byte(`{"access_token":"fresh-access-token-1","refresh_token":"fresh-refresh-token-1"}`))
		case strings.Contains(readAll(r), "fresh-access-token-1"):
			_, _ = w.Write([]byte(`{"result":{"id":42}}`))
		default:
			w.WriteHeader(401)
			_, _ = w.Write([]byte(`{"error":"invalid_token","error_description":"Unable to get application by token"}`))
		}
	}))
	t.Cleanup(srv.Close)
	c, _ := oauthClient(t, srv.URL, nil)
	d, err := c.GetDialog(context.Background(), "chat42")
	if err != nil || d.ID.Value != 42 {
		t.Fatalf("want the dialog after one refresh, got %+v, %v", d, err)
	}
	mu.Lock()
	got := strings.Join(paths, " ")
	mu.Unlock()
	if want := "/rest/im.dialog.get /oauth/token/ /rest/im.dialog.get"; got != want {
		t.Fatalf("requests %q, want %q", got, want)
	}

	c, _ = oauthClient(t, srv.URL, func(o *OAuth) { o.RefreshToken = "" })
	if _, err := c.GetDialog(context.Background(), "chat42"); !HasCode(err, CodeInvalidToken) {
		t.Fatalf("without refresh settings want invalid_token, got %v", err)
	}
}

func readAll(r *http.Request) string {
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := r.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return b.String()
		}
	}
}

// CONNECTION_ERROR (HTTP 401: the portal could not reach its OAuth server)
// is a passing fault: retried, and a read after it succeeds.
func TestCall_connectionErrorIsRetried(t *testing.T) {
	p, srv := newCannedPortal(t,
		cannedAnswer{status: 401, body: `{"error":"CONNECTION_ERROR","error_description":"Error connecting to authorization server"}`},
		cannedAnswer{body: `{"result":{"id":7}}`})
	c, _ := fakeClockClient(t, srv, func(cfg *Config) { cfg.MaxRetries = 2 })
	d, err := c.GetDialog(context.Background(), "chat7")
	if err != nil || d.ID.Value != 7 {
		t.Fatalf("got %+v, %v", d, err)
	}
	if n := len(p.requests()); n != 2 {
		t.Fatalf("want 2 requests, got %d", n)
	}
	if classify(&APIError{HTTPStatus: 401, Code: "connection_error"}) != retryTransient {
		t.Fatal("CONNECTION_ERROR is not a passing fault")
	}
}

// The default OAuth server follows the portal's domain zone, as
// AuthorizationServerUrlResolver.php chooses it.
func TestDefaultOAuthTokenURL(t *testing.T) {
	for portal, want := range map[string]string{
		"https://example.bitrix24.ru":     OAuthTokenURLTech,
		"https://b24.example.by":          OAuthTokenURLTech,
		"https://x.bitrix24.kz":           OAuthTokenURLTech,
		"https://x.bitrix24.am":           OAuthTokenURLTech,
		"https://x.bitrix24.az":           OAuthTokenURLTech,
		"https://x.bitrix24.ge":           OAuthTokenURLTech,
		"https://x.bitrix24.kg":           OAuthTokenURLTech,
		"https://X.BITRIX24.UZ.":          OAuthTokenURLTech,
		"https://example.bitrix24.com":    OAuthTokenURLInfo,
		"https://example.bitrix24.de":     OAuthTokenURLInfo,
		"https://example.bitrix24.eu":     OAuthTokenURLInfo,
		"https://b24.example.ru.com:8443": OAuthTokenURLInfo,
		"http://127.0.0.1:8080":           OAuthTokenURLInfo,
	} {
		if got := DefaultOAuthTokenURL(portal); got != want {
			t.Errorf("DefaultOAuthTokenURL(%q) = %q, want %q", portal, got, want)
		}
	}
	c, err := New(Config{Auth: Auth{OAuth: &OAuth{PortalURL: "https://example.bitrix24.com", AccessToken: "access-token-0001"}}})
	if err != nil || c.oauth.tokenURL != OAuthTokenURLInfo {
		t.Fatalf("a .com portal's client refreshes at %q, %v", c.oauth.tokenURL, err)
	}
}

// An IPv6 zone in a portal URL is refused when the URL is parsed, not on
// every request with "invalid URL escape".
func TestParsePortalURL_ipv6Zone(t *testing.T) {
	for _, raw := range []string{"http://[fe80::1%25eth0]/rest/1/code1234/", "http://[fe80::1%25eth0]:8080"} {
		_, err := ParsePortalURL(raw, true)
		if err == nil || !strings.Contains(err.Error(), "zone") {
			t.Errorf("ParsePortalURL(%q): want an error about the zone, got %v", raw, err)
		}
	}
	if _, err := ParseWebhookURL("http://[::1]:8080/rest/1/code1234/"); err != nil {
		t.Errorf("an IPv6 address without a zone is fine: %v", err)
	}
}

// A rate below MinRateLimit is raised to it: the pacing of 1e-9 requests a
// second waits for ever, and of 1e-11 overflows.
func TestNew_rateLimitFloor(t *testing.T) {
	hook := &Webhook{PortalURL: "https://x.example.com", UserID: 1, Code: "code12345"}
	for _, rate := range []float64{1e-11, 1e-9, 0.001} {
		c, err := New(Config{Auth: Auth{Webhook: hook}, RateLimit: rate})
		if err != nil || c.cfg.RateLimit != MinRateLimit {
			t.Errorf("rate %g: got %v, %v", rate, c.cfg.RateLimit, err)
		}
	}
	if c, _ := New(Config{Auth: Auth{Webhook: hook}}); c.cfg.RateLimit != 0 {
		t.Errorf("rate 0 must stay 0 (pacing off), got %v", c.cfg.RateLimit)
	}
}

// Config.withDefaults fills every zero value that has a default.
func TestConfig_withDefaults(t *testing.T) {
	cfg := Config{RateLimit: -1, MaxRetries: -3}.withDefaults()
	if cfg.RateLimit != DefaultRateLimit || cfg.RateLimitBurst != DefaultRateLimitBurst || cfg.MaxRetries != 0 ||
		cfg.RequestTimeout != DefaultRequestTimeout || cfg.MaxBodyBytes != DefaultMaxBodyBytes || cfg.BusyTimeout != DefaultBusyTimeout ||
		cfg.RetryBaseDelay != 500*time.Millisecond || cfg.RetryMaxDelay != 10*time.Second || cfg.MaxOperatingWait != 2*time.Minute ||
		cfg.Clock == nil || cfg.UserAgent == "" || cfg.BatchWindow != 0 {
		t.Fatalf("defaults not filled: %+v", cfg)
	}
}

// No lock is held while the OAuth server answers: reads that need only the
// current token go on, and reads that hit expired_token meanwhile wait for
// the one refresh instead of sending their own.
func TestOAuth_refreshHoldsNoLockOverHTTP(t *testing.T) {
	release := make(chan struct{})
	var refreshes atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if strings.HasPrefix(r.URL.Path, "/oauth/token") {
			refreshes.Add(1)
			<-release
			_, _ = w.Write([]byte(`{"access_token":"fresh-access-token-1","refresh_token":"fresh-refresh-token-1"}`))
			return
		}
		if strings.Contains(readAll(r), "fresh-access-token-1") {
			_, _ = w.Write([]byte(`{"result":{"id":42}}`))
			return
		}
		w.WriteHeader(401)
		_, _ = w.Write([]byte(`{"error":"expired_token"}`))
	}))
	t.Cleanup(srv.Close)
	c, _ := oauthClient(t, srv.URL, nil)
	errs := make(chan error, 5)
	for i := 0; i < 5; i++ {
		go func() {
			_, err := c.GetDialog(context.Background(), "chat42")
			errs <- err
		}()
	}
	deadline := time.Now().Add(5 * time.Second)
	for refreshes.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	// The refresh is under way: the token can still be read at once.
	got := make(chan string, 1)
	go func() { got <- c.oauth.current() }()
	select {
	case tok := <-got:
		if tok != expiredToken {
			t.Fatalf("current token %q during the refresh", tok)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("reading the current token waited for the refresh's HTTP call")
	}
	close(release)
	for i := 0; i < 5; i++ {
		if err := <-errs; err != nil {
			t.Errorf("read: %v", err)
		}
	}
	if n := refreshes.Load(); n != 1 {
		t.Fatalf("want one shared refresh, got %d", n)
	}
}

// A read whose context ends while another read refreshes stops waiting.
func TestOAuth_waitForRefreshStopsWithContext(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if strings.HasPrefix(r.URL.Path, "/oauth/token") {
			<-release
			return
		}
		w.WriteHeader(401)
		_, _ = w.Write([]byte(`{"error":"expired_token"}`))
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // Before srv.Close, which waits for the handler.
	c, _ := oauthClient(t, srv.URL, nil)
	go func() { _, _ = c.GetDialog(context.Background(), "chat1") }()
	for c.oauth.waiting() == nil {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.GetDialog(ctx, "chat2")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want the context's error, got %v", err)
	}
}

// waiting is the refresh under way, if any.
func (t *tokenSource) waiting() *refreshCall {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.inflight
}

// A secret quoted in a JSON body as PHP writes it: Bitrix's Json::encode
// (JSON_HEX_TAG, JSON_HEX_AMP, JSON_HEX_APOS, JSON_HEX_QUOT, slashes as
// \/, Unicode as is) and plain json_encode (Unicode as \uXXXX). A body
// snippet quotes the raw JSON, so these forms must be masked too.
func TestRedactor_phpJSONForms(t *testing.T) {
	const secret = `Ключ'<s>&"x/пароль`
	r := NewRedactor(secret)
	for _, in := range []string{
		`{"echo":"Ключ\u0027\u003Cs\u003E\u0026\u0022x\/пароль"}`,
		`{"echo":"\u041a\u043b\u044e\u0447'<s>&\"x\/\u043f\u0430\u0440\u043e\u043b\u044c"}`,
	} {
		got := r.Clean(in)
		for _, part := range []string{"Ключ", `\u041a\u043b`, "пароль", `\u043f\u0430`} {
			if strings.Contains(got, part) {
				t.Errorf("Clean(%s) = %s: it shows %q", in, got, part)
			}
		}
	}
}
