package bitrix24

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/fakeportal"
)

func TestGetDialog_retriesWhatIsSafe(t *testing.T) {
	cases := map[string]fakeportal.Faults{
		"500 INTERNAL_SERVER_ERROR": {FailNext: 2, FailStatus: 500},
		"502 without code":          {FailNext: 2, FailStatus: 502},
		"503 without code":          {FailNext: 2, FailStatus: 503},
		"504 without code":          {FailNext: 2, FailStatus: 504},
		"HTML maintenance page":     {HTMLNext: 2},
		"connection reset":          {ResetNext: 2},
		"truncated body":            {TruncateNext: 2},
		"QUERY_LIMIT_EXCEEDED":      {RateLimit: 20, RateBurst: 1},
	}
	for name, faults := range cases {
		t.Run(name, func(t *testing.T) {
			portal, srv := newPortal(t, faults)
			c, log := webhookClient(t, srv, func(c *Config) {
				c.RetryBaseDelay = 40 * time.Millisecond
				c.RetryMaxDelay = time.Second
				c.RateLimit = 1000
				c.RateLimitBurst = 1000
			})
			if faults.RateLimit > 0 {
				// Use up the portal's bucket so that the read meets QUERY_LIMIT_EXCEEDED.
				_, _ = http.Post(srv.URL+"/rest/1/"+testCode+"/server.time", "application/json", nil)
			}
			d, err := c.GetDialog(context.Background(), "chat42")
			if err != nil {
				t.Fatalf("GetDialog: %v", err)
			}
			if d.ID != i64(42) {
				t.Fatalf("got %+v", d.ID)
			}
			if n := portal.Requests("im.dialog.get"); n < 2 {
				t.Fatalf("want a retry, the portal saw %d requests", n)
			}
			if !strings.Contains(log.text(), "WARN Bitrix24 request failed, retrying") {
				t.Fatalf("retries are not logged at WARN:\n%s", log.text())
			}
		})
	}
}

func TestGetDialog_neverRetries(t *testing.T) {
	cases := map[string]struct {
		faults fakeportal.Faults
		code   string
		id     string
	}{
		"OVERLOAD_LIMIT":  {fakeportal.Faults{OverloadNext: 1}, CodeOverloadLimit, "chat42"},
		"ACCESS_ERROR":    {fakeportal.Faults{}, CodeAccessError, "chat99"},
		"DIALOG_ID_EMPTY": {fakeportal.Faults{}, CodeDialogIDEmpty, "nope"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			portal, srv := newPortal(t, tc.faults)
			c, _ := webhookClient(t, srv, nil)
			_, err := c.GetDialog(context.Background(), tc.id)
			if !HasCode(err, tc.code) {
				t.Fatalf("want %s, got %v", tc.code, err)
			}
			if n := portal.Requests("im.dialog.get"); n != 1 {
				t.Fatalf("want exactly one request, got %d", n)
			}
		})
	}
}

func TestGetDialog_wrongCodeIsNotRetriedAndNotLeaked(t *testing.T) {
	portal, srv := newPortal(t, fakeportal.Faults{})
	hook, _ := ParseWebhookURL(srv.URL + "/rest/1/wrongsecretcode/")
	c, _ := New(Config{Auth: Auth{Webhook: &hook}, MaxRetries: 5, RetryBaseDelay: time.Millisecond})
	_, err := c.GetDialog(context.Background(), "chat42")
	var apiErr *APIError
	// A wrong code is INVALID_CREDENTIALS, 401 (rest/lib/apauth/auth.php).
	if !errors.As(err, &apiErr) || apiErr.Code != CodeInvalidCredentials || apiErr.HTTPStatus != 401 {
		t.Fatalf("want 401 INVALID_CREDENTIALS, got %v", err)
	}
	if portal.Requests("im.dialog.get") != 1 {
		t.Fatalf("an auth error was retried")
	}
	if strings.Contains(err.Error(), "wrongsecretcode") {
		t.Fatalf("the error leaks the code: %v", err)
	}
}

func TestGetDialog_retriesGiveUp(t *testing.T) {
	portal, srv := newPortal(t, fakeportal.Faults{FailNext: 100, FailStatus: 503})
	c, _ := webhookClient(t, srv, func(c *Config) { c.MaxRetries = 2 })
	_, err := c.GetDialog(context.Background(), "chat42")
	var ex *RetriesExhaustedError
	if !errors.As(err, &ex) || ex.Attempts != 3 {
		t.Fatalf("want 3 attempts, got %v", err)
	}
	if n := portal.Requests("im.dialog.get"); n != 3 {
		t.Fatalf("want 3 requests, got %d", n)
	}
}

