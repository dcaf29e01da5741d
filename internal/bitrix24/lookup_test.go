package bitrix24

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/fakeportal"
)

// A search costs ceil(results/50) calls and finds every page.
func TestSearchChats_pages(t *testing.T) {
	portal, srv := newPortal(t, fakeportal.Faults{})
	portal.AddDialogs(fakeportal.GroupChats(120, 100000, 1)...)
	c, _ := webhookClient(t, srv, nil)
	found, err := c.SearchChats(context.Background(), "Load chat")
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 120 || found[0].DialogID() != "chat100119" || found[119].DialogID() != "chat100000" {
		t.Fatalf("want 120 chats newest first, got %d", len(found))
	}
	if n := portal.Requests(MethodSearchChats); n != 3 {
		t.Fatalf("want 3 search calls for 120 chats, got %d", n)
	}
	if _, err := c.SearchChats(context.Background(), "x"); !HasCode(err, "FIND_SHORT") {
		t.Fatalf("want FIND_SHORT, got %v", err)
	}
}

func TestChatsNamed(t *testing.T) {
	_, srv := newPortal(t, fakeportal.Faults{})
	c, _ := webhookClient(t, srv, nil)
	ctx := context.Background()
	m, similar, err := c.ChatsNamed(ctx, "  Release train ")
	if err != nil || len(m) != 1 || m[0].DialogID() != "chat2001" || similar != nil {
		t.Fatalf("exact name among similar ones: %+v %v %v", m, similar, err)
	}
	if m, _, _ = c.ChatsNamed(ctx, "Ops sync"); len(m) != 2 || m[0].DialogID() != "chat2004" || m[1].DialogID() != "chat2003" {
		t.Fatalf("two chats of one name: %+v", m)
	}
	m, similar, err = c.ChatsNamed(ctx, "release TRAIN")
	if err != nil || len(m) != 0 || len(similar) != 2 {
		t.Fatalf("the match is case-sensitive and lists similar names: %+v %v %v", m, similar, err)
	}
}

// The portal's search also matches members' names; ChatsContaining keeps
// only chats whose title holds the text.
func TestChatsContaining_filtersMemberMatches(t *testing.T) {
	_, srv := newPortal(t, fakeportal.Faults{})
	c, _ := webhookClient(t, srv, nil)
	found, err := c.ChatsContaining(context.Background(), "anna")
	if err != nil || len(found) != 0 {
		t.Fatalf("chats that only have Anna as a member: %+v %v", found, err)
	}
	found, err = c.ChatsContaining(context.Background(), "RELEASE")
	if err != nil || len(found) != 2 {
		t.Fatalf("case-insensitive title match: %+v %v", found, err)
	}
}

func TestChatIDByEntity(t *testing.T) {
	_, srv := newPortal(t, fakeportal.Faults{})
	c, _ := webhookClient(t, srv, nil)
	id, found, err := c.ChatIDByEntity(context.Background(), "CRM", "DEAL|1663")
	if err != nil || !found || id != 1439 {
		t.Fatalf("got %d %v %v", id, found, err)
	}
	if _, found, err = c.ChatIDByEntity(context.Background(), "CRM", "DEAL|9"); err != nil || found {
		t.Fatalf("an unknown entity: found %v, %v", found, err)
	}
}

func TestFindUsers(t *testing.T) {
	_, srv := newPortal(t, fakeportal.Faults{})
	c, _ := webhookClient(t, srv, nil)
	users, err := c.FindUsers(context.Background(), map[string]string{"EMAIL": "olga@example.com"})
	if err != nil || len(users) != 1 || users[0].ID.Value != 5 || !users[0].Active.Value || users[0].LastName.Value != "Smirnova" {
		t.Fatalf("got %+v %v", users, err)
	}
	if users, _ = c.FindUsers(context.Background(), map[string]string{"EMAIL": "shared@example.com"}); len(users) != 2 {
		t.Fatalf("two users share an email: %+v", users)
	}
	if _, err := c.FindUsers(context.Background(), nil); err != ErrNoUserFilter {
		t.Fatalf("want ErrNoUserFilter, got %v", err)
	}
}

// A bad value in a lookup answer is a ValueError, like in a dialog.
func TestSearchChats_badValue(t *testing.T) {
	_, srv := newCannedPortal(t, cannedAnswer{body: `{"result":[{"id":"x","name":"n"}],"total":1}`})
	c, _ := fakeClockClient(t, srv, nil)
	_, err := c.SearchChats(context.Background(), "name")
	if err == nil || !strings.Contains(err.Error(), `key "[0].id" holds`) {
		t.Fatalf("got %v", err)
	}
}

// A portal whose search never ends (next always further) is stopped after
// maxSearchPages pages with an error, not followed forever.
func TestSearchChats_endlessPagesStop(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			OFFSET int `json:"OFFSET"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		calls.Add(1)
		_, _ = fmt.Fprintf(w, `{"result":[{"id":%d,"name":"loop"}],"total":1000000,"next":%d}`, body.OFFSET+1, body.OFFSET+1)
	}))
	t.Cleanup(srv.Close)
	c, _ := fakeClockClient(t, srv, func(cfg *Config) { cfg.RateLimit = 0 })
	_, err := c.SearchChats(context.Background(), "loop")
	var re *ResponseError
	if !errors.As(err, &re) || !strings.Contains(re.Reason, "did not end after 200 pages") {
		t.Fatalf("want the page bound, got %v", err)
	}
	if n := calls.Load(); n != maxSearchPages {
		t.Fatalf("want %d calls, got %d", maxSearchPages, n)
	}
}
