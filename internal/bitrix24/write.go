package bitrix24

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// AmbiguousError is a write whose outcome is unknown: the request was sent,
// and the answer was lost (a reset, a timeout, a cut-off body, an HTML page,
// a 5xx). The portal may or may not have run the method.
type AmbiguousError struct {
	Method string
	// Err is what the client got instead of an answer.
	Err error
}

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("%s: the portal's answer was lost, so whether it ran is unknown: %v", e.Method, e.Err)
}

func (e *AmbiguousError) Unwrap() error { return e.Err }

// IsAmbiguous reports whether err is a write whose outcome is unknown.
func IsAmbiguous(err error) bool {
	var a *AmbiguousError
	return errors.As(err, &a)
}

// refusedBeforeRun reports whether the portal refused a request before the
// method ran, so that sending it again cannot run the method twice:
// OPERATION_TIME_LIMIT is raised by CRestServer::processCall before it looks
// up the method's callback (rest/classes/general/rest.php);
// QUERY_LIMIT_EXCEEDED comes from the cloud's limiter in front of the
// portal (it is not in the rest module at all); an expired token is refused
// by the auth layer; a 429 says the request was not processed. A 503 without a code, even with Retry-After, may come from a
// proxy after the portal ran the method, so it is not counted here.
func refusedBeforeRun(err error) bool {
	switch classify(err) {
	case retryOperating, retryRefresh:
		return true
	case retryBusy:
		if HasCode(err, CodeQueryLimitExceeded) {
			return true
		}
		var apiErr *APIError
		var respErr *ResponseError
		return (errors.As(err, &apiErr) && apiErr.HTTPStatus == http.StatusTooManyRequests) ||
			(errors.As(err, &respErr) && respErr.HTTPStatus == http.StatusTooManyRequests)
	}
	return false
}

// CallWrite calls a method that changes the portal, once. It goes through
// the same flow control, breaker and operating-time waits as Call, and
// retries only answers that say the method did not run (refusedBeforeRun).
// Every other failure after the request left is returned as an
// *AmbiguousError: the caller decides, after reading the portal, whether to
// send it again. An error answer with a code (WRONG_REQUEST, ACCESS_ERROR, …)
// is returned as it is: the method ran and refused.
func (c *Client) CallWrite(ctx context.Context, method string, params map[string]any) (json.RawMessage, error) {
	r := c.newRetrier()
	refreshed := false
	for {
		result, sent, err := c.attempt(ctx, r, method, params)
		if errors.Is(err, errOutOfBusyTime) { // Nothing was sent: the flow control would wait past busy_timeout.
			return nil, r.fail(r.last)
		}
		if !sent.IsZero() {
			r.attempts++
			r.lastSent = sent
		}
		if err == nil {
			return result.Result, nil
		}
		if sent.IsZero() { // Nothing was sent: the breaker is open, or ctx ended while waiting.
			return nil, err
		}
		if ctx.Err() != nil {
			return nil, &AmbiguousError{Method: method, Err: ctx.Err()}
		}
		if !refusedBeforeRun(err) {
			// A busy answer that is not a refusal (a 503 with Retry-After
			// and no code) may come from a proxy after the method ran.
			if cl := classify(err); cl == retryTransient || cl == retryBusy || unreachable(err) {
				return nil, &AmbiguousError{Method: method, Err: err}
			}
			return nil, err
		}
		if classify(err) == retryRefresh {
			if refreshed || c.oauth == nil || !c.oauth.canRefresh() {
				return nil, r.fail(err)
			}
			refreshed = true
			if rerr := c.oauth.refreshAfter(ctx); rerr != nil {
				return nil, rerr
			}
			continue
		}
		wait, ok := r.next(ctx, err, sent)
		if !ok {
			return nil, r.fail(err)
		}
		c.warn(ctx, "Bitrix24 refused a write before running it, retrying", map[string]any{
			"method": method, "attempt": r.attempts, "delay_ms": wait.Milliseconds(), "error": err.Error(),
		})
		if err := c.clock.Sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// Ensure runs an idempotent write. When its outcome is unknown
// (*AmbiguousError), needed reads the portal and says whether the change is
// still to be made; the write is sent again only then, up to MaxRetries
// times, with the client's backoff between tries. It returns nil once the
// write succeeded or a read showed it done.
func (c *Client) Ensure(ctx context.Context, write func(context.Context) error, needed func(context.Context) (bool, error)) error {
	err := write(ctx)
	for try := 0; IsAmbiguous(err) && try < max(c.cfg.MaxRetries, 1); try++ {
		if serr := c.clock.Sleep(ctx, c.backoff(try, c.cfg.RetryBaseDelay, c.cfg.RetryMaxDelay)); serr != nil {
			return serr
		}
		still, rerr := needed(ctx)
		if rerr != nil {
			return fmt.Errorf("%w; reading the portal afterwards to see whether it ran failed too: %w", err, rerr)
		}
		if !still {
			c.debug(ctx, "A write whose answer was lost turned out to be done", map[string]any{"error": err.Error()})
			return nil
		}
		c.warn(ctx, "A write whose answer was lost is still needed; sending it again", map[string]any{"error": err.Error()})
		err = write(ctx)
	}
	return err
}

// lookupDelays are the waits before each look-up for a chat whose creation
// answer was lost: the request may still be running on the portal.
var lookupDelays = []time.Duration{0, 2 * time.Second, 5 * time.Second}
