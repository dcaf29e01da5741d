package bitrix24

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const qleBody = `{"error":"QUERY_LIMIT_EXCEEDED","error_description":"Too many requests"}`

// QUERY_LIMIT_EXCEEDED is retried for BusyTimeout, not for MaxRetries.
func TestCall_busyIsBoundedByTimeNotCount(t *testing.T) {
	p, srv := newCannedPortal(t, cannedAnswer{status: 503, body: qleBody})
	c, clk := fakeClockClient(t, srv, func(cfg *Config) { cfg.MaxRetries = 1; cfg.BusyTimeout = 2 * time.Minute })
	start := clk.Now()
	_, err := c.GetDialog(context.Background(), "chat1")
	var ex *RetriesExhaustedError
	if !errors.As(err, &ex) || !ex.Busy || !HasCode(err, CodeQueryLimitExceeded) {
		t.Fatalf("want a busy RetriesExhaustedError, got %v", err)
	}
	took := clk.Now().Sub(start)
	// It may overrun the budget by the flow control's last pacing wait.
	if took < time.Minute || took > 2*time.Minute+10*time.Second {
		t.Fatalf("gave up after %s of fake time, want close to the 2m budget", took)
	}
	if n := len(p.requests()); n < 5 || n != ex.Attempts {
		t.Fatalf("want many attempts (more than MaxRetries), got %d requests and %d attempts", n, ex.Attempts)
	}
	if rate, refusals := c.flow.snapshot(); rate >= DefaultRateLimit || refusals != ex.Attempts {
		t.Fatalf("refusals should cut the rate: rate %v after %d refusals", rate, refusals)
	}
}

// A 429 or 503 with Retry-After is retried after that long.
func TestCall_retryAfterIsHonoured(t *testing.T) {
	for _, tc := range []struct {
		status int
		body   string
	}{
		{429, `{"error":"","error_description":"Too Many Requests"}`},
		{503, `<html>busy</html>`},
	} {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			p, srv := newCannedPortal(t,
				cannedAnswer{status: tc.status, headers: map[string]string{"Retry-After": "7"}, body: tc.body},
				cannedAnswer{body: `{"result":{"id":1}}`})
			c, clk := fakeClockClient(t, srv, func(cfg *Config) { cfg.MaxRetries = 0 })
			start := clk.Now()
			d, err := c.GetDialog(context.Background(), "chat1")
			if err != nil || d.ID.Value != 1 {
				t.Fatalf("got %+v, %v", d, err)
			}
			if took := clk.Now().Sub(start); took < 7*time.Second || took > 9*time.Second {
				t.Fatalf("waited %s, want Retry-After's 7s plus a little jitter", took)
			}
			if n := len(p.requests()); n != 2 {
				t.Fatalf("want 2 requests, got %d", n)
			}
		})
	}
}

func TestCall_operatingLimitErrorNamesAnUnblockTimeToCome(t *testing.T) {
	reset := time.Unix(1_700_000_000+600, 0)
	_, srv := newCannedPortal(t, cannedAnswer{status: 429, body: fmt.Sprintf(
		`{"error":"OPERATION_TIME_LIMIT","error_description":"Method is blocked due to operation time limit.","time":{"operating":480,"operating_reset_at":%d}}`, reset.Unix())})
	c, _ := fakeClockClient(t, srv, nil)
	_, err := c.GetDialog(context.Background(), "chat1")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || !apiErr.OperatingResetAt.Equal(reset) || apiErr.UnblocksIn != 10*time.Minute {
		t.Fatalf("want the reset %s in 10m, got %+v", reset, apiErr)
	}
	// A reset time already past is not a time to come.
	_, srv = newCannedPortal(t, cannedAnswer{status: 429, body: `{"error":"OPERATION_TIME_LIMIT","error_description":"x","time":{"operating_reset_at":1000}}`})
	c, _ = fakeClockClient(t, srv, nil)
	_, err = c.GetDialog(context.Background(), "chat1")
	if !errors.As(err, &apiErr) || !apiErr.OperatingResetAt.IsZero() || apiErr.UnblocksIn != 0 {
		t.Fatalf("a past reset time should be dropped, got %+v", apiErr)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"": 0, "5": 5 * time.Second, " 12 ": 12 * time.Second, "-3": 0, "99999": time.Hour, "soon": 0,
		"Thu, 01 Jan 2026 00:00:30 GMT": 30 * time.Second, "Wed, 31 Dec 2025 00:00:00 GMT": 0,
	} {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %s, want %s", in, got, want)
		}
	}
}

// Odd bodies are named for what they are.
func TestParseAnswer_wording(t *testing.T) {
	deep := `{"result":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}`
	_, srv := newCannedPortal(t, cannedAnswer{body: deep})
	c, _ := fakeClockClient(t, srv, func(cfg *Config) { cfg.MaxRetries = 0 })
	_, err := c.GetDialog(context.Background(), "chat1")
	var re *ResponseError
	if !errors.As(err, &re) || !strings.Contains(re.Reason, "nested too deeply") {
		t.Fatalf("too deep JSON: got %v", err)
	}
	// A body cut off mid-way: the portal did answer.
	cut := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", "1000")
		w.WriteHeader(200)
		_, _ = w.Write([]byte(`{"result":{"id"`))
	}))
	t.Cleanup(cut.Close)
	c, _ = fakeClockClient(t, cut, func(cfg *Config) { cfg.MaxRetries = 1 })
	_, err = c.GetDialog(context.Background(), "chat1")
	var ex *RetriesExhaustedError
	if !errors.As(err, &re) || !strings.Contains(re.Reason, "cut off after 15 bytes") || !errors.As(err, &ex) {
		t.Fatalf("cut-off body: want a retried ResponseError, got %v", err)
	}
	if _, err := ParsePortalURL("example.bitrix24.com:443", false); err == nil || !strings.Contains(err.Error(), "must start with https://") {
		t.Fatalf("URL without a scheme: got %v", err)
	}
}
