package bitrix24

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"testing"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/fakeportal"
)

// The UUIDs pass the portal's own check (im/lib/Message/Uuid.php).
func TestNewMessageUUID(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 1000 {
		u := NewMessageUUID()
		if !re.MatchString(u) || seen[u] {
			t.Fatalf("bad or repeated UUID %q", u)
		}
		seen[u] = true
	}
}

func TestPostMessage(t *testing.T) {
	p, srv := newPortal(t, fakeportal.Faults{})
	c, _ := webhookClient(t, srv, nil)
	got, err := c.PostMessage(context.Background(), NewMessage{DialogID: "chat2001", Text: " Release 1.2 [B]out[/B] ", NoURLPreview: true})
	if err != nil || got.ID <= 0 || got.Resent != 0 || got.UUID == "" {
		t.Fatalf("PostMessage: %+v %v", got, err)
	}
	msgs := p.Messages()
	if len(msgs) != 1 || msgs[0].Text != "Release 1.2 [B]out[/B]" || msgs[0].URLPreview || msgs[0].TemplateID != got.UUID || msgs[0].DialogID != "chat2001" {
		t.Fatalf("messages %+v", msgs)
	}
}

// A lost answer is sent again with the same TEMPLATE_ID, and the portal
// posts the message once, also while it has not linked the id yet.
func TestPostMessageLostAnswer(t *testing.T) {
	for _, tc := range []struct {
		name  string
		f     fakeportal.Faults
		sends int
	}{
		{"connection dropped", fakeportal.Faults{LoseMessageAddAnswer: 1}, 2},
		{"504", fakeportal.Faults{LoseMessageAddAnswer: 1, LoseMessageAddStatus: http.StatusGatewayTimeout}, 2},
		{"two lost, then linked late", fakeportal.Faults{LoseMessageAddAnswer: 2, MessageUUIDLinkDelay: 1}, 4},
		{"reset before the portal", fakeportal.Faults{ResetNext: 1}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, srv := newPortal(t, tc.f)
			c, log := webhookClient(t, srv, nil)
			got, err := c.PostMessage(context.Background(), NewMessage{DialogID: "chat2001", Text: "once"})
			if err != nil || got.Resent != tc.sends-1 {
				t.Fatalf("PostMessage: %+v %v", got, err)
			}
			if n := p.Requests(MethodMessageAdd); n != tc.sends {
				t.Fatalf("sent %d times, want %d", n, tc.sends)
			}
			if msgs := p.Messages(); len(msgs) != 1 || msgs[0].ID != got.ID {
				t.Fatalf("messages %+v, answered %d", msgs, got.ID)
			}
			if want := "same TEMPLATE_ID"; !regexp.MustCompile(want).MatchString(log.text()) {
				t.Fatalf("no warning about the resend:\n%s", log.text())
			}
		})
	}
}

// A system message is not de-duplicated by the portal: a lost answer is
// never sent again.
func TestPostSystemMessageLostAnswer(t *testing.T) {
	p, srv := newPortal(t, fakeportal.Faults{LoseMessageAddAnswer: 1})
	c, _ := webhookClient(t, srv, nil)
	_, err := c.PostMessage(context.Background(), NewMessage{DialogID: "chat2001", Text: "system", System: true})
	var lost *LostMessageError
	if !errors.As(err, &lost) || lost.UUID != "" || lost.Sent != 1 || !IsAmbiguous(err) {
		t.Fatalf("want a LostMessageError without a UUID, got %v", err)
	}
	if n := p.Requests(MethodMessageAdd); n != 1 {
		t.Fatalf("sent %d times", n)
	}
	if msgs := p.Messages(); len(msgs) != 1 || !msgs[0].System || msgs[0].TemplateID != "" {
		t.Fatalf("messages %+v", msgs)
	}
}

