package bitrix24

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/clock"
)

func TestFlowControl_pacesLikeTheLeakyBucket(t *testing.T) {
	clk := clock.NewFake(time.Unix(0, 0))
	f := newFlowControl(clk, 2, 4) // One place is kept free: 3 at once.
	for i := 0; i < 3; i++ {
		if d := f.reserve(); d != 0 {
			t.Fatalf("request %d of the burst waits %s", i, d)
		}
	}
	if d := f.reserve(); d != 500*time.Millisecond {
		t.Fatalf("the 4th request should wait 500ms, waits %s", d)
	}
	if d := f.reserve(); d != time.Second {
		t.Fatalf("the 5th request should wait 1s, waits %s", d)
	}
	clk.Advance(10 * time.Second) // Drained.
	if d := f.reserve(); d != 0 {
		t.Fatalf("a drained bucket makes a request wait %s", d)
	}
}

// A refusal fills the model's bucket and cuts the rate, once per round of
// requests: to an eighth the first time, to a half later, and to a quarter
// while the previous cut is less than three requests old. The rate grows
// back with time, faster the longer ago the cut was.
func TestFlowControl_refusalsCutTheRateAndTimeRestoresIt(t *testing.T) {
	clk := clock.NewFake(time.Unix(0, 0))
	f := newFlowControl(clk, 5, 250)
	sent := clk.Now()
	clk.Advance(time.Millisecond)
	if got := f.refused(sent); got != 0.625 {
		t.Fatalf("the first refusal should cut 5/s to 0.625/s, got %v", got)
	}
	// Ten more refusals of requests sent before that cut: one round, no cut.
	for i := 0; i < 10; i++ {
		f.refused(sent)
	}
	if rate, refusals := f.snapshot(); rate != 0.625 || refusals != 11 {
		t.Fatalf("refusals from one round cut again: rate %v, refusals %d", rate, refusals)
	}
	// The model's bucket is full: the next request waits for one to drain.
	if d := f.Delay(); d != 1600*time.Millisecond {
		t.Fatalf("after a refusal a request should wait 1/0.625 s, waits %s", d)
	}
	// A request sent after the cut and refused a second later (less than
	// three requests at 0.625/s) cuts to a quarter, after a second of
	// growth: 5 * 0.0075 * (1 + 1/20) = 0.039375.
	clk.Advance(time.Second)
	if got, want := f.refused(clk.Now()), (0.625+0.039375)/4; math.Abs(got-want) > 1e-9 {
		t.Fatalf("a refusal right after a cut should cut to a quarter, %v, got %v", want, got)
	}
	// 20 s later the rate has grown by 5 * 0.0075 * (20 + 400/20) = 1.5.
	r0, _ := f.snapshot()
	clk.Advance(20 * time.Second)
	f.Delay()
	r1, _ := f.snapshot()
	if math.Abs(r1-(r0+1.5)) > 1e-9 {
		t.Fatalf("20 s after a cut to %v/s the rate should be %v/s, got %v", r0, r0+1.5, r1)
	}
	// A refusal long after the last cut halves the rate.
	if got := f.refused(clk.Now()); math.Abs(got-r1/2) > 1e-9 {
		t.Fatalf("a refusal long after the last cut should halve %v/s, got %v", r1, got)
	}
	clk.Advance(2 * time.Minute)
	f.Delay()
	if rate, _ := f.snapshot(); rate != 5 {
		t.Fatalf("two minutes later the configured 5/s should be back, got %v", rate)
	}
	// Never below minRate.
	for i := 0; i < 100; i++ {
		clk.Advance(10 * time.Millisecond)
		f.refused(clk.Now())
	}
	if rate, _ := f.snapshot(); rate != minRate {
		t.Fatalf("the rate fell to %v, below %v", rate, minRate)
	}
}

// Pacing off: nothing waits until the portal refuses; then the model of a
// standard cloud portal takes over.
func TestFlowControl_offUntilTheFirstRefusal(t *testing.T) {
	clk := clock.NewFake(time.Unix(0, 0))
	f := newFlowControl(clk, 0, 0)
	for i := 0; i < 10000; i++ {
		if d := f.reserve(); d != 0 {
			t.Fatalf("request %d waits %s with pacing off", i, d)
		}
		if !f.admit() {
			t.Fatalf("request %d has no place in the window with pacing off", i)
		}
	}
	if got := f.refused(clk.Now()); got != DefaultRateLimit {
		t.Fatalf("after the first refusal the rate should be %v, got %v", DefaultRateLimit, got)
	}
	if d := f.Delay(); d != 500*time.Millisecond {
		t.Fatalf("after the first refusal a request should wait 500ms, waits %s", d)
	}
}