func TestGetDialog_timeout(t *testing.T) {
	_, srv := newPortal(t, fakeportal.Faults{Hang: true})
	c, _ := webhookClient(t, srv, func(c *Config) { c.RequestTimeout = 100 * time.Millisecond; c.MaxRetries = 1 })
	start := time.Now()
	_, err := c.GetDialog(context.Background(), "chat42")
	var te *TimeoutError
	if !errors.As(err, &te) || te.Timeout != 100*time.Millisecond {
		t.Fatalf("want a TimeoutError, got %v", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("a hanging portal held the read for %s", took)
	}
}

func TestGetDialog_cancelStopsAtOnce(t *testing.T) {
	_, srv := newPortal(t, fakeportal.Faults{FailNext: 100, FailStatus: 500})
	c, _ := webhookClient(t, srv, func(c *Config) { c.RetryBaseDelay = 10 * time.Second; c.RetryMaxDelay = 10 * time.Second })
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.GetDialog(ctx, "chat42")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Fatalf("cancelling took %s", took)
	}
}

func TestGetDialog_operatingLimitWaitsForReset(t *testing.T) {
	portal, srv := newPortal(t, fakeportal.Faults{OperatingLimit: 0.02, OperatingCost: 0.01, OperatingWindow: 2 * time.Second})
	c, log := webhookClient(t, srv, nil)
	start := time.Now()
	for i := 0; i < 3; i++ {
		if _, err := c.GetDialog(context.Background(), "chat42"); err != nil {
			t.Fatalf("read %d: %v", i, err)
		}
	}
	if portal.ErrorCount(CodeOperationTimeLimit) == 0 {
		t.Fatalf("the portal never blocked the method")
	}
	if !strings.Contains(log.text(), "WARN Bitrix24 method blocked by the operating time limit") {
		t.Fatalf("the wait is not logged at WARN:\n%s", log.text())
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("waited %s for a 2s window", took)
	}
}

func TestGetDialog_operatingLimitTooFarFailsWithResetTime(t *testing.T) {
	_, srv := newPortal(t, fakeportal.Faults{OperatingLimit: 0.01, OperatingCost: 0.01})
	c, _ := webhookClient(t, srv, func(c *Config) { c.MaxOperatingWait = time.Second })
	if _, err := c.GetDialog(context.Background(), "chat42"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := c.GetDialog(context.Background(), "chat42")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Code != CodeOperationTimeLimit || apiErr.HTTPStatus != 429 {
		t.Fatalf("want 429 OPERATION_TIME_LIMIT, got %v", err)
	}
	if until := time.Until(apiErr.OperatingResetAt); until < 9*time.Minute || until > 11*time.Minute {
		t.Fatalf("the reset time should be ~10 minutes away, is %s", until)
	}
	if took := time.Since(start); took > time.Second {
		t.Fatalf("failing took %s", took)
	}
}

func TestClientRateLimitKeepsThePortalUnderItsLimit(t *testing.T) {
	// 5 per second: the one place the client keeps free covers requests
	// that reach the portal up to 200 ms late.
	portal, srv := newPortal(t, fakeportal.Faults{RateLimit: 5, RateBurst: 5})
	c, _ := webhookClient(t, srv, func(c *Config) { c.RateLimit = 5; c.RateLimitBurst = 5; c.MaxRetries = 0 })
	readConcurrently(t, c, 12, "chat42")
	if n := portal.ErrorCount(CodeQueryLimitExceeded); n != 0 {
		t.Fatalf("the portal answered QUERY_LIMIT_EXCEEDED %d times", n)
	}
}

func TestTransportErrorsDoNotLeakTheCode(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close() // Nothing listens: connection refused.
	hook, _ := ParseWebhookURL("http://" + addr + "/rest/1/" + testCode + "/")
	log := &recordingLogger{}
	c, _ := New(Config{Auth: Auth{Webhook: &hook}, MaxRetries: 1, RetryBaseDelay: time.Millisecond, Logger: log})
	_, err = c.GetDialog(context.Background(), "chat42")
	var te *TransportError
	if !errors.As(err, &te) {
		t.Fatalf("want a TransportError, got %v", err)
	}
	if strings.Contains(err.Error(), testCode) || strings.Contains(log.text(), testCode) {
		t.Fatalf("the code leaked: %v\n%s", err, log.text())
	}
	if !strings.Contains(log.text(), "/rest/1/***/im.dialog.get") {
		t.Fatalf("request URLs should be logged masked:\n%s", log.text())
	}
}

func TestOversizedBody(t *testing.T) {
	_, srv := newPortal(t, fakeportal.Faults{})
	c, _ := webhookClient(t, srv, func(c *Config) { c.MaxBodyBytes = 100 })
	_, err := c.GetDialog(context.Background(), "chat1439")
	var re *ResponseError
	if !errors.As(err, &re) || !strings.Contains(re.Reason, "larger than the limit of 100 bytes") {
		t.Fatalf("want an oversized-body error, got %v", err)
	}
}
