package bitrix24

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/clock"
	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/fakeportal"
)

// recordingRead is a coalescer's read function that records each call's
// keys and answers each key with its length.
type recordingRead struct {
	mu    sync.Mutex
	calls [][]string
}

func (r *recordingRead) read(_ context.Context, keys []string) []outcome[int] {
	r.mu.Lock()
	r.calls = append(r.calls, append([]string(nil), keys...))
	r.mu.Unlock()
	out := make([]outcome[int], len(keys))
	for i, k := range keys {
		out[i].value = len(k)
	}
	return out
}

func (r *recordingRead) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.calls)
}

// waitPending waits, in real time, until n reads are queued.
func waitPending[T any](t *testing.T, b *coalescer[T], n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		b.mu.Lock()
		got := len(b.pending)
		b.mu.Unlock()
		if got >= n {
			return
		}
		time.Sleep(100 * time.Microsecond)
	}
	t.Fatalf("%d reads never queued", n)
}

func TestCoalescer_readsInOneWindowShareOneCall(t *testing.T) {
	clk := clock.NewFake(time.Unix(0, 0))
	rec := &recordingRead{}
	b := newCoalescer(clk, 10*time.Millisecond, func() time.Duration { return 0 }, rec.read)
	var wg sync.WaitGroup
	got := make([]int, 3)
	for i, key := range []string{"a", "bb", "a"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], _ = b.get(context.Background(), key)
		}()
	}
	waitPending(t, b, 3)
	clk.Advance(10 * time.Millisecond)
	wg.Wait()
	if rec.count() != 1 || len(rec.calls[0]) != 2 || got[0] != 1 || got[1] != 2 || got[2] != 1 {
		t.Fatalf("want one call of two distinct keys, got calls %v and values %v", rec.calls, got)
	}
}

// After a call is answered with nothing waiting, a lone read that comes
// after the refill period leaves after one window, not after twenty.
func TestCoalescer_loneReadAfterACallWaitsOneWindow(t *testing.T) {
	clk := clock.NewFake(time.Unix(0, 0))
	rec := &recordingRead{}
	b := newCoalescer(clk, 10*time.Millisecond, func() time.Duration { return 0 }, rec.read)
	var wg sync.WaitGroup
	for _, key := range []string{"a", "b", "c"} {
		wg.Add(1)
		go func() { defer wg.Done(); _, _ = b.get(context.Background(), key) }()
	}
	waitPending(t, b, 3)
	clk.Advance(10 * time.Millisecond)
	wg.Wait()
	clk.Advance(maxRefillWindows * 10 * time.Millisecond)

	// It waits its window for others to join (it does not leave at once
	// because one read was expected), then leaves.
	done := make(chan int, 1)
	go func() { v, _ := b.get(context.Background(), "later"); done <- v }()
	waitPending(t, b, 1)
	// Queued, so it did not leave at once; only its timer can send it, and
	// the fake clock is one tick short of it.
	clk.Advance(10*time.Millisecond - time.Nanosecond)
	b.mu.Lock()
	queued := len(b.pending)
	b.mu.Unlock()
	if queued != 1 || clk.Waiters() != 1 || rec.count() != 1 {
		t.Fatalf("the lone read left before its window: %d queued, %d timers, calls %v", queued, clk.Waiters(), rec.calls)
	}
	clk.Advance(time.Nanosecond)
	select {
	case v := <-done:
		if v != 5 || rec.count() != 2 {
			t.Fatalf("got %d after calls %v", v, rec.calls)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the lone read did not leave after one window")
	}
}

// While the flow control would hold a call, the call waits for it and
// keeps collecting reads.
func TestCoalescer_waitsWhileTheFlowControlWould(t *testing.T) {
	clk := clock.NewFake(time.Unix(0, 0))
	rec := &recordingRead{}
	held := time.Second
	var mu sync.Mutex
	delay := func() time.Duration { mu.Lock(); defer mu.Unlock(); return held }
	b := newCoalescer(clk, 10*time.Millisecond, delay, rec.read)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _, _ = b.get(context.Background(), "a") }()
	waitPending(t, b, 1)
	clk.Advance(10 * time.Millisecond)
	wg.Add(1)
	go func() { defer wg.Done(); _, _ = b.get(context.Background(), "b") }()
	waitPending(t, b, 2)
	mu.Lock()
	held = 0
	mu.Unlock()
	clk.Advance(time.Second)
	wg.Wait()
	if rec.count() != 1 || len(rec.calls[0]) != 2 {
		t.Fatalf("want one call with both reads, got %v", rec.calls)
	}
}

func TestCoalescing(t *testing.T) {
	portal, srv := newPortal(t, fakeportal.Faults{})
	portal.AddDialogs(fakeportal.GroupChats(120, 7000, 1)...)
	c, _ := webhookClient(t, srv, func(c *Config) { c.BatchWindow = 50 * time.Millisecond })
	var wg sync.WaitGroup
	got := make([]*Dialog, 120)
	errs := make([]error, 120)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = c.GetDialog(context.Background(), fmt.Sprint("chat", 7000+i))
		}()
	}
	// Two readers of one dialog share one command.
	wg.Add(1)
	var dup *Dialog
	go func() { defer wg.Done(); dup, _ = c.GetDialog(context.Background(), "chat7000") }()
	wg.Wait()
	for i := range got {
		if errs[i] != nil || got[i].ID.Value != int64(7000+i) {
			t.Fatalf("read %d got %+v, %v", i, got[i], errs[i])
		}
	}
	if dup == nil || dup.ID.Value != 7000 {
		t.Fatalf("duplicate read got %+v", dup)
	}
	st := portal.Stats()
	// 50 + 50 + 20 when the reads arrive together; a slow machine may
	// split one batch. The duplicate read shares a command when it lands in
	// the same batch as the first read of chat7000 (121 otherwise).
	cmds := st.Commands[MethodDialogGet]
	if st.Requests["batch"] < 3 || st.Requests["batch"] > 4 || st.Requests[MethodDialogGet] != 0 || cmds < 120 || cmds > 121 {
		t.Fatalf("want 121 reads in 3 or 4 batch calls of 120 or 121 commands: %+v", st)
	}
}

func TestCoalescing_loneReadIsPlain(t *testing.T) {
	portal, srv := newPortal(t, fakeportal.Faults{})
	c, _ := webhookClient(t, srv, func(c *Config) { c.BatchWindow = 5 * time.Millisecond })
	if _, err := c.GetDialog(context.Background(), "chat42"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetDialog(context.Background(), "chat99"); !HasCode(err, CodeAccessError) {
		t.Fatalf("want ACCESS_ERROR, got %v", err)
	}
	if portal.Requests(MethodDialogGet) != 2 || portal.Requests("batch") != 0 {
		t.Fatalf("lone reads should be plain calls: %+v", portal.Stats())
	}
}

func TestCoalescing_sameDialogReadOnce(t *testing.T) {
	portal, srv := newPortal(t, fakeportal.Faults{})
	c, _ := webhookClient(t, srv, func(c *Config) { c.BatchWindow = 200 * time.Millisecond })
	readConcurrently(t, c, 5, "chat42")
	// Five reads of one dialog within one window: one command, sent as a
	// plain call because the batch holds a single dialog.
	if st := portal.Stats(); st.Requests[MethodDialogGet] != 1 || st.Requests["batch"] != 0 {
		t.Fatalf("want one im.dialog.get for five reads of one dialog: %+v", st)
	}
}