// With pacing off there is no configured rate to return to: after the
// first refusal the rate grows back up to twice the rate the client sent
// at when it was refused, and after a later refusal up to twice the rate
// that was refused. It never runs away, so a later refusal still slows the
// client down.
func TestFlowControl_offGrowthIsCapped(t *testing.T) {
	clk := clock.NewFake(time.Unix(0, 0))
	f := newFlowControl(clk, 0, 0)
	for i := 0; i < 200; i++ { // 20 requests a second for 10 s.
		f.reserve()
		clk.Advance(50 * time.Millisecond)
	}
	f.refused(clk.Now())
	clk.Advance(25 * time.Second)
	f.Delay()
	if rate, _ := f.snapshot(); rate < 10 {
		t.Fatalf("25 s after a refusal at about 17/s the rate should be past 10/s, got %v", rate)
	}
	clk.Advance(5 * time.Minute)
	f.Delay()
	ceiling, _ := f.snapshot()
	if ceiling < 20 || ceiling > 40 {
		t.Fatalf("5 minutes after a refusal at 20/s the rate is %v, want it capped between 20/s and 40/s", ceiling)
	}
	if got := f.refused(clk.Now()); got != ceiling/2 {
		t.Fatalf("a later refusal should halve %v/s, got %v", ceiling, got)
	}
	clk.Advance(2 * time.Hour)
	f.Delay()
	if rate, _ := f.snapshot(); rate != 2*ceiling {
		t.Fatalf("2 h later the rate is %v, want it capped at twice the refused %v/s", rate, ceiling)
	}
}

// The growth speeds up with the time since the last cut: t seconds after
// it, the rate has grown by growthPerSecond*(t + t²/(2*accelSeconds)) of
// the ceiling, however often it is computed.
func TestFlowControl_growthSpeedsUpAfterACut(t *testing.T) {
	clk := clock.NewFake(time.Unix(0, 0))
	often, once := newFlowControl(clk, 2, 50), newFlowControl(clk, 2, 50)
	often.refused(clk.Now())
	once.refused(clk.Now())
	start, _ := often.snapshot()
	grownBy := func(f *flowControl) float64 { r, _ := f.snapshot(); return r - start }
	for i := 0; i < 1000; i++ { // 10 s, computed every 10 ms.
		clk.Advance(10 * time.Millisecond)
		often.Delay()
	}
	once.Delay()
	first := grownBy(often)
	if want := 2 * growthPerSecond * (10 + 100/(2*accelSeconds)); math.Abs(first-want) > 1e-9 || math.Abs(grownBy(once)-want) > 1e-9 {
		t.Fatalf("10 s after a cut the rate grew by %v (computed often) and %v (once), want %v", first, grownBy(once), want)
	}
	clk.Advance(10 * time.Second)
	often.Delay()
	mid := grownBy(often)
	clk.Advance(10 * time.Second)
	often.Delay()
	if third := grownBy(often) - mid; third < 2*first {
		t.Fatalf("from 20 s to 30 s after a cut the rate grew by %v, want more than twice the %v of the first 10 s", third, first)
	}
}

