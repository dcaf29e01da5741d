package bitrix24

import (
	"context"
	"strconv"
)

// Listing the caller's chats (im/classes/general/im_rest.php: recentList,
// im/lib/recent.php: Recent::getList).
const (
	MethodRecentList = "im.recent.list"
	// RecentPageSize is the most im.recent.list answers at once (getLimit).
	RecentPageSize = 200
	// maxRecentPages bounds a listing: 200 pages of 200 chats.
	maxRecentPages = 200
)

// RecentChat is one chat of an im.recent.list answer (keys lower-cased by
// Recent::jsonRow).
type RecentChat struct {
	// ID is the chat's id (the item's chat_id; its "id" is chatN).
	ID    Int64  `json:"chat_id"`
	Type  String `json:"type"` // "chat" or "user"
	Title String `json:"title"`
	Chat  struct {
		ID          Int64  `json:"id"`
		Name        String `json:"name"`
		Type        String `json:"type"` // chat, open, general, sonetGroup, crm, call, …
		MessageType String `json:"message_type"`
		EntityType  String `json:"entity_type"`
	} `json:"chat"`
}

// ChatID is the chat's id from the chat object, or the item's chat_id.
func (r RecentChat) ChatID() int64 {
	if r.Chat.ID.Valid && r.Chat.ID.Value > 0 {
		return r.Chat.ID.Value
	}
	return r.ID.Value
}

// Name is the chat's title.
func (r RecentChat) Name() string {
	if r.Chat.Name.Valid {
		return r.Chat.Name.Value
	}
	return r.Title.Value
}

// GroupChat reports whether the item is a group or open chat (message type
// C or O) other than the general chat: what bitrix24_chat manages.
func (r RecentChat) GroupChat() bool {
	if r.Type.Value != "chat" || r.ChatID() <= 0 {
		return false
	}
	switch r.Chat.Type.Value {
	case "general", "generalChannel":
		return false
	}
	switch r.Chat.MessageType.Value {
	case "C", "O":
		return true
	case "":
		return r.Chat.Type.Value == "chat" || r.Chat.Type.Value == "open"
	}
	return false
}

type recentPage struct {
	Items   List[RecentChat] `json:"items"`
	HasMore Bool             `json:"hasMore"`
}

// RecentChats calls each for every chat in the caller's recent list
// (im.recent.list with SKIP_DIALOG and SKIP_OPENLINES: no private dialogs,
// no open lines), most recently active first, RecentPageSize a page, until
// each returns false. Each chat is seen once: the server's next offset
// counts only the items it kept (recentList: OFFSET + count(items)), so
// pages may overlap. Chats the user hid from the recent list, and chats
// without a message, are not listed by the portal.
func (c *Client) RecentChats(ctx context.Context, each func(RecentChat) bool) error {
	seen := map[int64]bool{}
	for offset, pages := 0, 0; ; pages++ {
		if pages == maxRecentPages {
			return &ResponseError{Method: MethodRecentList, HTTPStatus: 200,
				Reason: "the list did not end after " + strconv.Itoa(maxRecentPages) + " pages"}
		}
		r, err := c.call(ctx, MethodRecentList, map[string]any{
			"SKIP_DIALOG": "Y", "SKIP_OPENLINES": "Y", "LIMIT": RecentPageSize, "OFFSET": offset,
		})
		if err != nil {
			return err
		}
		var page recentPage
		if !absent(r.Result) && string(r.Result) != "false" {
			if err := c.decodeStrict(MethodRecentList, r.Result, &page); err != nil {
				return err
			}
		}
		for _, item := range page.Items.Values {
			id := item.ChatID()
			if id <= 0 || seen[id] {
				continue
			}
			seen[id] = true
			if !each(item) {
				return nil
			}
		}
		if len(page.Items.Values) == 0 || !page.HasMore.Value || !r.Next.Valid || r.Next.Value <= int64(offset) {
			return nil
		}
		offset = int(r.Next.Value)
	}
}
