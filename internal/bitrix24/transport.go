package bitrix24

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/clock"
)

// TimeBlock is the "time" object the portal adds to every answer.
type TimeBlock struct {
	Start            Float64 `json:"start"`
	Finish           Float64 `json:"finish"`
	Duration         Float64 `json:"duration"`
	Processing       Float64 `json:"processing"`
	DateStart        String  `json:"date_start"`
	DateFinish       String  `json:"date_finish"`
	Operating        Float64 `json:"operating"`
	OperatingResetAt Int64   `json:"operating_reset_at"`
}

type envelope struct {
	Result           json.RawMessage   `json:"result"`
	Total            Int64             `json:"total"`
	Next             Int64             `json:"next"`
	Error            json.RawMessage   `json:"error"`
	ErrorDescription String            `json:"error_description"`
	Time             Object[TimeBlock] `json:"time"`
}

// endpoint is the URL of a method, and the URL with secrets masked.
func (c *Client) endpoint(method string) (full, masked string) {
	if w := c.cfg.Auth.Webhook; w != nil {
		prefix := fmt.Sprintf("%s/rest/%d/", w.PortalURL, w.UserID)
		return prefix + w.Code + "/" + method, prefix + Mask + "/" + method
	}
	u := c.cfg.Auth.OAuth.PortalURL + "/rest/" + method
	return u, u
}

// reply is a method's result, with the total and next keys of a list
// answer (Next invalid on the last page).
type reply struct {
	Result json.RawMessage
	Total  Int64
	Next   Int64
}

// send makes one HTTP request and reads one answer. It never retries.
func (c *Client) send(ctx context.Context, method string, params map[string]any) (reply, *TimeBlock, error) {
	body := make(map[string]any, len(params)+1)
	for k, v := range params {
		body[k] = v
	}
	var token string
	if c.oauth != nil {
		token = c.oauth.current()
		body["auth"] = token
	}
	payload, err := json.Marshal(body)
	if err != nil {
		return reply{}, nil, fmt.Errorf("%s: encoding the request: %w", method, err)
	}
	full, masked := c.endpoint(method)

	reqCtx, cancel := context.WithTimeout(ctx, c.cfg.RequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(reqCtx, http.MethodPost, full, bytes.NewReader(payload))
	if err != nil {
		return reply{}, nil, &TransportError{Method: method, Message: c.redactor.Clean(err.Error())}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.cfg.UserAgent)

	start := c.clock.Now()
	c.debug(ctx, "Bitrix24 request", map[string]any{"method": method, "url": masked, "body_bytes": len(payload)})
	resp, err := c.http.Do(req)
	if err != nil {
		return reply{}, nil, c.transportError(ctx, reqCtx, method, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.cfg.MaxBodyBytes+1))
	if err != nil {
		if ctx.Err() != nil || reqCtx.Err() != nil {
			return reply{}, nil, c.transportError(ctx, reqCtx, method, err)
		}
		// The portal answered, then the body stopped: not "unreachable".
		return reply{}, nil, &ResponseError{Method: method, HTTPStatus: resp.StatusCode, ContentType: c.redactor.Clean(resp.Header.Get("Content-Type")),
			Reason: fmt.Sprintf("the answer was cut off after %d bytes (%s)", len(data), c.redactor.Clean(err.Error())), Snippet: cutSnippet(data, c.redactor), truncated: true}
	}
	c.debug(ctx, "Bitrix24 response", map[string]any{
		"method": method, "url": masked, "status": resp.StatusCode,
		"body_bytes": len(data), "duration_ms": clock.Since(c.clock, start).Milliseconds(),
	})
	if int64(len(data)) > c.cfg.MaxBodyBytes {
		return reply{}, nil, &ResponseError{Method: method, HTTPStatus: resp.StatusCode, ContentType: c.redactor.Clean(resp.Header.Get("Content-Type")),
			Reason: fmt.Sprintf("the answer is larger than the limit of %d bytes", c.cfg.MaxBodyBytes), Snippet: cutSnippet(data, c.redactor)}
	}
	result, tb, err := c.parseAnswer(method, resp, data)
	if ra := parseRetryAfter(resp.Header.Get("Retry-After"), c.clock.Now()); ra > 0 {
		setRetryAfter(err, ra)
	}
	if c.oauth != nil && classify(err) == retryRefresh {
		c.oauth.markExpired(token)
	}
	return result, tb, err
}

func (c *Client) parseAnswer(method string, resp *http.Response, data []byte) (reply, *TimeBlock, error) {
	ct := c.redactor.Clean(resp.Header.Get("Content-Type"))
	trimmed := bytes.TrimSpace(data)
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		return reply{}, nil, &ResponseError{Method: method, HTTPStatus: resp.StatusCode, ContentType: ct,
			Reason: "the portal redirected the request (a renamed portal, an expired licence or a wrong URL); redirects are not followed so that credentials stay with the portal"}
	}
	if len(trimmed) == 0 {
		return reply{}, nil, &ResponseError{Method: method, HTTPStatus: resp.StatusCode, ContentType: ct, Reason: "the answer is empty"}
	}
	if trimmed[0] != '{' {
		reason := "the answer is not JSON"
		if trimmed[0] == '<' {
			reason = "the answer is an HTML page, not JSON (a maintenance page, a proxy error or a wrong portal URL)"
		}
		return reply{}, nil, &ResponseError{Method: method, HTTPStatus: resp.StatusCode, ContentType: ct, Reason: reason, Snippet: snippet(data, c.redactor)}
	}
	var env envelope
	if err := json.Unmarshal(trimmed, &env); err != nil {
		reason := "the answer is not valid JSON"
		if strings.Contains(err.Error(), "exceeded max depth") {
			reason = "the answer is JSON nested too deeply to read"
		}
		var syn *json.SyntaxError
		truncated := errors.Is(err, io.ErrUnexpectedEOF) || (errors.As(err, &syn) && strings.Contains(syn.Error(), "end of JSON input"))
		if truncated {
			reason = "the answer is truncated JSON"
		}
		snip := snippet(data, c.redactor)
		if truncated {
			snip = cutSnippet(data, c.redactor)
		}
		return reply{}, nil, &ResponseError{Method: method, HTTPStatus: resp.StatusCode, ContentType: ct, Reason: reason, Snippet: snip, truncated: truncated}
	}
	var tb *TimeBlock
	if env.Time.Valid {
		tb = &env.Time.Value
	}
	if len(env.Error) > 0 && string(env.Error) != "null" {
		var code String
		_ = json.Unmarshal(env.Error, &code)
		return reply{}, tb, &APIError{Method: method, HTTPStatus: resp.StatusCode, Code: c.redactor.Clean(code.Value), Description: c.redactor.Clean(env.ErrorDescription.Value)}
	}
	if resp.StatusCode >= 400 {
		return reply{}, tb, &ResponseError{Method: method, HTTPStatus: resp.StatusCode, ContentType: ct, Reason: "the portal answered with an error status but no error code", Snippet: snippet(data, c.redactor)}
	}
	if len(env.Result) == 0 {
		return reply{}, tb, &ResponseError{Method: method, HTTPStatus: resp.StatusCode, ContentType: ct, Reason: `the answer has no "result" key`, Snippet: snippet(data, c.redactor)}
	}
	return reply{Result: env.Result, Total: env.Total, Next: env.Next}, tb, nil
}

