package bitrix24

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/fakeportal"
)

// A lost im.chat.add answer (a dropped connection or a 504 after the chat
// was made) is never answered by a second im.chat.add: the chat is found by
// its marker or its entity, and exactly one exists.
func TestCreateChatLostAnswer(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		entity bool
	}{
		{"connection dropped, marker", 0, false},
		{"504, marker", http.StatusGatewayTimeout, false},
		{"connection dropped, entity", 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, srv := newPortal(t, fakeportal.Faults{LoseChatAddAnswer: 1, LoseChatAddStatus: tc.status})
			c, _ := webhookClient(t, srv, nil)
			n := NewChat{Title: "Lost answer chat", Users: []int64{3}, EntityID: NewMarker()}
			if tc.entity {
				n.EntityType, n.EntityID = "CRM", "DEAL|99"
			}
			id, recovered, err := c.CreateChat(context.Background(), n)
			if err != nil || !recovered {
				t.Fatalf("CreateChat: id %d recovered %v err %v", id, recovered, err)
			}
			if got := p.Requests("im.chat.add"); got != 1 {
				t.Fatalf("im.chat.add sent %d times", got)
			}
			if ids := p.ChatsTitled("Lost answer chat"); len(ids) != 1 || ids[0] != id {
				t.Fatalf("chats titled so: %v, found %d", ids, id)
			}
		})
	}
}

// When the look-up finds nothing, the error says so, and nothing is sent
// again.
func TestCreateChatLostAndNotFound(t *testing.T) {
	p, srv := newPortal(t, fakeportal.Faults{ResetNext: 1})
	c, _ := webhookClient(t, srv, nil)
	old := lookupDelays
	lookupDelays = []time.Duration{0, 0}
	t.Cleanup(func() { lookupDelays = old })
	_, _, err := c.CreateChat(context.Background(), NewChat{Title: "Never made", EntityID: NewMarker()})
	var lost *LostChatError
	if !errors.As(err, &lost) || len(lost.Found) != 0 {
		t.Fatalf("want a LostChatError with nothing found, got %v", err)
	}
	if got := p.Requests("im.chat.add"); got != 1 {
		t.Fatalf("im.chat.add sent %d times", got)
	}
}

// QUERY_LIMIT_EXCEEDED is refused before the method runs: a write is sent
// again after it.
func TestCallWriteRetriesOnlyRefusals(t *testing.T) {
	p, srv := newPortal(t, fakeportal.Faults{FailNext: 1})
	c, _ := webhookClient(t, srv, nil)
	_, err := c.CallWrite(context.Background(), MethodChatUpdateTitle, map[string]any{"CHAT_ID": 21191, "TITLE": "x"})
	if !IsAmbiguous(err) {
		t.Fatalf("a 500 after sending must be ambiguous, got %v", err)
	}
	if got := p.Requests("im.chat.updatetitle"); got != 1 {
		t.Fatalf("sent %d times, want 1", got)
	}
	// A full bucket: the second write is refused and sent again.
	p.SetFaults(fakeportal.Faults{RateLimit: 5, RateBurst: 1})
	p.ResetStats()
	for _, title := range []string{"first", "second"} {
		if _, err := c.CallWrite(context.Background(), MethodChatUpdateTitle, map[string]any{"CHAT_ID": 21191, "TITLE": title}); err != nil {
			t.Fatalf("write %q: %v", title, err)
		}
	}
	if p.ErrorCount("QUERY_LIMIT_EXCEEDED") == 0 || p.Requests("im.chat.updatetitle") < 3 {
		t.Fatalf("want a refusal and a resend, got %+v", p.Stats())
	}
	if got := p.ChatField(21191, "name"); got != "second" {
		t.Fatalf("title %q", got)
	}
}

// When the plan is interrupted (ctx cancelled) after im.chat.add left, the
// chat may exist: the error is a *LostChatError that names the lost answer,
// not a bare "context canceled", so that the diagnostic says to look for
// the chat before applying again.
func TestCreateChatCancelledAfterSend(t *testing.T) {
	p := fakeportal.New(fakeportal.DefaultFixtures())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(strings.ToLower(r.URL.Path), "im.chat.add") {
			p.ServeHTTP(w, r)
			return
		}
		p.ServeHTTP(httptest.NewRecorder(), r) // The chat is made; its answer never arrives.
		cancel()
		<-r.Context().Done()
	}))
	t.Cleanup(func() {
		srv.Close()
		p.Close()
	})
	c, _ := webhookClient(t, srv, nil)
	_, _, err := c.CreateChat(ctx, NewChat{Title: "Interrupted chat", EntityID: NewMarker()})
	var lost *LostChatError
	if !errors.As(err, &lost) {
		t.Fatalf("want a *LostChatError, got %T: %v", err, err)
	}
	if !errors.Is(lost.Lookup, context.Canceled) {
		t.Fatalf("the look-up's failure should be the cancellation, got %v", lost.Lookup)
	}
	if got := p.Requests("im.chat.add"); got != 1 {
		t.Fatalf("im.chat.add sent %d times", got)
	}
}

// im.chat.get answers the first chat bound to an entity. When the answer to
// im.chat.add is lost and another chat is bound to the same entity (one the
// CRM made meanwhile), that chat is not taken for the one created.
func TestCreateChatLostAnswerOtherChatOnEntity(t *testing.T) {
	p, srv := newPortal(t, fakeportal.Faults{LoseChatAddAnswer: 1})
	c, _ := webhookClient(t, srv, nil)
	old := lookupDelays
	lookupDelays = []time.Duration{0, 0}
	t.Cleanup(func() { lookupDelays = old })
	// Chat 1439 of the fixtures is bound to CRM DEAL|1663.
	id, recovered, err := c.CreateChat(context.Background(), NewChat{Title: "Mine", EntityType: "CRM", EntityID: "DEAL|1663"})
	var lost *LostChatError
	if !errors.As(err, &lost) || lost.Other != 1439 {
		t.Fatalf("want a LostChatError naming chat 1439 as another chat, got id %d recovered %v err %v", id, recovered, err)
	}
	if !strings.Contains(err.Error(), "found only chat 1439, which has another title") {
		t.Fatalf("error: %v", err)
	}
	if got := p.Requests("im.chat.add"); got != 1 {
		t.Fatalf("im.chat.add sent %d times", got)
	}
}

// A 503 with Retry-After and no error code may come from a proxy after the
// portal ran the method (refusedBeforeRun): the write is not sent again, and
// its outcome is unknown, so that CreateChat looks for the chat and Ensure
// reads the portal before sending it again.
func TestCallWriteBusy503IsAmbiguous(t *testing.T) {
	for name, body := range map[string]string{
		"html":          `<html>busy</html>`,
		"json, no code": `{"error":"","error_description":"Service Unavailable"}`,
	} {
		t.Run(name, func(t *testing.T) {
			p, srv := newCannedPortal(t,
				cannedAnswer{status: 503, headers: map[string]string{"Retry-After": "1"}, body: body},
				cannedAnswer{body: `{"result":true}`})
			c, _ := fakeClockClient(t, srv, nil)
			_, err := c.CallWrite(context.Background(), MethodChatUpdateTitle, map[string]any{"CHAT_ID": 21191, "TITLE": "x"})
			if !IsAmbiguous(err) {
				t.Fatalf("a 503 without a code after sending must be ambiguous, got %v", err)
			}
			if n := len(p.requests()); n != 1 {
				t.Fatalf("sent %d times, want 1", n)
			}
		})
	}
}
