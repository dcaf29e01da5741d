package bitrix24

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
)

// Lookup methods (reference §8).
const (
	MethodSearchChats = "im.search.chat.list"
	MethodChatGet     = "im.chat.get"
	MethodUserGet     = "user.get"
	// SearchPageSize is the most im.search.chat.list answers at once.
	SearchPageSize = 50
	// maxSearchPages bounds a search: 200 pages of 50 chats.
	maxSearchPages = 200
)

// ChatSummary is one chat of an im.search.chat.list answer.
type ChatSummary struct {
	ID   Int64  `json:"id"`
	Name String `json:"name"`
	Type String `json:"type"`
}

// DialogID is the chat's dialog id, chatN.
func (s ChatSummary) DialogID() string { return "chat" + strconv.FormatInt(s.ID.Value, 10) }

// User is one user of a user.get answer.
type User struct {
	ID           Int64  `json:"ID"`
	Active       Bool   `json:"ACTIVE"`
	Name         String `json:"NAME"`
	LastName     String `json:"LAST_NAME"`
	Email        String `json:"EMAIL"`
	WorkPosition String `json:"WORK_POSITION"`
}

// decodeStrict reads raw into v (a pointer) and applies the rules every
// answer follows: a value that cannot be represented is a *ValueError,
// and text values pass CleanValue.
func (c *Client) decodeStrict(method string, raw json.RawMessage, v any) error {
	if err := json.Unmarshal(raw, v); err != nil {
		return &ResponseError{Method: method, HTTPStatus: 200, Reason: "the result does not have the expected shape", Snippet: snippet(raw, c.redactor)}
	}
	var bad []ValueError
	problems(reflect.ValueOf(v).Elem(), "", &bad)
	if len(bad) > 0 {
		e := bad[0]
		e.Method, e.Key, e.Value = method, c.redactor.Clean(e.Key), c.redactor.Clean(e.Value)
		return &e
	}
	cleanStrings(reflect.ValueOf(v).Elem(), c.redactor.CleanValue)
	return nil
}

// SearchChats returns every chat im.search.chat.list finds for text
// (ceil(total/50) calls). The portal matches titles and members' names;
// private dialogs and chats the caller cannot read are not found.
func (c *Client) SearchChats(ctx context.Context, text string) ([]ChatSummary, error) {
	var all []ChatSummary
	for offset, pages := 0, 0; ; pages++ {
		if pages == maxSearchPages {
			return nil, &ResponseError{Method: MethodSearchChats, HTTPStatus: 200,
				Reason: "the search did not end after " + strconv.Itoa(maxSearchPages) + " pages; use a more precise text"}
		}
		r, err := c.call(ctx, MethodSearchChats, map[string]any{"FIND": text, "LIMIT": SearchPageSize, "OFFSET": offset})
		if err != nil {
			return nil, err
		}
		var page []ChatSummary
		if string(r.Result) != "null" {
			if err := c.decodeStrict(MethodSearchChats, r.Result, &page); err != nil {
				return nil, err
			}
		}
		all = append(all, page...)
		if !r.Next.Valid || r.Next.Value <= int64(offset) || len(page) == 0 {
			return all, nil
		}
		offset = int(r.Next.Value)
	}
}

// ChatsNamed returns the chats named exactly name: case-sensitive, with
// surrounding white space trimmed on both sides. When none is, similar
// holds up to five names the search found instead.
func (c *Client) ChatsNamed(ctx context.Context, name string) (matches []ChatSummary, similar []string, err error) {
	want := strings.TrimSpace(name)
	found, err := c.SearchChats(ctx, want)
	if err != nil {
		return nil, nil, err
	}
	for _, s := range found {
		if strings.TrimSpace(s.Name.Value) == want {
			matches = append(matches, s)
		} else if len(similar) < 5 {
			similar = append(similar, s.Name.Value)
		}
	}
	if len(matches) > 0 {
		similar = nil
	}
	return matches, similar, nil
}

// ChatsContaining returns the chats whose name contains text,
// case-insensitively: the portal's search also matches members' names,
// which is filtered out here.
func (c *Client) ChatsContaining(ctx context.Context, text string) ([]ChatSummary, error) {
	found, err := c.SearchChats(ctx, strings.TrimSpace(text))
	if err != nil {
		return nil, err
	}
	needle := strings.ToLower(strings.TrimSpace(text))
	var out []ChatSummary
	for _, s := range found {
		if strings.Contains(strings.ToLower(s.Name.Value), needle) {
			out = append(out, s)
		}
	}
	return out, nil
}

// ChatIDByEntity returns the id of the chat bound to a CRM entity,
// workgroup, task or other entity (im.chat.get); found is false when there
// is none. The portal does not check access here: reading the chat does.
func (c *Client) ChatIDByEntity(ctx context.Context, entityType, entityID string) (id int64, found bool, err error) {
	raw, err := c.Call(ctx, MethodChatGet, map[string]any{"ENTITY_TYPE": entityType, "ENTITY_ID": entityID})
	if err != nil {
		return 0, false, err
	}
	if absent(raw) || string(raw) == "[]" || string(raw) == "false" {
		return 0, false, nil
	}
	var answer struct {
		ID Int64 `json:"ID"`
	}
	if err := c.decodeStrict(MethodChatGet, raw, &answer); err != nil {
		return 0, false, err
	}
	if !answer.ID.Valid || answer.ID.Value <= 0 {
		return 0, false, nil
	}
	return answer.ID.Value, true, nil
}

// ErrNoUserFilter is returned by FindUsers without a filter.
var ErrNoUserFilter = errors.New("user.get needs a filter")

// FindUsers returns the users that match an exact user.get FILTER, such as
// {"EMAIL": "a@example.com"} or {"ID": "7"}, from every page.
func (c *Client) FindUsers(ctx context.Context, filter map[string]string) ([]User, error) {
	if len(filter) == 0 {
		return nil, ErrNoUserFilter
	}
	var all []User
	for start, pages := 0, 0; pages < maxSearchPages; pages++ {
		r, err := c.call(ctx, MethodUserGet, map[string]any{"FILTER": filter, "start": start})
		if err != nil {
			return nil, err
		}
		var page []User
		if err := c.decodeStrict(MethodUserGet, r.Result, &page); err != nil {
			return nil, err
		}
		all = append(all, page...)
		if !r.Next.Valid || r.Next.Value <= int64(start) || len(page) == 0 {
			break
		}
		start = int(r.Next.Value)
	}
	return all, nil
}
