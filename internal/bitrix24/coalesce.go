package bitrix24

import (
	"context"
	"sync"
	"time"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/clock"
)

// coalescer combines concurrent reads of single keys into calls that read
// up to MaxBatchCommands keys at once. It is built from narrow parts: read
// makes one call, delay says how long the flow control would hold a call
// sent now, and clock tells the time, so its tests run on a fake clock.
//
// A call leaves when it is full, or when no read has joined it for the
// window (so a burst of reads that trickles in over several windows still
// shares one call), and at the latest after maxWaitWindows windows. It stays
// open longer, collecting reads, while it would wait anyway:
//   - while the flow control would hold the call, so that under the portal's
//     limit every request carries as many reads as there are;
//   - while another call is in flight, so that Terraform's parallel reads
//     (10 by default) form one pipeline of full calls instead of several
//     pipelines of small ones. A full call never waits.
type coalescer[T any] struct {
	read   func(ctx context.Context, keys []string) []outcome[T]
	delay  func() time.Duration
	clock  clock.Clock
	window time.Duration

	mu       sync.Mutex
	inflight int // calls sent and not yet answered
	// expect is how many reads the next call should hold before it
	// leaves: those waiting plus as many as the last answered call had,
	// since Terraform replaces each finished read with a new one. It holds
	// for maxRefillWindows from expectFrom, when that call was answered.
	expect     int
	expectFrom time.Time
	pending    []*pendingRead[T]
	first      time.Time // when the oldest pending read joined
	last       time.Time // when the newest pending read joined
	gen        uint64    // which call the timer belongs to
}

// outcome is one key's value or error.
type outcome[T any] struct {
	value T
	err   error
}

// maxWaitWindows caps how long reads wait for others to join: the window
// restarts with each new read, up to this many windows in all.
const maxWaitWindows = 5

// maxRefillWindows caps how long a call that waited for the one in flight
// waits for the reads Terraform starts in place of those just answered.
// Terraform takes tens of milliseconds to start the next reads.
const maxRefillWindows = 20

type pendingRead[T any] struct {
	ctx  context.Context
	key  string
	done chan struct{}
	out  outcome[T]
}

func newCoalescer[T any](c clock.Clock, window time.Duration, delay func() time.Duration, read func(context.Context, []string) []outcome[T]) *coalescer[T] {
	return &coalescer[T]{read: read, delay: delay, clock: c, window: window}
}

// get reads one key, sharing a call with the reads around it.
func (b *coalescer[T]) get(ctx context.Context, key string) (T, error) {
	p := &pendingRead[T]{ctx: ctx, key: key, done: make(chan struct{})}
	b.mu.Lock()
	now := b.clock.Now()
	if b.expect > 0 && len(b.pending) == 0 && now.Sub(b.expectFrom) >= maxRefillWindows*b.window {
		b.expect = 0 // A read long after the last call: no refill to wait for.
	}
	b.pending = append(b.pending, p)
	b.last = now
	switch {
	case b.distinct() >= MaxBatchCommands || (b.expect > 0 && len(b.pending) >= b.expect && b.inflight == 0):
		reads := b.take()
		b.mu.Unlock()
		go b.flush(reads)
	case len(b.pending) == 1:
		b.first = now
		if b.expect > 0 {
			b.first = b.expectFrom // The refill wait counts from the answer.
		}
		b.schedule(b.window)
		b.mu.Unlock()
	default:
		b.mu.Unlock()
	}
	select {
	case <-p.done:
		return p.out.value, p.out.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// schedule checks the call again after d; the caller holds mu.
func (b *coalescer[T]) schedule(d time.Duration) {
	gen := b.gen
	b.clock.AfterFunc(d, func() { b.check(gen) })
}

// check sends the call, or waits longer when reads are still joining or
// the flow control would hold the call anyway.
func (b *coalescer[T]) check(gen uint64) {
	b.mu.Lock()
	if gen != b.gen || len(b.pending) == 0 {
		b.mu.Unlock()
		return
	}
	now := b.clock.Now()
	age := now.Sub(b.first)
	switch {
	case b.expect > 0:
		// Refilling after the call in flight was answered: wait for the
		// expected reads (get sends the call when they are all here).
		if len(b.pending) < b.expect && age < maxRefillWindows*b.window {
			b.schedule(maxRefillWindows*b.window - age)
			b.mu.Unlock()
			return
		}
	default:
		if quiet := now.Sub(b.last); quiet < b.window && age < maxWaitWindows*b.window {
			b.schedule(b.window - quiet)
			b.mu.Unlock()
			return
		}
	}
	if wait := b.delay(); wait > 0 {
		b.schedule(wait)
		b.mu.Unlock()
		return
	}
	if b.inflight > 0 {
		// done checks again when the call in flight is answered.
		b.mu.Unlock()
		return
	}
	reads := b.take()
	b.mu.Unlock()
	b.flush(reads)
}

// done is called when a call of answered reads is answered. Terraform is
// about to replace those reads with new ones: the next call expects them,
// for up to maxRefillWindows. A read that comes later than that starts a
// call with the usual window.
func (b *coalescer[T]) done(answered int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.inflight--
	if b.inflight > 0 {
		return
	}
	now := b.clock.Now()
	b.expect = min(len(b.pending)+answered, MaxBatchCommands)
	b.expectFrom = now
	if len(b.pending) == 0 {
		return
	}
	b.first, b.last = now, now
	b.gen++ // Retire the old timer; a new one starts now.
	b.schedule(maxRefillWindows * b.window)
}

// distinct counts the different keys waiting; the caller holds mu.
func (b *coalescer[T]) distinct() int {
	seen := make(map[string]struct{}, len(b.pending))
	for _, p := range b.pending {
		seen[p.key] = struct{}{}
	}
	return len(seen)
}

// take empties the queue, retires its timer and counts the call in
// flight; the caller holds mu and must flush the reads.
func (b *coalescer[T]) take() []*pendingRead[T] {
	reads := b.pending
	b.pending = nil
	b.expect = 0
	b.gen++
	b.inflight++
	return reads
}

// flush makes one call for reads and hands each read its own outcome. The
// call is cancelled only when every read that waits for it is cancelled.
func (b *coalescer[T]) flush(reads []*pendingRead[T]) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(reads[0].ctx))
	finished := make(chan struct{})
	go func() {
		for _, p := range reads {
			select {
			case <-p.ctx.Done():
			case <-finished:
				return
			}
		}
		cancel()
	}()
	defer func() {
		close(finished)
		cancel()
		b.done(len(reads))
	}()

	var keys []string
	byKey := map[string][]*pendingRead[T]{}
	for _, p := range reads {
		if _, ok := byKey[p.key]; !ok {
			keys = append(keys, p.key)
		}
		byKey[p.key] = append(byKey[p.key], p)
	}
	results := b.read(ctx, keys)
	for i, key := range keys {
		for _, p := range byKey[key] {
			p.out = results[i]
			close(p.done)
		}
	}
}
