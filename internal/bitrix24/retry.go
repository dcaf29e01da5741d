package bitrix24

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/clock"
)

// retryClass says whether and how a failed request is tried again. The
// table is classify; DESIGN.md ("Retries") explains it.
type retryClass int

const (
	// retryNever: the answer is final (bad credentials, no access, a
	// manual overload block, …).
	retryNever retryClass = iota
	// retryBusy: the portal's rate limit is full right now. Retried until
	// Config.BusyTimeout runs out, after a jittered backoff or the
	// answer's Retry-After, whichever is longer; the flow control slows
	// down.
	retryBusy
	// retryTransient: a passing fault (5xx, a cut-off body, a reset, a
	// timeout). Retried up to Config.MaxRetries times with backoff.
	retryTransient
	// retryOperating: OPERATION_TIME_LIMIT. Waited out when the method
	// unblocks within Config.MaxOperatingWait; counts as a retry.
	retryOperating
	// retryRefresh: the OAuth access token expired or is invalid.
	// Refreshed once, when the refresh settings are there.
	retryRefresh
)

// classify is the retry table. Reads (im.dialog.get, and batches of
// reads) are safe to repeat, so any failure that may pass is retried.
func classify(err error) retryClass {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		switch {
		case HasCode(err, CodeQueryLimitExceeded):
			return retryBusy
		case HasCode(err, CodeOperationTimeLimit):
			return retryOperating
		case HasCode(err, CodeExpiredToken), HasCode(err, CodeInvalidToken):
			return retryRefresh
		case HasCode(err, CodeOverloadLimit):
			return retryNever
		case HasCode(err, CodeInternalServerError), HasCode(err, CodeUnexpectedAnswer), HasCode(err, CodeConnectionError):
			return retryTransient
		case apiErr.Code != "":
			return retryNever
		}
		return statusClass(apiErr.HTTPStatus, apiErr.RetryAfter, false)
	}
	var respErr *ResponseError
	if errors.As(err, &respErr) {
		return statusClass(respErr.HTTPStatus, respErr.RetryAfter, respErr.truncated)
	}
	var timeoutErr *TimeoutError
	if errors.As(err, &timeoutErr) {
		return retryTransient
	}
	var transportErr *TransportError
	if errors.As(err, &transportErr) && transportErr.Temporary {
		return retryTransient
	}
	return retryNever
}

// statusClass classifies an answer without a usable error code by its
// HTTP status: 429, and 503 with Retry-After, say "busy"; other 5xx and
// cut-off bodies are transient.
func statusClass(status int, retryAfter time.Duration, truncated bool) retryClass {
	switch {
	case status == http.StatusTooManyRequests, status == http.StatusServiceUnavailable && retryAfter > 0:
		return retryBusy
	case status == 500, status == 502, status == 503, status == 504, truncated:
		return retryTransient
	}
	return retryNever
}

// retrier is the retry budget of one read: every request the read sends,
// whether a batch call of its commands or the retry of a few of them,
// spends it. Config.BusyTimeout bounds the whole read while the portal is
// busy (counted from the read's start), and Config.MaxRetries the retries
// after passing faults, so a read sends at most MaxRetries+1 requests
// that fail that way.
type retrier struct {
	c          *Client
	start      time.Time
	attempts   int       // requests sent
	transient  int       // retries counted against MaxRetries
	busy       int       // retries because the portal was busy
	lastSent   time.Time // when the last request left, after its waits
	last       error     // the last error retried
	retryAfter time.Duration
}

func (c *Client) newRetrier() *retrier {
	return &retrier{c: c, start: c.clock.Now()}
}

// next is called after a failed attempt sent at sent. It returns how long
// to wait before the next attempt, or false when the call gives up (then
// fail gives the error to return).
func (r *retrier) next(ctx context.Context, err error, sent time.Time) (time.Duration, bool) {
	c := r.c
	r.last = err
	switch classify(err) {
	case retryBusy:
		c.flow.refused(sent)
		wait := c.backoff(r.busy, busyBaseDelay, busyMaxDelay)
		ra := retryAfter(err)
		if ra > wait {
			wait = ra + jitter(ra/10+100*time.Millisecond)
		}
		if clock.Since(c.clock, r.start)+wait > c.cfg.BusyTimeout {
			if ra > 0 && clock.Since(c.clock, r.start)+ra > c.cfg.BusyTimeout {
				r.retryAfter = ra // The portal asked for more than is left.
			}
			return 0, false
		}
		r.busy++
		return wait, true
	case retryTransient:
		if r.transient >= c.cfg.MaxRetries {
			return 0, false
		}
		wait := c.backoff(r.transient, c.cfg.RetryBaseDelay, c.cfg.RetryMaxDelay)
		r.transient++
		return wait, true
	case retryOperating:
		var apiErr *APIError
		errors.As(err, &apiErr)
		reset := c.knownResetAt(apiErr.Method)
		wait := clock.Until(c.clock, reset)
		if reset.IsZero() || wait <= 0 || wait > c.cfg.MaxOperatingWait || r.transient >= c.cfg.MaxRetries {
			return 0, false
		}
		if deadline, ok := ctx.Deadline(); ok && reset.After(deadline) {
			return 0, false
		}
		c.block(apiErr.Method) // Other calls of the method wait too.
		r.transient++
		return wait, true
	}
	return 0, false
}

// fail returns the error of a call that gave up on err.
func (r *retrier) fail(err error) error {
	var apiErr *APIError
	if errors.As(err, &apiErr) && HasCode(err, CodeOperationTimeLimit) {
		if reset := r.c.knownResetAt(apiErr.Method); reset.After(r.c.clock.Now()) {
			apiErr.OperatingResetAt = reset
			apiErr.UnblocksIn = clock.Until(r.c.clock, reset)
		}
	}
	if r.attempts <= 1 && r.retryAfter == 0 {
		return err
	}
	busy := classify(err) == retryBusy
	e := &RetriesExhaustedError{
		Attempts: r.attempts, Last: err,
		Busy: busy, Waited: clock.Since(r.c.clock, r.start),
	}
	if busy {
		e.RetryAfter, e.BusyTimeout = r.retryAfter, r.c.cfg.BusyTimeout
	}
	return e
}

// A busy portal's retries wait little themselves: the flow control, whose
// bucket model is full and whose rate is cut after a refusal, paces them.
const (
	busyBaseDelay = 500 * time.Millisecond
	busyMaxDelay  = 4 * time.Second
)

// backoff is exponential from base, capped at ceiling, with jitter in [d/2, d]
// so that concurrent plans do not retry in lockstep.
func (c *Client) backoff(n int, base, ceiling time.Duration) time.Duration {
	d := base << min(n, 30)
	if d > ceiling || d <= 0 {
		d = ceiling
	}
	return d/2 + jitter(d/2)
}

// jitter is a random duration in [0, d].
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(d) + 1))
}

func retryAfter(err error) time.Duration {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.RetryAfter
	}
	var respErr *ResponseError
	if errors.As(err, &respErr) {
		return respErr.RetryAfter
	}
	return 0
}

// unreachable reports whether a request got no answer at all.
func unreachable(err error) bool {
	var timeoutErr *TimeoutError
	var transportErr *TransportError
	return errors.As(err, &timeoutErr) || errors.As(err, &transportErr)
}
