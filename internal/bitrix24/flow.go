package bitrix24

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/clock"
)

// flowControl paces requests with a model of the portal's leaky bucket
// (every request adds one, the bucket drains at a rate per second, and a
// request that would overflow the burst waits until it fits) and adapts
// that model to the portal's answers, as TCP's AIMD does:
//
//   - A refusal (QUERY_LIMIT_EXCEEDED, or 429/503 with Retry-After) means
//     the portal's bucket is full right now, whoever filled it: the model's
//     bucket becomes full and its rate halves, at most once per round of
//     requests (only a request sent after the last cut can cut again).
//   - The rate grows back with time, by a tenth of the configured rate a
//     second, up to the configured rate (with pacing off, by 10% a second,
//     without a cap). Growth by time rather than by accepted request is
//     what makes plans that share a bucket converge on equal shares: a
//     plan whose rate was cut low recovers as fast as one that was not.
//
// So several plans (and other integrations) that share one portal's bucket
// converge on a share of its drain rate instead of overflowing it.
//
// With pacing off (rate 0, for self-hosted portals without limits) requests
// are not held at all until the portal first refuses one; from then on the
// model starts from a standard cloud portal's bucket and adapts as above.
type flowControl struct {
	clock clock.Clock

	mu       sync.Mutex
	paced    bool    // false while pacing is off and nothing was refused
	maxRate  float64 // the configured rate; 0 when pacing is off
	rate     float64 // the rate now
	burst    float64
	level    float64
	last     time.Time // when level was last computed
	lastCut  time.Time // when the rate was last cut
	lastGrow time.Time // when the rate last grew
	refusals int
}

// minRate is the lowest rate refusals can cut to: one request in 20 s.
const minRate = 0.05

// newFlowControl returns a model of a bucket that drains rate requests per
// second and holds burst; rate 0 turns pacing off. It keeps one place free
// when burst allows: the portal counts a request when it arrives, later
// than the client counts it, so requests that travel slowly would otherwise
// overflow the portal's bucket by one.
func newFlowControl(c clock.Clock, rate float64, burst int) *flowControl {
	f := &flowControl{clock: c, maxRate: rate, rate: rate, paced: rate > 0}
	f.setBurst(burst)
	return f
}

func (f *flowControl) setBurst(burst int) {
	if burst > 1 {
		burst--
	}
	f.burst = float64(burst)
}

// drain lowers the level by what drained since it was last computed, and
// lets the rate grow back; the caller holds mu.
func (f *flowControl) drain(now time.Time) {
	if !f.last.IsZero() {
		f.level = math.Max(0, f.level-now.Sub(f.last).Seconds()*f.rate)
	}
	f.last = now
	if !f.lastGrow.IsZero() {
		elapsed := now.Sub(f.lastGrow).Seconds()
		if f.maxRate == 0 {
			f.rate *= math.Pow(1.1, elapsed)
		} else {
			f.rate = math.Min(f.maxRate, f.rate+f.maxRate/10*elapsed)
		}
	}
	f.lastGrow = now
}

// reserve books a place for one request and returns how long to wait
// before sending it.
func (f *flowControl) reserve() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.paced {
		return 0
	}
	f.drain(f.clock.Now())
	f.level++
	if f.level <= f.burst {
		return 0
	}
	return seconds((f.level - f.burst) / f.rate)
}

// Delay says how long a request sent now would wait, without booking it.
func (f *flowControl) Delay() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.paced {
		return 0
	}
	f.drain(f.clock.Now())
	if f.level+1 <= f.burst {
		return 0
	}
	return seconds((f.level + 1 - f.burst) / f.rate)
}

// cancel gives back a reservation that was not used.
func (f *flowControl) cancel() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.level >= 1 {
		f.level--
	}
}

// Wait blocks until one more request fits, or ctx ends. It returns how long
// it waited.
func (f *flowControl) Wait(ctx context.Context) (time.Duration, error) {
	d := f.reserve()
	if d <= 0 {
		return 0, nil
	}
	if err := f.clock.Sleep(ctx, d); err != nil {
		f.cancel()
		return 0, err
	}
	return d, nil
}

// refused records that the portal refused a request sent at sent because
// its bucket was full. It returns the rate from now on.
func (f *flowControl) refused(sent time.Time) float64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refusals++
	now := f.clock.Now()
	f.drain(now) // Level and growth up to now, at the rate so far.
	if !f.paced {
		// The portal has a limit after all: start from a standard cloud
		// portal's bucket.
		f.paced = true
		f.rate = DefaultRateLimit
		f.setBurst(DefaultRateLimitBurst)
		f.lastCut = now
	} else if sent.After(f.lastCut) || sent.Equal(f.lastCut) {
		f.rate = math.Max(minRate, f.rate/2)
		f.lastCut = now
	}
	f.lastGrow = now
	f.level = math.Max(f.level, f.burst)
	return f.rate
}

// snapshot returns the rate now and how many refusals were seen, for logs
// and tests.
func (f *flowControl) snapshot() (rate float64, refusals int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rate, f.refusals
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
