package bitrix24

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/clock"
)

func TestBreaker_opensAfterFailuresInARowAndProbesAfterCooldown(t *testing.T) {
	clk := clock.NewFake(time.Unix(0, 0))
	b := &breaker{clock: clk}
	down := errors.New("connection refused")
	for i := 0; i < breakerThreshold-1; i++ {
		b.record(true, down)
	}
	b.record(false, nil) // An answer breaks the run.
	for i := 0; i < breakerThreshold-1; i++ {
		b.record(true, down)
	}
	if err := b.allow(); err != nil {
		t.Fatalf("open after %d failures in a row: %v", breakerThreshold-1, err)
	}
	b.record(true, down)
	var pd *PortalDownError
	if err := b.allow(); !errors.As(err, &pd) || pd.Failures != breakerThreshold || !errors.Is(err, down) {
		t.Fatalf("want a PortalDownError wrapping the last failure, got %v", err)
	}
	clk.Advance(breakerCooldown)
	if err := b.allow(); err != nil {
		t.Fatalf("after the cooldown one probe may go: %v", err)
	}
	if err := b.allow(); err == nil {
		t.Fatal("a second request went while the probe was out")
	}
	b.abandon() // The probe was never sent: another may go.
	if err := b.allow(); err != nil {
		t.Fatalf("after an abandoned probe another may go: %v", err)
	}
	b.record(false, nil)
	if err := b.allow(); err != nil {
		t.Fatalf("an answer should close the breaker: %v", err)
	}
}

// Against a portal that refuses connections, the reads after the first
// few fail at once without a request.
func TestGetDialogs_deadPortalFailsFast(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	counted := make(chan struct{}, 10000)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			counted <- struct{}{}
			_ = conn.Close() // An answer-less close: EOF, a temporary failure.
		}
	}()
	t.Cleanup(func() { _ = ln.Close() })
	hook, _ := ParseWebhookURL("http://" + ln.Addr().String() + "/rest/1/" + testCode + "/")
	clk := clock.NewFake(time.Unix(0, 0))
	autoAdvance(t, clk)
	c, _ := New(Config{Auth: Auth{Webhook: &hook}, MaxRetries: 3, Clock: clk, RateLimit: 1000, RateLimitBurst: 1000})
	ids := make([]string, 1000)
	for i := range ids {
		ids[i] = "chat" + itoa(int64(i+1))
	}
	_, failed, err := c.GetDialogs(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(failed) != len(ids) {
		t.Fatalf("want every id to fail, %d did", len(failed))
	}
	var pd *PortalDownError
	down := 0
	for _, err := range failed {
		if errors.As(err, &pd) {
			down++
		}
	}
	// A chunk fails with its own error only when one of its requests was
	// sent before the breaker opened: at most the threshold plus the four
	// in flight. Every other chunk fails fast.
	if maxOwn := (breakerThreshold + 4) * MaxBatchCommands; down < len(ids)-maxOwn {
		t.Fatalf("want at least %d ids to fail fast with PortalDownError, %d did", len(ids)-maxOwn, down)
	}
	if n := len(counted); n > 4*(3+1) {
		t.Fatalf("the dead portal got %d connections for 1000 ids", n)
	}
}
