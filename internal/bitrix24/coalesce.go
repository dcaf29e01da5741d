package bitrix24

import (
	"context"
	"sync"
	"time"
)

// batcher combines concurrent GetDialog calls into batch calls of up to 50.
//
// A batch leaves when it is full, or when no read has joined it for the
// window (so a burst of reads that trickles in over several windows still
// shares one call), and at the latest after maxWaitWindows windows. It stays
// open longer, collecting reads, while it would wait anyway:
//   - while the rate limiter would hold the call, so that under the portal's
//     limit every request carries as many reads as there are;
//   - while another batch is in flight, so that Terraform's parallel reads
//     (10 by default) form one pipeline of full batches instead of several
//     pipelines of small ones. A full batch never waits.
type batcher struct {
	client *Client
	window time.Duration
	now    func() time.Time

	mu       sync.Mutex
	inflight int // batches sent and not yet answered
	// expect is how many reads the waiting batch should hold before it
	// leaves: those waiting plus as many as the last answered batch had,
	// since Terraform replaces each finished read with a new one.
	expect  int
	pending []*pendingRead
	first   time.Time // when the oldest pending read joined
	last    time.Time // when the newest pending read joined
	gen     uint64    // which batch the timer belongs to
}

// maxWaitWindows caps how long reads wait for others to join: the window
// restarts with each new read, up to this many windows in all.
const maxWaitWindows = 5

// maxRefillWindows caps how long a batch that waited for the one in flight
// waits for the reads Terraform starts in place of those just answered.
// Terraform takes tens of milliseconds to start the next reads.
const maxRefillWindows = 20

type pendingRead struct {
	ctx    context.Context
	id     string
	done   chan struct{}
	dialog *Dialog
	err    error
}

func newBatcher(c *Client, window time.Duration) *batcher {
	return &batcher{client: c, window: window, now: time.Now}
}

func (b *batcher) get(ctx context.Context, id string) (*Dialog, error) {
	p := &pendingRead{ctx: ctx, id: id, done: make(chan struct{})}
	b.mu.Lock()
	now := b.now()
	b.pending = append(b.pending, p)
	b.last = now
	switch {
	case b.distinct() >= MaxBatchCommands || (b.expect > 0 && len(b.pending) >= b.expect && b.inflight == 0):
		reads := b.take()
		b.mu.Unlock()
		go b.flush(reads)
	case len(b.pending) == 1:
		b.first = now
		b.schedule(b.window)
		b.mu.Unlock()
	default:
		b.mu.Unlock()
	}
	select {
	case <-p.done:
		return p.dialog, p.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// schedule checks the batch again after d; the caller holds mu.
func (b *batcher) schedule(d time.Duration) {
	gen := b.gen
	time.AfterFunc(d, func() { b.check(gen) })
}

// check sends the batch, or waits longer when reads are still joining or
// the rate limiter would hold the call anyway.
func (b *batcher) check(gen uint64) {
	b.mu.Lock()
	if gen != b.gen || len(b.pending) == 0 {
		b.mu.Unlock()
		return
	}
	now := b.now()
	age := now.Sub(b.first)
	switch {
	case b.expect > 0:
		// Refilling after the batch in flight was answered: wait for the
		// expected reads (get() sends the batch when they are all here).
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
	if wait := b.client.limiter.Delay(); wait > 0 {
		b.schedule(wait)
		b.mu.Unlock()
		return
	}
	if b.inflight > 0 {
		// done() checks again when the batch in flight is answered.
		b.mu.Unlock()
		return
	}
	reads := b.take()
	b.mu.Unlock()
	b.flush(reads)
}

// done is called when a batch of answered reads is answered. Terraform is
// about to replace those reads with new ones: the batch that waited expects
// them, up to maxRefillWindows.
func (b *batcher) done(answered int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.inflight--
	if b.inflight > 0 {
		return
	}
	b.expect = min(len(b.pending)+answered, MaxBatchCommands)
	if len(b.pending) > 0 {
		now := b.now()
		b.first, b.last = now, now
		b.gen++ // Retire the old timer; a new one starts now.
		b.schedule(maxRefillWindows * b.window)
	}
}

// distinct counts the different dialog ids waiting; the caller holds mu.
func (b *batcher) distinct() int {
	seen := make(map[string]struct{}, len(b.pending))
	for _, p := range b.pending {
		seen[p.id] = struct{}{}
	}
	return len(seen)
}

// take empties the queue, retires its timer and counts the batch in
// flight; the caller holds mu and must flush the reads.
func (b *batcher) take() []*pendingRead {
	reads := b.pending
	b.pending = nil
	b.expect = 0
	b.gen++
	b.inflight++
	return reads
}

// flush sends one call for reads and hands each read its own answer. The
// call is cancelled only when every read that waits for it is cancelled.
func (b *batcher) flush(reads []*pendingRead) {
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

	var ids []string
	byID := map[string][]*pendingRead{}
	for _, p := range reads {
		if _, ok := byID[p.id]; !ok {
			ids = append(ids, p.id)
		}
		byID[p.id] = append(byID[p.id], p)
	}
	b.client.debug(ctx, "Sending coalesced dialog reads", map[string]any{"reads": len(reads), "commands": len(ids)})
	results := b.client.readDialogs(ctx, ids)
	for i, id := range ids {
		for _, p := range byID[id] {
			p.dialog, p.err = results[i].dialog, results[i].err
			close(p.done)
		}
	}
}
