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

// listServer answers each list call with page(offset, call), where offset
// is OFFSET or start, and counts the calls.
func listServer(t *testing.T, page func(offset int, call int64) string) (*Client, *atomic.Int64) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			OFFSET int `json:"OFFSET"`
			Start  int `json:"start"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		n := calls.Add(1)
		_, _ = fmt.Fprint(w, page(max(body.OFFSET, body.Start), n))
	}))
	t.Cleanup(srv.Close)
	c, _ := fakeClockClient(t, srv, func(cfg *Config) { cfg.RateLimit = 0 })
	return c, &calls
}

// chats is a JSON list of chats with the ids from..to (descending when
// from > to).
func chats(from, to int) string {
	var items []string
	step := 1
	if from > to {
		step = -1
	}
	for id := from; ; id += step {
		items = append(items, fmt.Sprintf(`{"id":%d,"name":"Load chat %d"}`, id, id))
		if id == to {
			break
		}
	}
	return "[" + strings.Join(items, ",") + "]"
}

// A portal whose search never ends (next always further) is stopped after
// maxListPages pages with an error, not followed forever.
func TestSearchChats_endlessPagesStop(t *testing.T) {
	c, calls := listServer(t, func(offset int, _ int64) string {
		return fmt.Sprintf(`{"result":[{"id":%d,"name":"loop"}],"next":%d}`, offset+1, offset+1)
	})
	_, err := c.SearchChats(context.Background(), "loop")
	var re *ResponseError
	if !errors.As(err, &re) || !strings.Contains(re.Reason, "did not end after 200 pages") {
		t.Fatalf("want the page bound, got %v", err)
	}
	if n := calls.Load(); n != maxListPages {
		t.Fatalf("want %d calls, got %d", maxListPages, n)
	}
}

// List answers are checked, not trusted (before, each of these came back
// as a quiet partial or padded result).
func TestSearchChats_checkedPages(t *testing.T) {
	for name, tc := range map[string]struct {
		page  func(offset int, call int64) string
		want  string
		calls int64
	}{
		"next goes back": {func(offset int, _ int64) string {
			return fmt.Sprintf(`{"result":%s,"total":150,"next":%d}`, chats(150-offset, 101-offset), max(offset-50, 0)+0*offset)
		}, "names the next page at 0, which does not move forward", 1},
		"next stays": {func(offset int, _ int64) string {
			return fmt.Sprintf(`{"result":%s,"total":150,"next":%d}`, chats(150-offset, 101-offset), offset)
		}, "names the next page at 0", 1},
		"next skips entries": {func(offset int, _ int64) string {
			return fmt.Sprintf(`{"result":%s,"total":150,"next":%d}`, chats(150-offset, 101-offset), offset+100)
		}, "names the next page at 100, which does not move forward by at most 50", 1},
		"page larger than asked": {func(int, int64) string {
			return `{"result":` + chats(1000, 1) + `,"total":1000}`
		}, "holds more than the 50 entries asked for", 1},
		"total beyond the bound": {func(int, int64) string {
			return `{"result":` + chats(50, 1) + `,"total":330000,"next":50}`
		}, "holds 330000 entries, more than the 10000", 1},
		"entry without id": {func(int, int64) string {
			return `{"result":[{"id":2,"name":"a"},{"name":"b"}],"total":2}`
		}, "entry 1 of the page at offset 0 has no id", 1},
		"entry with id 0": {func(int, int64) string {
			return `{"result":[{"id":0,"name":"a"}],"total":1}`
		}, "entry 0 of the page at offset 0 has no id", 1},
		"fewer than total": {func(int, int64) string {
			return `{"result":` + chats(3, 1) + `,"total":5}`
		}, "the list changed while it was read, twice (total 5, 3 distinct entries read)", 2},
		"more than total": {func(offset int, _ int64) string {
			return fmt.Sprintf(`{"result":%s,"total":60,"next":%d}`, chats(200-offset, 151-offset), offset+50)
		}, "more entries (100 so far) than its total, 60", 2},
		"total keeps changing": {func(offset int, call int64) string {
			return fmt.Sprintf(`{"result":%s,"total":%d,"next":%d}`, chats(100-offset, 51-offset), 100+call, offset+50)
		}, "changed while it was read, twice (total went from 103 to 104 between pages)", 4},
	} {
		t.Run(name, func(t *testing.T) {
			c, calls := listServer(t, tc.page)
			_, err := c.SearchChats(context.Background(), "Load chat")
			var re *ResponseError
			if !errors.As(err, &re) || re.Method != MethodSearchChats || !strings.Contains(re.Reason, tc.want) {
				t.Fatalf("want %q, got %v", tc.want, err)
			}
			if n := calls.Load(); n != tc.calls {
				t.Fatalf("want %d calls, got %d", tc.calls, n)
			}
		})
	}
}

// A chat created between two pages of a newest-first list shifts it down
// by one: the boundary chat comes twice and total grows. The list is read
// again from the start, and the new chat is found; duplicates are kept
// once.
func TestSearchChats_chatCreatedBetweenPages(t *testing.T) {
	c, calls := listServer(t, func(offset int, call int64) string {
		newest := 60
		if call > 1 {
			newest = 61 // Created after the first page.
		}
		last := max(newest-offset-49, 1)
		next := ""
		if last > 1 {
			next = fmt.Sprintf(`,"next":%d`, offset+50)
		}
		return fmt.Sprintf(`{"result":%s,"total":%d%s}`, chats(newest-offset, last), newest, next)
	})
	found, err := c.SearchChats(context.Background(), "Load chat")
	if err != nil || len(found) != 61 || found[0].ID.Value != 61 || found[60].ID.Value != 1 {
		t.Fatalf("want 61 chats, 61 first: %d %v", len(found), err)
	}
	if n := calls.Load(); n != 4 {
		t.Fatalf("want 2 calls, then 2 again, got %d", n)
	}
}

// user.get is paged like the search, with start; it fails after 200 pages
// instead of stopping quietly with what it has.
func TestFindUsers_endlessPagesFail(t *testing.T) {
	c, calls := listServer(t, func(offset int, _ int64) string {
		return fmt.Sprintf(`{"result":[{"ID":"%d","EMAIL":"a@x"}],"next":%d}`, offset+1, offset+1)
	})
	_, err := c.FindUsers(context.Background(), map[string]string{"=EMAIL": "a@x"})
	var re *ResponseError
	if !errors.As(err, &re) || re.Method != MethodUserGet || !strings.Contains(re.Reason, "did not end after 200 pages") || calls.Load() != maxListPages {
		t.Fatalf("want the page bound after %d calls, got %v after %d", maxListPages, err, calls.Load())
	}
}

// Every lookup checks that what came back is what it asked for.
func TestUserLookups_checkAnswers(t *testing.T) {
	ctx := context.Background()
	// user.get filters without an operator are LIKE: john_doe@x also
	// matches john.doe@x. Only exact matches (but for case) are kept.
	c, _ := listServer(t, func(int, int64) string {
		return `{"result":[{"ID":"7","EMAIL":"john.doe@example.com"},{"ID":"8","EMAIL":"John_Doe@Example.com"}],"total":2}`
	})
	users, err := c.UsersByEmail(ctx, "john_doe@example.com")
	if err != nil || len(users) != 1 || users[0].ID.Value != 8 {
		t.Fatalf("want user 8 only: %+v %v", users, err)
	}
	// user_brief: no EMAIL in the answer.
	c, _ = listServer(t, func(int, int64) string { return `{"result":[{"ID":"7","NAME":"A"}],"total":1}` })
	if _, err := c.UsersByEmail(ctx, "a@example.com"); !errors.Is(err, ErrNoEmailField) {
		t.Fatalf("want ErrNoEmailField, got %v", err)
	}
	// Asked for 5, answered 7.
	c, _ = listServer(t, func(int, int64) string { return `{"result":[{"ID":"7"}],"total":1}` })
	if _, _, err := c.UserByID(ctx, 5); err == nil || !strings.Contains(err.Error(), "asked for user 5, the portal answered user 7") {
		t.Fatalf("want a mismatch error, got %v", err)
	}
	c, _ = listServer(t, func(int, int64) string { return `{"result":{"ID":0}}` })
	if _, _, err := c.ChatIDByEntity(ctx, "CRM", "DEAL|1"); err == nil || !strings.Contains(err.Error(), "no positive chat ID") {
		t.Fatalf("want an error for ID 0, got %v", err)
	}
}

// What the portal searches for: words of 3 or more letters or digits.
func TestSearchText(t *testing.T) {
	for in, want := range map[string]string{
		"Ops sync": "Ops sync", "QA board": "board", "QA": "", "a b c": "", "R&D-2026 plan": "2026 plan", "Чат по сделке": "Чат сделке",
		"  release  ": "release", "foo_bar baz": "foo_bar baz", "x.y.zed": "zed",
	} {
		got, ok := SearchText(in)
		if got != want || ok != (want != "") {
			t.Errorf("SearchText(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func TestNearMiss(t *testing.T) {
	for got, want := range map[string]string{
		"Release  train":      "differs only in white space",
		"Release\u00a0train":  "differs only in white space",
		"Release\u200d train": "differs only in invisible characters",
		"Rele\u0301ase train": "",
		"release train":       "",
		"Release train":       "",
	} {
		if how := nearMiss(got, "Release train"); how != want {
			t.Errorf("nearMiss(%q) = %q, want %q", got, how, want)
		}
	}
	if how := nearMiss("Cafe\u0301 talk", "Caf\u00e9 talk"); !strings.Contains(how, "Unicode normalisation") {
		t.Errorf("NFD against NFC: %q", how)
	}
}

// A title that holds a path like a webhook's, /rest/N/word, is a title,
// not a secret: it reaches the value whole, and a lookup by name finds it.
// Only the client's own secrets are masked in values.
func TestChatsNamed_titleWithARestPath(t *testing.T) {
	portal, srv := newPortal(t, fakeportal.Faults{})
	chats := fakeportal.GroupChats(1, 300000, 1)
	title := "Plans /rest/2024/roadmap"
	chats[0].Result = json.RawMessage(strings.Replace(string(chats[0].Result), `"Load chat 300000"`, `"`+title+`"`, 1))
	portal.AddDialogs(chats...)
	c, _ := webhookClient(t, srv, nil)
	m, similar, err := c.ChatsNamed(context.Background(), title)
	if err != nil || len(m) != 1 || m[0].DialogID() != "chat300000" {
		t.Fatalf("the chat titled %q was not found: %+v (similar %+v) %v", title, m, similar, err)
	}
	d, err := c.GetDialog(context.Background(), "chat300000")
	if err != nil || d.Name.Value != title {
		t.Fatalf("the title reached the value as %q (%v), want %q", d.Name.Value, err, title)
	}
}
