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

// Commands that fail inside a batch are retried together in one next
// batch, not one by one.
func TestRunCommands_failedCommandsAreRetriedTogether(t *testing.T) {
	p, srv := newCannedPortal(t,
		cannedAnswer{body: `{"result":{"result":{"c0":{"id":1},"c4":{"id":5}},"result_error":{
			"c1":{"error":"INTERNAL_SERVER_ERROR","error_description":"x"},
			"c2":{"error":"QUERY_LIMIT_EXCEEDED","error_description":"Too many requests"},
			"c3":{"error":"ACCESS_ERROR","error_description":"no"}}}}`},
		cannedAnswer{body: `{"result":{"result":{"c0":{"id":2},"c1":{"id":3}},"result_error":[]}}`})
	c, _ := fakeClockClient(t, srv, nil)
	got := c.readDialogs(context.Background(), []string{"chat1", "chat2", "chat3", "chat4", "chat5"})
	for i, want := range []int64{1, 2, 3, 0, 5} {
		if want == 0 {
			if !HasCode(got[i].err, CodeAccessError) {
				t.Errorf("dialog %d: want its own ACCESS_ERROR, got %v", i, got[i].err)
			}
			continue
		}
		if got[i].err != nil || got[i].value.ID.Value != want {
			t.Errorf("dialog %d: got %+v", i, got[i])
		}
	}
	reqs := p.requests()
	if len(reqs) != 2 || !strings.HasSuffix(reqs[1], "/batch") {
		t.Fatalf("want two batch calls, got %v", reqs)
	}
	if body := p.bodies[1]; !strings.Contains(body, "chat2") || !strings.Contains(body, "chat3") || strings.Contains(body, "chat4") {
		t.Fatalf("the second batch should hold chat2 and chat3 only: %s", body)
	}
}

// Four commands blocked by OPERATION_TIME_LIMIT wait once for the reset,
// together, and the error of a reset too far away names a time to come.
func TestRunCommands_operatingLimitWaitsOnceForAll(t *testing.T) {
	const otl = `{"error":"OPERATION_TIME_LIMIT","error_description":"Method is blocked due to operation time limit."}`
	var p *cannedPortal
	var c *Client
	reset := time.Unix(1_700_000_005, 0) // 5 s after the fake clock starts
	p, srv := newCannedPortal(t,
		cannedAnswer{body: fmt.Sprintf(`{"result":{"result":{"c0":{"id":9}},"result_error":[],"result_time":{"c0":{"operating":400,"operating_reset_at":%d}}}}`, reset.Unix())},
		cannedAnswer{body: `{"result":{"result":[],"result_error":{"c0":` + otl + `,"c1":` + otl + `,"c2":` + otl + `,"c3":` + otl + `}}}`},
		cannedAnswer{body: `{"result":{"result":{"c0":{"id":1},"c1":{"id":2},"c2":{"id":3},"c3":{"id":4}},"result_error":[]}}`})
	c, clk := fakeClockClient(t, srv, nil)
	if got := c.readDialogs(context.Background(), []string{"chat9", "chat10"}); got[0].err != nil {
		t.Fatal(got[0].err)
	}
	start := clk.Now()
	got := c.readDialogs(context.Background(), []string{"chat1", "chat2", "chat3", "chat4"})
	for i := range got {
		if got[i].err != nil || got[i].value.ID.Value != int64(i+1) {
			t.Fatalf("dialog %d: %+v", i, got[i])
		}
	}
	if took := clk.Now().Sub(start); took < 5*time.Second || took > 6*time.Second {
		t.Fatalf("waited %s for a reset 5 s away", took)
	}
	if n := len(p.requests()); n != 3 {
		t.Fatalf("want 3 batch calls, got %d", n)
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
