package clock

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

func TestFakeSleepWakesOnAdvance(t *testing.T) {
	f := NewFake(time.Unix(0, 0))
	done := make(chan error, 1)
	go func() { done <- f.Sleep(context.Background(), 2*time.Second) }()
	if !f.BlockUntil(1, 5*time.Second) {
		t.Fatal("the sleeper never registered")
	}
	f.Advance(time.Second)
	select {
	case err := <-done:
		t.Fatalf("woke after 1s of a 2s sleep (err %v)", err)
	case <-time.After(20 * time.Millisecond):
	}
	f.Advance(time.Second)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := f.Now(); !got.Equal(time.Unix(2, 0)) {
		t.Fatalf("now = %v", got)
	}
}

func TestFakeSleepCancelled(t *testing.T) {
	f := NewFake(time.Unix(0, 0))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Sleep(ctx, time.Hour) }()
	f.BlockUntil(1, 5*time.Second)
	cancel()
	if err := <-done; err != context.Canceled {
		t.Fatalf("err = %v", err)
	}
	if n := f.Waiters(); n != 0 {
		t.Fatalf("%d waiters left after cancel", n)
	}
}

func TestFakeAfterFuncAndStop(t *testing.T) {
	f := NewFake(time.Unix(0, 0))
	var fired atomic.Int32
	f.AfterFunc(time.Second, func() { fired.Add(1) })
	stopped := f.AfterFunc(time.Second, func() { fired.Add(10) })
	if !stopped.Stop() {
		t.Fatal("Stop of a pending timer returned false")
	}
	if d, ok := f.NextDue(); !ok || d != time.Second {
		t.Fatalf("NextDue = %v, %v", d, ok)
	}
	f.Advance(time.Second)
	deadline := time.Now().Add(5 * time.Second)
	for fired.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if got := fired.Load(); got != 1 {
		t.Fatalf("fired = %d, want 1", got)
	}
}

func TestRealSleep(t *testing.T) {
	c := Real()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Sleep(ctx, time.Hour); err != context.Canceled {
		t.Fatalf("err = %v", err)
	}
	if err := c.Sleep(context.Background(), time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if Until(c, c.Now().Add(time.Hour)) <= 0 || Since(c, c.Now().Add(-time.Hour)) <= 0 {
		t.Fatal("Until or Since has the wrong sign")
	}
}
