package clock

import (
	"context"
	"sort"
	"sync"
	"time"
)

// Fake is a Clock for tests. Its time moves only by Advance; sleepers and
// timers whose time has come run then, in order of their due time.
type Fake struct {
	mu      sync.Mutex
	cond    *sync.Cond
	now     time.Time
	waiters []*waiter
	seq     int
}

type waiter struct {
	due   time.Time
	seq   int
	fire  func()
	fired bool
	f     *Fake
}

// NewFake returns a fake clock that starts at start.
func NewFake(start time.Time) *Fake {
	f := &Fake{now: start}
	f.cond = sync.NewCond(&f.mu)
	return f
}

// Now returns the fake time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// Sleep waits until the fake time has advanced by d, or ctx ends.
func (f *Fake) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	ch := make(chan struct{})
	w := f.add(d, func() { close(ch) })
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		w.Stop()
		return ctx.Err()
	}
}

// AfterFunc calls fn in its own goroutine once the fake time has advanced by d.
func (f *Fake) AfterFunc(d time.Duration, fn func()) Timer {
	return f.add(d, func() { go fn() })
}

func (f *Fake) add(d time.Duration, fire func()) *waiter {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	w := &waiter{due: f.now.Add(d), seq: f.seq, fire: fire, f: f}
	f.waiters = append(f.waiters, w)
	f.cond.Broadcast()
	if d <= 0 {
		f.fireDue()
	}
	return w
}

// Stop implements Timer.
func (w *waiter) Stop() bool {
	w.f.mu.Lock()
	defer w.f.mu.Unlock()
	for i, x := range w.f.waiters {
		if x == w {
			w.f.waiters = append(w.f.waiters[:i], w.f.waiters[i+1:]...)
			return !w.fired
		}
	}
	return false
}

// Advance moves the fake time forward by d and fires what has come due.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
	f.fireDue()
}

// fireDue runs the waiters that are due, oldest first; the caller holds mu.
func (f *Fake) fireDue() {
	sort.SliceStable(f.waiters, func(i, j int) bool {
		if !f.waiters[i].due.Equal(f.waiters[j].due) {
			return f.waiters[i].due.Before(f.waiters[j].due)
		}
		return f.waiters[i].seq < f.waiters[j].seq
	})
	keep := f.waiters[:0]
	for _, w := range f.waiters {
		if w.due.After(f.now) {
			keep = append(keep, w)
			continue
		}
		w.fired = true
		w.fire()
	}
	f.waiters = keep
}

// Waiters returns how many sleeps and timers are pending.
func (f *Fake) Waiters() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.waiters)
}

// BlockUntil waits, in real time, until at least n sleeps or timers are
// pending, or until timeout passes; it reports whether they are.
func (f *Fake) BlockUntil(n int, timeout time.Duration) bool {
	done := make(chan struct{})
	timer := time.AfterFunc(timeout, func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		close(done)
		f.cond.Broadcast()
	})
	defer timer.Stop()
	f.mu.Lock()
	defer f.mu.Unlock()
	for len(f.waiters) < n {
		select {
		case <-done:
			return false
		default:
		}
		f.cond.Wait()
	}
	return true
}

// NextDue returns how long until the earliest pending sleep or timer is
// due, and false when none is pending.
func (f *Fake) NextDue() (time.Duration, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.waiters) == 0 {
		return 0, false
	}
	earliest := f.waiters[0].due
	for _, w := range f.waiters[1:] {
		if w.due.Before(earliest) {
			earliest = w.due
		}
	}
	return earliest.Sub(f.now), true
}
