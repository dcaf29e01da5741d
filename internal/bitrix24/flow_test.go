package bitrix24

import (
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

// A refusal fills the model's bucket and halves the rate once per round of
// requests; accepted requests win the rate back a fiftieth at a time.
func TestFlowControl_refusalsCutTheRateAndSuccessRestoresIt(t *testing.T) {
	clk := clock.NewFake(time.Unix(0, 0))
	f := newFlowControl(clk, 5, 250)
	sent := clk.Now()
	clk.Advance(time.Millisecond)
	if got := f.refused(sent); got != 2.5 {
		t.Fatalf("the first refusal should halve 5/s to 2.5/s, got %v", got)
	}
	// Ten more refusals of requests sent before that cut: one round, no cut.
	for i := 0; i < 10; i++ {
		f.refused(sent)
	}
	if rate, refusals := f.snapshot(); rate != 2.5 || refusals != 11 {
		t.Fatalf("refusals from one round cut again: rate %v, refusals %d", rate, refusals)
	}
	// The model's bucket is full: the next request waits for one to drain.
	if d := f.Delay(); d != 400*time.Millisecond {
		t.Fatalf("after a refusal a request should wait 1/2.5 s, waits %s", d)
	}
	// A request sent after the cut and refused cuts again (after a second
	// of growth: 2.5 + 0.5).
	clk.Advance(time.Second)
	if got := f.refused(clk.Now()); got != 1.5 {
		t.Fatalf("a later refusal should halve 3/s again, got %v", got)
	}
	// The rate grows back by a tenth of the configured rate a second.
	clk.Advance(5 * time.Second)
	f.Delay()
	if rate, _ := f.snapshot(); rate != 1.5+2.5 {
		t.Fatalf("5 s after a cut to 1.5/s the rate should be 4/s, got %v", rate)
	}
	clk.Advance(time.Minute)
	f.Delay()
	if rate, _ := f.snapshot(); rate != 5 {
		t.Fatalf("a minute later the configured 5/s should be back, got %v", rate)
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
	}
	if got := f.refused(clk.Now()); got != DefaultRateLimit {
		t.Fatalf("after the first refusal the rate should be %v, got %v", DefaultRateLimit, got)
	}
	if d := f.Delay(); d != 500*time.Millisecond {
		t.Fatalf("after the first refusal a request should wait 500ms, waits %s", d)
	}
}

// With pacing off there is no configured rate to return to: after a
// refusal the rate grows by 10% a second, so a fast portal is soon used at
// its pace again.
func TestFlowControl_offGrowsBackFast(t *testing.T) {
	clk := clock.NewFake(time.Unix(0, 0))
	f := newFlowControl(clk, 0, 0)
	f.refused(clk.Now())
	clk.Advance(25 * time.Second)
	f.Delay()
	if rate, _ := f.snapshot(); rate < 20 {
		t.Fatalf("25 s after a refusal the rate should be past 20/s, got %v", rate)
	}
}

// Two plans that share a bucket, one cut far lower than the other, grow
// back by the same amount a second: their rates converge.
func TestFlowControl_growthIsFairAcrossPlans(t *testing.T) {
	clk := clock.NewFake(time.Unix(0, 0))
	a, b := newFlowControl(clk, 2, 50), newFlowControl(clk, 2, 50)
	for i := 0; i < 4; i++ {
		clk.Advance(time.Millisecond)
		a.refused(clk.Now())
	}
	clk.Advance(time.Millisecond)
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
