package bitrix24

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"time"
)

// Call calls a REST method and returns its "result". It waits for the rate
// limiter, retries what is safe to retry, refreshes an expired OAuth token
// once, and stops as soon as ctx ends.
func (c *Client) Call(ctx context.Context, method string, params map[string]any) (json.RawMessage, error) {
	refreshed := false
	for attempt := 0; ; attempt++ {
		if err := c.waitOperating(ctx, method); err != nil {
			return nil, err
		}
		if waited, err := c.limiter.Wait(ctx); err != nil {
			return nil, err
		} else if waited > time.Second {
			c.debug(ctx, "Waited for the client-side rate limit", map[string]any{"method": method, "wait_ms": waited.Milliseconds()})
		}
		result, tb, err := c.send(ctx, method, params)
		c.noteTime(method, tb)
		if err == nil {
			return result, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}

		if HasCode(err, CodeExpiredToken) && !refreshed && c.oauth != nil && c.oauth.canRefresh() {
			refreshed = true
			if rerr := c.oauth.refreshAfter(ctx); rerr != nil {
				return nil, rerr
			}
			attempt-- // A refresh is not a retry.
			continue
		}
		if HasCode(err, CodeOperationTimeLimit) {
			var apiErr *APIError
			errors.As(err, &apiErr)
			apiErr.OperatingResetAt = c.knownResetAt(method)
			if attempt < c.cfg.MaxRetries && c.canWaitOperating(ctx, method) {
				continue // waitOperating sleeps at the top of the loop.
			}
			return nil, err
		}
		if !retryable(err) {
			return nil, wrapAttempts(attempt, err)
		}
		if attempt >= c.cfg.MaxRetries {
			return nil, wrapAttempts(attempt, err)
		}
		delay := c.backoff(attempt)
		c.warn(ctx, "Bitrix24 request failed, retrying", map[string]any{
			"method": method, "attempt": attempt + 1, "max_retries": c.cfg.MaxRetries,
			"delay_ms": delay.Milliseconds(), "error": err.Error(),
		})
		if err := sleep(ctx, delay); err != nil {
			return nil, err
		}
	}
}

func wrapAttempts(attempt int, err error) error {
	if attempt == 0 {
		return err
	}
	return &RetriesExhaustedError{Attempts: attempt + 1, Last: err}
}

// retryable reports whether a failed read may succeed if sent again.
// im.dialog.get and batch of reads are safe to repeat.
func retryable(err error) bool {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		switch strings.ToUpper(apiErr.Code) {
		case CodeQueryLimitExceeded, CodeInternalServerError, CodeUnexpectedAnswer:
			return true
		case "":
			return apiErr.HTTPStatus == 502 || apiErr.HTTPStatus == 503 || apiErr.HTTPStatus == 504
		}
		return false
	}
	var respErr *ResponseError
	if errors.As(err, &respErr) {
		switch respErr.HTTPStatus {
		case 500, 502, 503, 504:
			return true
		}
		return strings.Contains(respErr.Reason, "truncated")
	}
	var timeoutErr *TimeoutError
	if errors.As(err, &timeoutErr) {
		return true
	}
	var transportErr *TransportError
	if errors.As(err, &transportErr) {
		return transportErr.Temporary
	}
	return false
}

// backoff is exponential with full jitter in [d/2, d].
func (c *Client) backoff(attempt int) time.Duration {
	d := c.cfg.RetryBaseDelay << attempt
	if d > c.cfg.RetryMaxDelay || d <= 0 {
		d = c.cfg.RetryMaxDelay
	}
	half := d / 2
	return half + time.Duration(rand.Int64N(int64(half)+1))
}

// noteTime remembers when the method unblocks, from the last answer.
func (c *Client) noteTime(method string, tb *TimeBlock) {
	if tb == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if tb.OperatingResetAt.Valid {
		c.resetAt[method] = time.Unix(tb.OperatingResetAt.Value, 0)
	}
}

func (c *Client) knownResetAt(method string) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.resetAt[method]
}

// canWaitOperating reports whether a method blocked by OPERATION_TIME_LIMIT
// unblocks at a known time that is within both the context's deadline and
// MaxOperatingWait. It marks the method blocked so the next attempt waits.
func (c *Client) canWaitOperating(ctx context.Context, method string) bool {
	reset := c.knownResetAt(method)
	if reset.IsZero() {
		return false
	}
	wait := time.Until(reset)
	if wait > c.cfg.MaxOperatingWait {
		return false
	}
	if deadline, ok := ctx.Deadline(); ok && reset.After(deadline) {
		return false
	}
	c.mu.Lock()
	c.blocked[method] = true
	c.mu.Unlock()
	return true
}

// waitOperating sleeps until a blocked method unblocks.
func (c *Client) waitOperating(ctx context.Context, method string) error {
	c.mu.Lock()
	blocked := c.blocked[method]
	reset := c.resetAt[method]
	c.mu.Unlock()
	if !blocked {
		return nil
	}
	if wait := time.Until(reset); wait > 0 {
		c.warn(ctx, "Bitrix24 method blocked by the operating time limit; waiting until it unblocks", map[string]any{
			"method": method, "operating_reset_at": reset.UTC().Format(time.RFC3339), "wait_ms": wait.Milliseconds(),
		})
		if err := sleep(ctx, wait); err != nil {
			return err
		}
	}
	c.mu.Lock()
	delete(c.blocked, method)
	c.mu.Unlock()
	return nil
}