// Every answer lost: the message is still posted once, and the error says
// how often it was sent.
func TestPostMessageAllAnswersLost(t *testing.T) {
	p, srv := newPortal(t, fakeportal.Faults{LoseMessageAddAnswer: 100})
	c, _ := webhookClient(t, srv, nil) // MaxRetries 3
	_, err := c.PostMessage(context.Background(), NewMessage{DialogID: "chat2001", Text: "lost"})
	var lost *LostMessageError
	if !errors.As(err, &lost) || lost.Sent != 4 || lost.UUID == "" {
		t.Fatalf("want a LostMessageError after 4 sends, got %v", err)
	}
	if msgs := p.Messages(); len(msgs) != 1 {
		t.Fatalf("messages %+v", msgs)
	}
}

// The portal's refusals come back as they are, each sent once.
func TestPostMessageErrors(t *testing.T) {
	p, srv := newPortal(t, fakeportal.Faults{})
	p.AddDialogs(fakeportal.Dialog{IDs: []string{"chat1"}, Members: []int64{1, 3}, Result: []byte(
		`{"id":1,"name":"General","type":"general","entity_type":"GENERAL","message_type":"O","restrictions":{"send":false}}`)})
	c, _ := webhookClient(t, srv, nil)
	for _, tc := range []struct{ dialog, text, code string }{
		{"chat2001", "  ", CodeMessageEmpty},
		{"999", "x", CodeUserNotFound},
		{"0", "x", CodeUserIDEmpty},
		{"crm5", "x", CodeChatIDEmpty},
		{"sg999", "x", CodeChatIDEmpty},
		{"chat1", "x", CodeAccessError},
		{"chat99", "x", CodeParamsError},
		{"chat123456", "x", CodeParamsError},
	} {
		p.ResetStats()
		_, err := c.PostMessage(context.Background(), NewMessage{DialogID: tc.dialog, Text: tc.text})
		if !HasCode(err, tc.code) {
			t.Errorf("%s %q: want %s, got %v", tc.dialog, tc.text, tc.code, err)
		}
		if n := p.Requests(MethodMessageAdd); n != 1 {
			t.Errorf("%s: sent %d times", tc.dialog, n)
		}
	}
	if msgs := p.Messages(); len(msgs) != 0 {
		t.Fatalf("messages %+v", msgs)
	}
	// sgN and a user id resolve.
	for _, d := range []string{"sg103", "5"} {
		if _, err := c.PostMessage(context.Background(), NewMessage{DialogID: d, Text: "hi"}); err != nil {
			t.Fatalf("%s: %v", d, err)
		}
	}
	if got := fmt.Sprint(p.MessagesTo("chat42"), p.MessagesTo("5")); got != "[hi] [hi]" {
		t.Fatalf("posted %s", got)
	}
}

// The recent list is paged, de-duplicated and holds the caller's chats.
func TestRecentChats(t *testing.T) {
	p, srv := newPortal(t, fakeportal.Faults{})
	p.AddDialogs(fakeportal.GroupChats(450, 5000, 1, 3)...)
	c, _ := webhookClient(t, srv, nil)
	seen := map[int64]bool{}
	group := 0
	err := c.RecentChats(context.Background(), func(r RecentChat) bool {
		if seen[r.ChatID()] {
			t.Fatalf("chat %d twice", r.ChatID())
		}
		seen[r.ChatID()] = true
		if r.GroupChat() {
			group++
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	// 450 load chats and 16 of the demo portal's: user 1 is no member of
	// chat99, chat2006, chat3006 or chat3010; of the 16, the collab
	// (chat3002), the channel (chat3003) and the copilot chat (chat3009) are
	// not group chats.
	if len(seen) != 466 || group != 463 || p.Requests(MethodRecentList) != 3 {
		t.Fatalf("%d chats, %d group chats, %d requests", len(seen), group, p.Requests(MethodRecentList))
	}
	// Stopping early stops paging.
	p.ResetStats()
	n := 0
	_ = c.RecentChats(context.Background(), func(RecentChat) bool { n++; return n < 5 })
	if n != 5 || p.Requests(MethodRecentList) != 1 {
		t.Fatalf("%d chats, %d requests", n, p.Requests(MethodRecentList))
	}
}
