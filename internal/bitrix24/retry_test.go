package bitrix24

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
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
	// The flow control's waits count too: the read ends within the budget.
	if took < time.Minute || took > 2*time.Minute {
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

// alternatingPortal answers request i with answers[i % len(answers)] and
// counts the requests.
func alternatingPortal(t *testing.T, answers ...cannedAnswer) (*int64, *httptest.Server) {
	t.Helper()
	var n int64
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		a := answers[n%int64(len(answers))]
		n++
		mu.Unlock()
		for k, v := range a.headers {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(max(a.status, 200))
		_, _ = w.Write([]byte(a.body))
	}))
	t.Cleanup(srv.Close)
	return &n, srv
}

const iseBatch = `{"result":{"result":[],"result_error":{"c0":{"error":"INTERNAL_SERVER_ERROR","error_description":"x"},"c1":{"error":"INTERNAL_SERVER_ERROR","error_description":"x"}}}}`

// One read has one budget of retries after passing faults, whether the
// batch call fails as a whole (HTTP 500) or its commands fail inside it:
// max_retries+1 requests in all, not (max_retries+1)².
func TestRunCommands_oneRetryBudgetForPassingFaults(t *testing.T) {
	for _, tc := range []struct {
		name    string
		ids     []string
		answers []cannedAnswer
	}{
		{"a single read, every request 500", []string{"chat1"}, []cannedAnswer{{status: 500, body: `{"error":"INTERNAL_SERVER_ERROR","error_description":"x"}`}}},
		{"a batch, every request 500", []string{"chat1", "chat2"}, []cannedAnswer{{status: 500, body: `{"error":"INTERNAL_SERVER_ERROR","error_description":"x"}`}}},
		{"a batch, 500 and failed commands by turns", []string{"chat1", "chat2"}, []cannedAnswer{
			{status: 500, body: `{"error":"INTERNAL_SERVER_ERROR","error_description":"x"}`}, {body: iseBatch}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, srv := alternatingPortal(t, tc.answers...)
			c, _ := fakeClockClient(t, srv, func(cfg *Config) { cfg.MaxRetries = 3 })
			got := c.readDialogs(context.Background(), tc.ids)
			var ex *RetriesExhaustedError
			if !errors.As(got[0].err, &ex) || ex.Attempts != 4 {
				t.Fatalf("want a RetriesExhaustedError after 4 attempts, got %v", got[0].err)
			}
			if *n != 4 {
				t.Fatalf("max_retries 3: want 4 requests for the read, got %d", *n)
			}
		})
	}
}

// busy_timeout bounds the whole read, at the batch and the call layer
// together, including the flow control's waits: the read ends within it.
func TestRunCommands_busyTimeoutBoundsTheWholeRead(t *testing.T) {
	const qleBatch = `{"result":{"result":[],"result_error":{"c0":{"error":"QUERY_LIMIT_EXCEEDED","error_description":"x"},"c1":{"error":"QUERY_LIMIT_EXCEEDED","error_description":"x"}}}}`
	for _, tc := range []struct {
		name    string
		ids     []string
		answers []cannedAnswer
	}{
		{"a single read", []string{"chat1"}, []cannedAnswer{{status: 503, body: qleBody}}},
		{"a batch refused as a whole and by command by turns", []string{"chat1", "chat2"}, []cannedAnswer{{status: 503, body: qleBody}, {body: qleBatch}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, srv := alternatingPortal(t, tc.answers...)
			c, clk := fakeClockClient(t, srv, func(cfg *Config) { cfg.MaxRetries = 1; cfg.BusyTimeout = 2 * time.Minute })
			start := clk.Now()
			got := c.readDialogs(context.Background(), tc.ids)
			took := clk.Now().Sub(start)
			var ex *RetriesExhaustedError
			if !errors.As(got[0].err, &ex) || !ex.Busy || !HasCode(got[0].err, CodeQueryLimitExceeded) {
				t.Fatalf("want a busy RetriesExhaustedError, got %v", got[0].err)
			}
			if took > 2*time.Minute || took < time.Minute {
				t.Fatalf("the read gave up after %s of fake time, want within the 2m busy_timeout and close to it", took)
			}
			if *n < 5 || int(*n) != ex.Attempts {
				t.Fatalf("want many attempts (more than max_retries), got %d requests and %d attempts", *n, ex.Attempts)
			}
		})
	}
}

// A Retry-After longer than what is left of busy_timeout ends the read at
// once, and the error says that the portal asked to wait that long.
func TestCall_retryAfterBeyondBusyTimeout(t *testing.T) {
	_, srv := newCannedPortal(t, cannedAnswer{status: 503, headers: map[string]string{"Retry-After": "3600"}, body: qleBody})
	c, clk := fakeClockClient(t, srv, nil)
	start := clk.Now()
	_, err := c.GetDialog(context.Background(), "chat1")
	var ex *RetriesExhaustedError
	if !errors.As(err, &ex) || ex.RetryAfter != time.Hour || ex.BusyTimeout != DefaultBusyTimeout || !HasCode(err, CodeQueryLimitExceeded) {
		t.Fatalf("want a RetriesExhaustedError with the 1h Retry-After, got %#v", err)
	}
	if took := clk.Now().Sub(start); took > time.Second {
		t.Fatalf("gave up after %s, want at once", took)
	}
	if msg := err.Error(); !strings.Contains(msg, "asked to wait 1h (Retry-After), beyond busy_timeout (5m)") {
		t.Fatalf("the error does not say why it gave up: %s", msg)
	}
}

func TestShortDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{time.Hour: "1h", 90 * time.Minute: "1h30m", 5 * time.Minute: "5m", 125 * time.Second: "2m5s", 1500 * time.Millisecond: "2s"} {
		if got := ShortDuration(d); got != want {
			t.Errorf("ShortDuration(%s) = %q, want %q", d, got, want)
		}
	}
}
