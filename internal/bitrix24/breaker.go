package bitrix24

import (
	"sync"
	"time"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/clock"
)

// breaker notices a portal that is plainly down: after breakerThreshold
// requests in a row, across all reads, got no answer at all (connection
// failures or timeouts), every further call fails at once with a
// PortalDownError instead of waiting out its own timeouts and retries.
// After breakerCooldown one request may try again; an answer of any kind
// closes the breaker.
type breaker struct {
	clock clock.Clock

	mu       sync.Mutex
	failures int       // requests in a row without an answer
	openedAt time.Time // zero while closed
	probing  bool      // a request is trying the portal while open
	last     error     // the last failure, for the error
}

const (
	breakerThreshold = 5
	breakerCooldown  = 30 * time.Second
)

// allow reports whether a request may be sent now, and if not, the error
// to fail with.
func (b *breaker) allow() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.openedAt.IsZero() {
		return nil
	}
	if !b.probing && clock.Since(b.clock, b.openedAt) >= breakerCooldown {
		b.probing = true
		return nil
	}
	return &PortalDownError{Failures: b.failures, Last: b.last}
}

// record notes the outcome of one request: unreachable means the portal
// gave no answer at all.
func (b *breaker) record(unreachable bool, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.probing = false
	if !unreachable {
		b.failures, b.openedAt, b.last = 0, time.Time{}, nil
		return
	}
	b.failures++
	b.last = err
	if b.failures >= breakerThreshold {
		b.openedAt = b.clock.Now()
	}
}

// abandon notes that a request allowed by allow was not sent, or its
// outcome is unknown (the plan was cancelled): a probe may go again.
func (b *breaker) abandon() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.probing = false
}