// The window: one request in flight at first, and one more for every
// accepted request, without a cap, until the portal refuses one; then one
// request, and two at most from then on. Acquire waits for a place.
func TestFlowControl_windowOpensOnAcceptedRequests(t *testing.T) {
	clk := clock.NewFake(time.Unix(0, 0))
	f := newFlowControl(clk, 2, 50)
	admit := func(n int) bool { // n places and no more
		for i := 0; i < n; i++ {
			if !f.admit() {
				return false
			}
		}
		return !f.admit()
	}
	if !admit(1) {
		t.Fatal("the first window holds one request")
	}
	f.settle(true)
	if !admit(2) {
		t.Fatal("after an accepted request the window holds two")
	}
	f.settle(true)
	f.settle(true)
	if !admit(4) {
		t.Fatal("after three accepted requests the window holds four")
	}
	for i := 0; i < 4; i++ {
		f.settle(true)
	}
	if !admit(8) {
		t.Fatal("before any refusal the window keeps growing: after seven accepted requests it holds eight")
	}
	for i := 0; i < 8; i++ {
		f.settle(true)
	}
	f.refused(clk.Now())
	if !admit(1) {
		t.Fatal("after a refusal the window holds one request")
	}
	f.settle(true)
	if !admit(2) {
		t.Fatal("after a refusal and an accepted request the window holds two")
	}
	f.settle(true)
	f.settle(true)
	if !admit(2) {
		t.Fatal("after a refusal the window holds two requests at most")
	}
	clk.Advance(time.Minute) // The model's bucket drained: only the window holds Acquire.
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan error, 1)
	go func() { _, err := f.Acquire(ctx, time.Time{}); got <- err }()
	select {
	case err := <-got:
		t.Fatalf("Acquire did not wait for a place: %v", err)
	default:
	}
	f.settle(true)
	if err := <-got; err != nil {
		t.Fatalf("Acquire failed after a place came free: %v", err)
	}
	clk.Advance(time.Second)
	f.refused(clk.Now())
	f.settle(false)
	f.settle(false)
	if !f.admit() || f.admit() {
		t.Fatal("after a refusal the window holds one request")
	}
	go func() { _, err := f.Acquire(ctx, time.Time{}); got <- err }()
	cancel()
	if err := <-got; err == nil {
		t.Fatal("a cancelled Acquire should fail")
	}
	// Past the deadline: the reservation is given back.
	f.settle(false)
	before := f.Delay()
	if _, err := f.Acquire(context.Background(), clk.Now().Add(100*time.Millisecond)); !errors.Is(err, errOutOfBusyTime) {
		t.Fatalf("a wait past the deadline should fail with errOutOfBusyTime, got %v", err)
	}
	if d := f.Delay(); d != before || d < 100*time.Millisecond {
		t.Fatalf("the reservation past the deadline was kept: the next request waits %s, not %s", d, before)
	}
}

// Two plans that share a bucket, refused at the same time but one cut far
// lower than the other, grow back by the same amount a second: their
// rates converge.
func TestFlowControl_growthIsFairAcrossPlans(t *testing.T) {
	clk := clock.NewFake(time.Unix(0, 0))
	a, b := newFlowControl(clk, 2, 50), newFlowControl(clk, 2, 50)
	for i := 0; i < 3; i++ {
		clk.Advance(time.Millisecond)
		a.refused(clk.Now())
	}
	clk.Advance(time.Millisecond)
	a.refused(clk.Now())
	b.refused(clk.Now())
	a.Delay()
	ra, _ := a.snapshot()
	rb, _ := b.snapshot()
	clk.Advance(3 * time.Second)
	a.Delay()
	b.Delay()
	ra2, _ := a.snapshot()
	rb2, _ := b.snapshot()
	if math.Abs((ra2-ra)-(rb2-rb)) > 1e-9 || ra2/rb2 <= ra/rb {
		t.Fatalf("rates %v/%v became %v/%v: the gap should shrink with equal growth", ra, rb, ra2, rb2)
	}
}

// A retry of a busy portal that waits for a place in the window ends at
// its busy_timeout deadline, not when another request frees the place.
func TestFlowControl_windowWaitEndsAtTheDeadline(t *testing.T) {
	clk := clock.NewFake(time.Unix(0, 0))
	f := newFlowControl(clk, 2, 50)
	f.refused(clk.Now()) // window of one
	clk.Advance(time.Minute)
	if !f.admit() { // another read's request in flight
		t.Fatal("no place")
	}
	got := make(chan error, 1)
	go func() { _, err := f.Acquire(context.Background(), clk.Now().Add(time.Second)); got <- err }()
	clk.BlockUntil(1, time.Second)
	clk.Advance(2 * time.Second)
	select {
	case err := <-got:
		if !errors.Is(err, errOutOfBusyTime) {
			t.Fatalf("got %v, want errOutOfBusyTime", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Acquire still waits for the window 1 s past its deadline")
	}
	f.settle(true)
	if f.inflight != 0 {
		t.Fatalf("a place leaked: %d in flight", f.inflight)
	}
}
