package bitrix24

import (
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
	// A request sent after the cut and refused cuts again.
	clk.Advance(time.Second)
	if got := f.refused(clk.Now()); got != 1.25 {
		t.Fatalf("a later refusal should halve again, got %v", got)
	}
	for i := 0; i < 100; i++ {
		f.accepted()
	}
	if rate, _ := f.snapshot(); rate != 5 {
		t.Fatalf("100 accepted requests should restore the configured 5/s, got %v", rate)
	}
	// Never below minRate.
	for i := 0; i < 100; i++ {
		clk.Advance(time.Second)
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
// refusal the rate grows by 5% a request, so a fast portal is soon used at
// its pace again.
func TestFlowControl_offGrowsBackFast(t *testing.T) {
	clk := clock.NewFake(time.Unix(0, 0))
	f := newFlowControl(clk, 0, 0)
	f.refused(clk.Now())
	for i := 0; i < 50; i++ {
		f.accepted()
	}
	if rate, _ := f.snapshot(); rate < 20 {
		t.Fatalf("50 accepted requests after a refusal should take 2/s past 20/s, got %v", rate)
	}
}
