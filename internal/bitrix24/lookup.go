package bitrix24

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
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

// SearchChats returns every chat im.search.chat.list finds for text, one
// call per 50 chats, checked as every paged list is (list.go). The portal
// matches words of titles and of members' names by prefix (SearchWords);
// private dialogs, channels, collabs, copilot and external chats, and
// chats the caller cannot read are never found. text must hold a word the
// portal searches for (SearchText).
func (c *Client) SearchChats(ctx context.Context, text string) ([]ChatSummary, error) {
	return listAll(ctx, c, listRequest[ChatSummary]{
		method: MethodSearchChats, pageSize: SearchPageSize,
		params: func(offset int) map[string]any {
			return map[string]any{"FIND": text, "LIMIT": SearchPageSize, "OFFSET": offset}
		},
		id:   func(s *ChatSummary) Int64 { return s.ID },
		hint: "use a more precise text",
	})
}

// ErrUnsearchable is returned for a text without a word the portal's
// search uses.
var ErrUnsearchable = errors.New("the text holds no word of " + strconv.Itoa(SearchMinWord) + " or more letters or digits, and the portal's chat search ignores shorter words")

// Similar is a name the search found that is not the one asked for.
type Similar struct {
	Name string
	// NearMiss says how a name that looks the same differs ("" when it
	// differs in letters or case): see nearMiss.
	NearMiss string
}

// ChatsNamed returns the chats named exactly name: case-sensitive, with
// surrounding white space trimmed on both sides, the real text compared
// (no normalisation). The search finds them by the name's words; matches
// through members' names are dropped. When none matches, similar holds up
// to five names the search found instead, those that look the same first.
func (c *Client) ChatsNamed(ctx context.Context, name string) (matches []ChatSummary, similar []Similar, err error) {
	want := strings.TrimSpace(name)
	query, ok := SearchText(want)
	if !ok {
		return nil, nil, ErrUnsearchable
	}
	found, err := c.SearchChats(ctx, query)
	if err != nil {
		return nil, nil, err
	}
	var near, other []Similar
	for _, s := range found {
		got := strings.TrimSpace(s.Name.Value)
		switch how := nearMiss(got, want); {
		case got == want:
			matches = append(matches, s)
		case how != "":
			near = append(near, Similar{Name: s.Name.Value, NearMiss: how})
		default:
			other = append(other, Similar{Name: s.Name.Value})
		}
	}
	if len(matches) > 0 {
		return matches, nil, nil
	}
	similar = append(near, other...)
	return nil, similar[:min(len(similar), 5)], nil
}

// ChatsContaining returns the chats whose title holds, for every word of
// text, a word that begins with it (case-insensitive): the portal's own
// title match. The portal also matches members' names; those chats are
// dropped here. Words of text shorter than SearchMinWord are not sent to
// the portal but are matched here too.
func (c *Client) ChatsContaining(ctx context.Context, text string) ([]ChatSummary, error) {
	query, ok := SearchText(text)
	if !ok {
		return nil, ErrUnsearchable
	}
	found, err := c.SearchChats(ctx, query)
	if err != nil {
		return nil, err
	}
	prefixes := SearchWords(strings.ToLower(text))
	var out []ChatSummary
	for _, s := range found {
		if titleHasPrefixes(s.Name.Value, prefixes) {
			out = append(out, s)
		}
	}
	return out, nil
}

func titleHasPrefixes(title string, prefixes []string) bool {
	words := SearchWords(strings.ToLower(title))
	for _, p := range prefixes {
		if !slices.ContainsFunc(words, func(w string) bool { return strings.HasPrefix(w, p) }) {
			return false
		}
	}
	return true
}

// ChatIDByEntity returns the id of the chat bound to a CRM entity,
// workgroup, task or other entity (im.chat.get); found is false when there
// is none. The portal does not check access here: reading the chat does,
// and the caller checks that the chat read is bound to the entity.
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
		return 0, false, &ResponseError{Method: MethodChatGet, HTTPStatus: 200, Reason: "the answer holds no positive chat ID", Snippet: snippet(raw, c.redactor)}
	}
	return answer.ID.Value, true, nil
}

// ErrNoUserFilter is returned by FindUsers without a filter.
var ErrNoUserFilter = errors.New("user.get needs a filter")

// FindUsers returns the users that match a user.get FILTER from every
// page, checked as every paged list is (list.go). A key without an
// operator is an SQL LIKE on the portal (reference §9): prefix it with
// "=" for equality, as UsersByEmail and UserByID do.
func (c *Client) FindUsers(ctx context.Context, filter map[string]string) ([]User, error) {
	if len(filter) == 0 {
		return nil, ErrNoUserFilter
	}
	return listAll(ctx, c, listRequest[User]{
		method: MethodUserGet, pageSize: SearchPageSize,
		params: func(offset int) map[string]any { return map[string]any{"FILTER": filter, "start": offset} },
		id:     func(u *User) Int64 { return u.ID },
		hint:   "use a more precise filter",
	})
}

// ErrNoEmailField is returned when user.get answers without EMAIL: the
// webhook has only the user_brief scope, under which the portal drops a
// filter on EMAIL and answers every user.
var ErrNoEmailField = errors.New("user.get answered users without EMAIL")

// UsersByEmail returns the users whose email is email, compared exactly
// but for case (as the portal's = filter does).
func (c *Client) UsersByEmail(ctx context.Context, email string) ([]User, error) {
	want := strings.TrimSpace(email)
	found, err := c.FindUsers(ctx, map[string]string{"=EMAIL": want})
	if err != nil {
		return nil, err
	}
	var out []User
	for _, u := range found {
		if !u.Email.Valid {
			return nil, ErrNoEmailField
		}
		if strings.EqualFold(strings.TrimSpace(u.Email.Value), want) {
			out = append(out, u)
		}
	}
	return out, nil
}

// UserByID returns the user with the id; found is false when there is
// none. An answer about another user is an error.
func (c *Client) UserByID(ctx context.Context, id int64) (u User, found bool, err error) {
	users, err := c.FindUsers(ctx, map[string]string{"=ID": strconv.FormatInt(id, 10)})
	if err != nil {
		return User{}, false, err
	}
	for _, u := range users {
		if u.ID.Value != id {
			return User{}, false, &ResponseError{Method: MethodUserGet, HTTPStatus: 200,
				Reason: fmt.Sprintf("asked for user %d, the portal answered user %d", id, u.ID.Value)}
		}
	}
	if len(users) == 0 {
		return User{}, false, nil
	}
	return users[0], true, nil
}
