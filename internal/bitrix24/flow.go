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
// that model to the portal's answers, as TCP's congestion control does.
// DESIGN.md ("Flow control") states the rules and the measurements behind
// them.
type flowControl struct {
	clock clock.Clock

	mu       sync.Mutex
	paced    bool    // false while pacing is off and nothing was refused
	maxRate  float64 // the configured rate; 0 when pacing is off
	ceiling  float64 // the rate grows up to this
	rate     float64 // the rate now
	burst    float64
	level    float64
	last     time.Time // when level was last computed
	lastCut  time.Time // when the rate was last cut
	lastGrow time.Time // when the rate last grew
	refusals int

	// window is how many requests may be in flight (sent and not yet
	// answered): it starts at initialWindow and grows by one per accepted
	// request, without a cap until the first refusal and up to maxWindow
	// after it; a refusal closes it to one.
	window   float64
	inflight int
	changed  chan struct{} // closed and replaced when a request settles

	// sendRate estimates the requests sent per second (decaying over
	// sendRateTau), for the ceiling of an unpaced model's first refusal.
	sendRate   float64
	sendRateAt time.Time
}

const (
	// minRate is the lowest rate refusals can cut to: one request in 20 s.
	minRate = 0.05
	// initialWindow is how many requests may be in flight before the
	// first is answered: a plan that starts into a bucket other plans
	// have filled collects one refusal. Until the portal first refuses a
	// request, every accepted request widens the window by one (slow
	// start, doubling every round trip, with no cap: a lone plan with
	// nothing refused has no reason to hold back below the bucket model).
	// After a refusal the window is one request and grows to maxWindow at
	// most, and each refusal closes it to one again: every request in
	// flight when the portal's bucket fills is refused, and with pacing on
	// the bucket model, not the window, sets the pace.
	initialWindow = 1
	maxWindow     = 2
	// growthPerSecond is how much the rate grows back a second right after
	// a cut, as a fraction of its ceiling; the growth speeds up with the
	// time since the cut, by growthPerSecond more every accelSeconds
	// (t seconds after a cut the rate has grown by
	// growthPerSecond*(t + t²/(2*accelSeconds)) of the ceiling). While
	// plans share the bucket, refusals come every few seconds and the
	// growth stays slow; a plan left alone after the others finished gets
	// its rate back in tens of seconds, not minutes.
	growthPerSecond = 0.0075
	accelSeconds    = 10
	// A refusal multiplies the rate by firstCut the first time, by cut
	// later, and by deepCut when the previous cut is less than
	// deepenRounds requests (at the rate then) old: the portal is still
	// overflowing, so the plan's share is far lower.
	firstCut     = 0.125
	cut          = 0.5
	deepCut      = 0.25
	deepenRounds = 3
	sendRateTau  = 5 * time.Second
)

// newFlowControl returns a model of a bucket that drains rate requests per
// second and holds burst; rate 0 turns pacing off. It keeps one place free
// when burst allows: the portal counts a request when it arrives, later
// than the client counts it, so requests that travel slowly would otherwise
// overflow the portal's bucket by one.
func newFlowControl(c clock.Clock, rate float64, burst int) *flowControl {
	f := &flowControl{clock: c, maxRate: rate, ceiling: rate, rate: rate, paced: rate > 0, changed: make(chan struct{})}
	f.setBurst(burst)
	f.window = initialWindow
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
	if !f.lastGrow.IsZero() && f.rate < f.ceiling {
		elapsed := now.Sub(f.lastGrow).Seconds()
		grown := elapsed
		if !f.lastCut.IsZero() { // The integral of 1 + t/accelSeconds.
			a := math.Max(0, f.lastGrow.Sub(f.lastCut).Seconds())
			b := math.Max(0, now.Sub(f.lastCut).Seconds())
			grown += (b*b - a*a) / (2 * accelSeconds)
		}
		f.rate = math.Min(f.ceiling, f.rate+f.ceiling*growthPerSecond*grown)
	}
	f.lastGrow = now
}

// admit takes a place in the window, if there is one.
func (f *flowControl) admit() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.paced && float64(f.inflight) >= math.Floor(f.window) {
		return false
	}
	f.inflight++
	return true
}

// settle gives back a place taken by admit once the request is answered
// or abandoned; accepted says the portal took it into its bucket, which
// widens the window by one (up to maxWindow once a request was refused).
func (f *flowControl) settle(accepted bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.inflight > 0 {
		f.inflight--
	}
	switch {
	case !accepted:
	case f.refusals == 0:
		f.window++ // Slow start: no cap until the first refusal.
	case f.window < maxWindow:
		f.window++
	}
	close(f.changed)
	f.changed = make(chan struct{})
}

// Acquire blocks until a request may be sent: a place in the window, and
// room in the bucket model. It returns how long it waited. The caller
// settles the request once it is answered. With a deadline, it fails with
// errOutOfBusyTime instead of waiting past it.
func (f *flowControl) Acquire(ctx context.Context, deadline time.Time) (time.Duration, error) {
	start := f.clock.Now()
	var late chan struct{} // closed at the deadline; nil (never) without one
	for !f.admit() {
		f.mu.Lock()
		ch := f.changed
		f.mu.Unlock()
		if f.admit() {
			break
		}
		if late == nil && !deadline.IsZero() {
			// The wait for a place counts against the deadline too:
			// another read's request may hold it for its whole pacing
			// wait and request timeout.
			late = make(chan struct{})
			timer := f.clock.AfterFunc(clock.Until(f.clock, deadline), func() { close(late) })
			defer timer.Stop()
		}
		select {
		case <-ch:
		case <-late:
			return 0, errOutOfBusyTime
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	d := f.reserve()
	if !deadline.IsZero() && f.clock.Now().Add(d).After(deadline) {
		f.cancel()
		f.settle(false)
		return 0, errOutOfBusyTime
	}
	if d > 0 {
		if err := f.clock.Sleep(ctx, d); err != nil {
			f.cancel()
			f.settle(false)
			return 0, err
		}
	}
	return clock.Since(f.clock, start), nil
}

// reserve books a place for one request and returns how long to wait
// before sending it.
func (f *flowControl) reserve() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.clock.Now()
	f.noteSend(now)
	if !f.paced {
		return 0
	}
	f.drain(now)
	f.level++
	if f.level <= f.burst {
		return 0
	}
	return seconds((f.level - f.burst) / f.rate)
}

// noteSend updates the estimate of the send rate; the caller holds mu.
func (f *flowControl) noteSend(now time.Time) {
	if !f.sendRateAt.IsZero() {
		f.sendRate *= math.Exp(-now.Sub(f.sendRateAt).Seconds() / sendRateTau.Seconds())
	}
	f.sendRate += 1 / sendRateTau.Seconds()
	f.sendRateAt = now
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

// Wait blocks until one more request fits the bucket model, or ctx ends.
// It returns how long it waited.
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
		// portal's bucket, and grow up to twice the rate that was refused.
		f.paced = true
		f.rate = DefaultRateLimit
		f.ceiling = 2 * math.Max(DefaultRateLimit, f.sendRate)
		f.setBurst(DefaultRateLimitBurst)
		f.lastCut = now
		f.window = 1
	} else if !sent.Before(f.lastCut) {
		if f.maxRate == 0 {
			f.ceiling = 2 * f.rate
		}
		factor := cut
		switch {
		case f.lastCut.IsZero():
			factor = firstCut
		case now.Sub(f.lastCut) < seconds(deepenRounds/f.rate):
			factor = deepCut
		}
		f.rate = math.Max(minRate, f.rate*factor)
		f.lastCut = now
		f.window = 1
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
