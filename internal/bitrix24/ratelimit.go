package bitrix24

import (
	"context"
	"sync"
	"time"
)

// LeakyBucket paces requests the way the portal counts them: every request
// adds one to the bucket, the bucket drains at rate per second, and a request
// that would overflow burst waits until it fits. It never lets more through
// than the portal accepts, so the portal need not answer QUERY_LIMIT_EXCEEDED.
type LeakyBucket struct {
	mu    sync.Mutex
	rate  float64
	burst float64
	level float64
	last  time.Time
	now   func() time.Time
}

// NewLeakyBucket returns a bucket that drains rate requests per second and
// holds burst. It keeps one place free when burst allows: the portal counts
// a request when it arrives, which is later than when the client counted it,
// so requests that travel slowly would otherwise overflow the portal's
// bucket by one.
func NewLeakyBucket(rate float64, burst int) *LeakyBucket {
	if burst > 1 {
		burst--
	}
	return &LeakyBucket{rate: rate, burst: float64(burst), now: time.Now}
}

// Reserve books a place for one request and returns how long to wait before
// sending it.
func (b *LeakyBucket) Reserve() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if !b.last.IsZero() {
		b.level -= now.Sub(b.last).Seconds() * b.rate
		if b.level < 0 {
			b.level = 0
		}
	}
	b.last = now
	b.level++
	if b.level <= b.burst {
		return 0
	}
	return time.Duration((b.level - b.burst) / b.rate * float64(time.Second))
}

// Delay says how long a request sent now would wait, without booking it.
func (b *LeakyBucket) Delay() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	level := b.level
	if !b.last.IsZero() {
		level -= b.now().Sub(b.last).Seconds() * b.rate
		if level < 0 {
			level = 0
		}
	}
	if level+1 <= b.burst {
		return 0
	}
	return time.Duration((level + 1 - b.burst) / b.rate * float64(time.Second))
}

// cancel gives back a reservation that was not used.
func (b *LeakyBucket) cancel() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.level >= 1 {
		b.level--
	}
}

// Wait blocks until one more request fits, or ctx ends. It returns how long
// it waited.
func (b *LeakyBucket) Wait(ctx context.Context) (time.Duration, error) {
	d := b.Reserve()
	if d <= 0 {
		return 0, nil
	}
	if err := sleep(ctx, d); err != nil {
		b.cancel()
		return 0, err
	}
	return d, nil
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
