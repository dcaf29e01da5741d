package bitrix24

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Methods that manage chats (reference §8, §9; im/classes/general/im_rest.php).
const (
	MethodChatAdd         = "im.chat.add"
	MethodChatUpdateTitle = "im.chat.updateTitle"
	MethodChatUpdateColor = "im.chat.updateColor"
	MethodChatSetOwner    = "im.chat.setOwner"
	MethodChatUserAdd     = "im.chat.user.add"
	MethodChatUserDelete  = "im.chat.user.delete"
	MethodChatLeave       = "im.chat.leave"
	MethodChatUserList    = "im.chat.user.list"
	MethodProfile         = "profile"

	CodeWrongRequest = "WRONG_REQUEST"
	CodeWrongColor   = "WRONG_COLOR"
	CodeTitleEmpty   = "TITLE_EMPTY"
)

// ChatColors are the colours im.chat.add and im.chat.updateColor take, by
// name, with the hex im.dialog.get answers (im/lib/color.php). ORANGE is
// "unsafe" there (updateColor refuses it, and im.chat.add replaces it) and
// COPILOT is the Copilot chats' own, so neither is offered.
var ChatColors = map[string]string{
	"RED": "#df532d", "GREEN": "#64a513", "MINT": "#4ba984", "LIGHT_BLUE": "#4ba5c3",
	"DARK_BLUE": "#3e99ce", "PURPLE": "#8474c8", "AQUA": "#1eb4aa", "PINK": "#f76187",
	"LIME": "#58cc47", "BROWN": "#ab7761", "AZURE": "#29619b", "KHAKI": "#728f7a",
	"SAND": "#ba9c7b", "MARENGO": "#556574", "GRAY": "#909090", "GRAPHITE": "#5e5f5e",
}

// otherColors are colours a chat may have that cannot be chosen.
var otherColors = map[string]string{"ORANGE": "#e8a441", "COPILOT": "#8d51eb"}