// transportError turns a failure below HTTP into a typed, masked error.
func (c *Client) transportError(ctx, reqCtx context.Context, method string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if reqCtx.Err() != nil || isTimeout(err) {
		return &TimeoutError{Method: method, Timeout: c.cfg.RequestTimeout}
	}
	// *url.Error repeats the URL, which holds the webhook code: keep only
	// the cause, and mask that too.
	var ue interface{ Unwrap() error }
	msg := err.Error()
	if errors.As(err, &ue) && ue.Unwrap() != nil {
		msg = ue.Unwrap().Error()
	}
	temporary := errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, io.EOF) || errors.Is(err, syscall.EPIPE) || strings.Contains(msg, "connection reset")
	var unknownCA x509.UnknownAuthorityError
	var invalid x509.CertificateInvalidError
	var hostname x509.HostnameError
	var verify *tls.CertificateVerificationError
	untrusted := errors.As(err, &unknownCA) || errors.As(err, &invalid) || errors.As(err, &hostname) || errors.As(err, &verify)
	return &TransportError{Method: method, Message: c.redactor.Clean(msg), Temporary: temporary, TLS: untrusted}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// snippetLen is how much of an unreadable body a diagnostic shows.
const snippetLen = 120

// snippet returns the start of a body as one short printable line, with
// every secret masked (Clean).
func snippet(data []byte, r *Redactor) string {
	return r.cleanN(string(data), snippetLen, false)
}

// cutSnippet is snippet for a body that was cut off (by the portal, or at
// the size limit): a secret that straddled the end is masked by its start.
func cutSnippet(data []byte, r *Redactor) string {
	return r.cleanN(string(data), snippetLen, true)
}

// parseRetryAfter reads a Retry-After header: seconds, or an HTTP date.
// It returns 0 when the header is absent or unreadable, and caps the wait
// at an hour.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		d = time.Duration(min(max(n, 0), 3600)) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = min(max(t.Sub(now), 0), time.Hour)
	}
	return d
}

func setRetryAfter(err error, d time.Duration) {
	var apiErr *APIError
	var respErr *ResponseError
	switch {
	case errors.As(err, &apiErr):
		apiErr.RetryAfter = d
	case errors.As(err, &respErr):
		respErr.RetryAfter = d
	}
}
