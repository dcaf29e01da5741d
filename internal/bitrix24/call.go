package bitrix24

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/clock"
)

// Call calls a REST method and returns its "result". It waits for the flow
// control, retries what the retry table (classify) allows, refreshes an
// expired OAuth token once, fails at once while the portal is down (the
// breaker), and stops as soon as ctx ends.
func (c *Client) Call(ctx context.Context, method string, params map[string]any) (json.RawMessage, error) {
	out, err := c.call(ctx, method, params)
	return out.Result, err
}

// call is Call with the whole reply: the result, and a list's total and
// next keys.
func (c *Client) call(ctx context.Context, method string, params map[string]any) (reply, error) {
	return c.callWith(ctx, c.newRetrier(), method, params)
}

// callWith is call within the retry budget r of a read: every request of
// the read, at the batch and the call layer, spends the one budget.
func (c *Client) callWith(ctx context.Context, r *retrier, method string, params map[string]any) (reply, error) {
	refreshed := false
	for {
		result, sent, err := c.attempt(ctx, r, method, params)
		if errors.Is(err, errOutOfBusyTime) {
			return reply{}, r.fail(r.last)
		}
		if !sent.IsZero() {
			r.attempts++
			r.lastSent = sent
		}
		if err == nil {
			return result, nil
		}
		if ctx.Err() != nil {
			return reply{}, ctx.Err()
		}
		if sent.IsZero() { // Nothing was sent: the breaker is open.
			return reply{}, err
		}
		if classify(err) == retryRefresh {
			if refreshed || c.oauth == nil || !c.oauth.canRefresh() {
				return reply{}, r.fail(err)
			}
			refreshed = true
			if rerr := c.oauth.refreshAfter(ctx); rerr != nil {
				return reply{}, rerr
			}
			continue
		}
		wait, ok := r.next(ctx, err, sent)
		if !ok {
			return reply{}, r.fail(err)
		}
		msg := "Bitrix24 request failed, retrying"
		if classify(err) == retryOperating {
			msg = "Bitrix24 method blocked by the operating time limit; waiting until it unblocks"
		}
		c.warn(ctx, msg, map[string]any{
			"method": method, "attempt": r.attempts, "max_retries": c.cfg.MaxRetries,
			"delay_ms": wait.Milliseconds(), "error": err.Error(),
		})
		if err := c.clock.Sleep(ctx, wait); err != nil {
			return reply{}, err
		}
	}
}

// errOutOfBusyTime says that the flow control would hold a retry of a busy
// portal past the read's busy_timeout.
var errOutOfBusyTime = errors.New("the flow control would wait past busy_timeout")

// attempt sends one request once the method is not blocked, the breaker
// is closed and the flow control lets it go, and records the outcome. sent
// is when the request left, after every wait; zero when nothing was sent.
func (c *Client) attempt(ctx context.Context, r *retrier, method string, params map[string]any) (result reply, sent time.Time, err error) {
	if err := c.waitOperating(ctx, method); err != nil {
		return reply{}, time.Time{}, err
	}
	if err := c.breaker.allow(); err != nil {
		return reply{}, time.Time{}, err
	}
	var deadline time.Time
	if r.busy > 0 { // A retry of a busy portal ends within busy_timeout.
		deadline = r.start.Add(c.cfg.BusyTimeout)
	}
	if waited, err := c.flow.Acquire(ctx, deadline); err != nil {
		c.breaker.abandon()
		return reply{}, time.Time{}, err
	} else if waited > time.Second {
		c.debug(ctx, "Waited for the client-side rate limit", map[string]any{"method": method, "wait_ms": waited.Milliseconds()})
	}
	sent = c.clock.Now()
	result, tb, err := c.send(ctx, method, params)
	c.noteTime(method, tb)
	if ctx.Err() == nil {
		c.breaker.record(unreachable(err), err)
		c.flow.settle(!unreachable(err) && classify(err) != retryBusy)
	} else {
		c.breaker.abandon()
		c.flow.settle(false)
	}
	return result, sent, err
}

// noteTime remembers when the method unblocks, from the last answer.
func (c *Client) noteTime(method string, tb *TimeBlock) {
	if tb == nil || !tb.OperatingResetAt.Valid {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.resetAt[method] = time.Unix(tb.OperatingResetAt.Value, 0)
}

func (c *Client) knownResetAt(method string) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.resetAt[method]
}

// block holds every call of method until its known reset time.
func (c *Client) block(method string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.blocked[method] = true
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
	if wait := clock.Until(c.clock, reset); wait > 0 {
		c.warn(ctx, "Bitrix24 method blocked by the operating time limit; waiting until it unblocks", map[string]any{
			"method": method, "operating_reset_at": reset.UTC().Format(time.RFC3339), "wait_ms": wait.Milliseconds(),
		})
		if err := c.clock.Sleep(ctx, wait); err != nil {
			return err
		}
	}
	c.mu.Lock()
	delete(c.blocked, method)
	c.mu.Unlock()
	return nil
}