// ChatColorNames lists the colours that may be chosen, sorted.
func ChatColorNames() []string {
	names := make([]string, 0, len(ChatColors))
	for n := range ChatColors {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ColorName maps the hex im.dialog.get answers to the colour's name; ok is
// false for a hex that is no known colour.
func ColorName(hex string) (string, bool) {
	hex = strings.ToLower(strings.TrimSpace(hex))
	for _, m := range []map[string]string{ChatColors, otherColors} {
		for name, h := range m {
			if h == hex {
				return name, true
			}
		}
	}
	return "", false
}

// NewChat is what im.chat.add takes.
type NewChat struct {
	Title       string
	Description string // "" sends none
	Color       string // a name of ChatColors; "" lets the portal choose
	Open        bool   // TYPE OPEN; a group chat (CHAT) otherwise
	Users       []int64
	// EntityType and EntityID bind the chat to an entity that im.chat.get
	// finds it by. When EntityType is empty, EntityID alone is a marker
	// that only a search followed by im.dialog.get finds (FindChatByMarker).
	EntityType string
	EntityID   string
}

// NewMarker returns a marker for NewChat.EntityID: "terraform:" and 16
// random hex digits.
func NewMarker() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "terraform:" + hex.EncodeToString(b)
}

func (n NewChat) params() map[string]any {
	p := map[string]any{"TITLE": n.Title, "TYPE": "CHAT"}
	if n.Open {
		p["TYPE"] = "OPEN"
	}
	if n.Description != "" {
		p["DESCRIPTION"] = n.Description
	}
	if n.Color != "" {
		p["COLOR"] = n.Color
	}
	users := make([]int64, 0, len(n.Users))
	users = append(users, n.Users...)
	p["USERS"] = users
	if n.EntityType != "" {
		p["ENTITY_TYPE"] = n.EntityType
	}
	if n.EntityID != "" {
		p["ENTITY_ID"] = n.EntityID
	}
	return p
}

// AddChat calls im.chat.add once (CallWrite) and returns the new chat's id.
func (c *Client) AddChat(ctx context.Context, n NewChat) (int64, error) {
	raw, err := c.CallWrite(ctx, MethodChatAdd, n.params())
	if err != nil {
		return 0, err
	}
	var id Int64
	if err := c.decodeStrict(MethodChatAdd, raw, &id); err != nil {
		return 0, err
	}
	if !id.Valid || id.Value <= 0 {
		return 0, &ResponseError{Method: MethodChatAdd, HTTPStatus: 200, Reason: "the result is not a chat id", Snippet: snippet(raw, c.redactor)}
	}
	return id.Value, nil
}

// LostChatError is an im.chat.add whose answer was lost and whose chat the
// look-ups afterwards did not settle: none was found (the portal may still
// create it, or never got the request), several were, or the look-up failed.
type LostChatError struct {
	// Add is the lost answer.
	Add *AmbiguousError
	// Found holds the chats the look-up found when there were several.
	Found []int64
	// Lookup is the look-up's own failure, if any.
	Lookup error
	// By says how the chat was looked for.
	By string
	// Other is a chat bound to the entity with another title: not the
	// one created, so not taken for it.
	Other int64
}

func (e *LostChatError) Error() string {
	switch {
	case len(e.Found) > 1:
		return fmt.Sprintf("%v; looking for it by %s found %d chats", e.Add, e.By, len(e.Found))
	case e.Lookup != nil:
		return fmt.Sprintf("%v; looking for it by %s failed: %v", e.Add, e.By, e.Lookup)
	case e.Other > 0:
		return fmt.Sprintf("%v; looking for it by %s found only chat %d, which has another title", e.Add, e.By, e.Other)
	}
	return fmt.Sprintf("%v; looking for it by %s found none", e.Add, e.By)
}

func (e *LostChatError) Unwrap() error { return e.Add }

// CreateChat creates a chat exactly once. im.chat.add is sent once; when
// its answer is lost, the chat is looked for before anything else: by its
// entity (im.chat.get) or, without one, by its marker (FindChatByMarker),
// up to three times over seven seconds, since the request may still be
// running on the portal. One chat found is the one created (recovered is
// true); anything else, an interruption (ctx) included, is a
// *LostChatError, and nothing is sent again.
func (c *Client) CreateChat(ctx context.Context, n NewChat) (id int64, recovered bool, err error) {
	id, err = c.AddChat(ctx, n)
	var lost *AmbiguousError
	if err == nil || !errors.As(err, &lost) {
		return id, false, err
	}
	c.warn(ctx, "The answer to im.chat.add was lost; looking for the chat before anything else", map[string]any{"error": err.Error()})
	out := &LostChatError{Add: lost, By: fmt.Sprintf("ENTITY_TYPE %q and ENTITY_ID %q (im.chat.get)", n.EntityType, n.EntityID)}
	if n.EntityType == "" {
		out.By = fmt.Sprintf("its title and the marker ENTITY_ID %q (im.search.chat.list, then im.dialog.get)", n.EntityID)
	}
	for _, d := range lookupDelays {
		if err := c.clock.Sleep(ctx, d); err != nil {
			// Interrupted (ctx ended): the chat may still exist, so the
			// error stays a *LostChatError that says so.
			out.Lookup = err
			return 0, false, out
		}
		var found []int64
		if n.EntityType != "" {
			var ok bool
			var one int64
			one, ok, out.Lookup = c.ChatIDByEntity(ctx, n.EntityType, n.EntityID)
			if ok {
				// im.chat.get answers the first chat bound to the entity, which
				// may be one made meanwhile by someone else (a CRM deal's own
				// chat): only a chat with the title sent is taken for ours.
				var d *Dialog
				if d, out.Lookup = c.GetDialog(ctx, ChatDialogID(one)); out.Lookup == nil {
					if strings.TrimSpace(d.Name.Value) == strings.TrimSpace(n.Title) {
						found = []int64{one}
					} else {
						out.Other = one
					}
				}
			}
		} else {
			found, out.Lookup = c.FindChatByMarker(ctx, n.Title, n.EntityID)
		}
		if out.Lookup != nil {
			if ctx.Err() != nil {
				return 0, false, out
			}
			continue
		}
		switch len(found) {
		case 0:
			continue
		case 1:
			c.warn(ctx, "Found the chat whose creation answer was lost", map[string]any{"chat_id": found[0]})
			return found[0], true, nil
		}
		out.Found = found
		return 0, false, out
	}
	return 0, false, out
}

// FindChatByMarker returns the chats named title whose ENTITY_ID is marker
// and ENTITY_TYPE empty: a search by title (im.search.chat.list, which
// finds only chats the caller is a member of), then im.dialog.get of each
// chat with exactly that title.
func (c *Client) FindChatByMarker(ctx context.Context, title, marker string) ([]int64, error) {
	matches, _, err := c.ChatsNamed(ctx, title)
	if err != nil {
		return nil, err
	}
	var out []int64
	for _, m := range matches {
		d, err := c.GetDialog(ctx, m.DialogID())
		if err != nil {
			return nil, err
		}
		if d.EntityID.Value == marker && d.EntityType.Value == "" {
			out = append(out, m.ID.Value)
		}
	}
	return out, nil
}

// chatParams are the parameters naming the chat.
func chatParams(chatID int64) map[string]any {
	return map[string]any{"CHAT_ID": chatID}
}

// chatParamsWith are the parameters naming the chat and one more key.
func chatParamsWith(chatID int64, key string, value any) map[string]any {
	p := chatParams(chatID)
	p[key] = value
	return p
}

// UpdateChatTitle calls im.chat.updateTitle once.
func (c *Client) UpdateChatTitle(ctx context.Context, chatID int64, title string) error {
	_, err := c.CallWrite(ctx, MethodChatUpdateTitle, chatParamsWith(chatID, "TITLE", title))
	return err
}

// UpdateChatColor calls im.chat.updateColor once. The portal answers
// WRONG_REQUEST when the chat already has the colour (and when the caller
// may not change it, or the chat is gone).
func (c *Client) UpdateChatColor(ctx context.Context, chatID int64, color string) error {
	_, err := c.CallWrite(ctx, MethodChatUpdateColor, chatParamsWith(chatID, "COLOR", color))
	return err
}

// SetChatOwner calls im.chat.setOwner once. Only the owner may, and the
// new owner must be a member.
func (c *Client) SetChatOwner(ctx context.Context, chatID, userID int64) error {
	_, err := c.CallWrite(ctx, MethodChatSetOwner, chatParamsWith(chatID, "USER_ID", userID))
	return err
}

// AddChatUsers adds users in one im.chat.user.add call.
func (c *Client) AddChatUsers(ctx context.Context, chatID int64, users []int64) error {
	_, err := c.CallWrite(ctx, MethodChatUserAdd, chatParamsWith(chatID, "USERS", users))
	return err
}

// DeleteChatUser removes one user (im.chat.user.delete takes one USER_ID).
func (c *Client) DeleteChatUser(ctx context.Context, chatID, userID int64) error {
	_, err := c.CallWrite(ctx, MethodChatUserDelete, chatParamsWith(chatID, "USER_ID", userID))
	return err
}

// LeaveChat makes the caller leave the chat (im.chat.leave).
func (c *Client) LeaveChat(ctx context.Context, chatID int64) error {
	_, err := c.CallWrite(ctx, MethodChatLeave, chatParams(chatID))
	return err
}

// ChatUsers returns the chat's members (im.chat.user.list), sorted. The
// portal answers [] when the caller may not see them.
func (c *Client) ChatUsers(ctx context.Context, chatID int64) ([]int64, error) {
	raw, err := c.Call(ctx, MethodChatUserList, chatParams(chatID))
	if err != nil {
		return nil, err
	}
	var ids List[Int64]
	if !absent(raw) {
		if err := c.decodeStrict(MethodChatUserList, raw, &ids); err != nil {
			return nil, err
		}
	}
	out := make([]int64, 0, len(ids.Values))
	for _, id := range ids.Values {
		if id.Valid {
			out = append(out, id.Value)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, nil
}

// CurrentUserID is the id of the user the client acts as: the webhook's
// user, or for a token the answer of profile (a method every token may
// call), asked once.
func (c *Client) CurrentUserID(ctx context.Context) (int64, error) {
	if w := c.cfg.Auth.Webhook; w != nil {
		return w.UserID, nil
	}
	if v, ok := selfIDs.Load(c); ok {
		if id, ok := v.(int64); ok {
			return id, nil
		}
	}
	raw, err := c.Call(ctx, MethodProfile, map[string]any{})
	if err != nil {
		return 0, err
	}
	var p struct {
		ID Int64 `json:"ID"`
	}
	if err := c.decodeStrict(MethodProfile, raw, &p); err != nil {
		return 0, err
	}
	if !p.ID.Valid || p.ID.Value <= 0 {
		return 0, &ResponseError{Method: MethodProfile, HTTPStatus: 200, Reason: "the answer has no user ID (is the user active?)", Snippet: snippet(raw, c.redactor)}
	}
	selfIDs.Store(c, p.ID.Value)
	return p.ID.Value, nil
}

// ChatDialogID is chatN.
func ChatDialogID(chatID int64) string { return "chat" + strconv.FormatInt(chatID, 10) }

// selfIDs caches CurrentUserID by client (kept here rather than in Client,
// whose fields belong to client.go).
var selfIDs sync.Map
