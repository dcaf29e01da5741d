package fakeportal

import (
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Bitrix\Im\Common::isDialogId and ::isChatId (im/lib/common.php):
//
//	return $id && preg_match('/^([0-9]{1,}|(chat|sg|crm)[0-9]{1,})$/i', $id);
//	return $id && preg_match('/^(chat|sg|crm)[0-9]{1,}$/i', $id);
//
// PHP's "$" also matches before a final newline, hence "\n?". "crm|DEAL|1"
// does not pass isDialogId, so im.dialog.get refuses it with DIALOG_ID_EMPTY
// although Dialog::getChatId would resolve it.
var (
	isDialogIDRe = regexp.MustCompile(`(?i)^([0-9]+|(chat|sg|crm)[0-9]+)\n?$`)
	isChatIDRe   = regexp.MustCompile(`(?i)^(chat|sg|crm)[0-9]+\n?$`)
	chatNRe      = regexp.MustCompile(`(?i)^chat([0-9]+)\n?$`)
	sgNRe        = regexp.MustCompile(`(?i)^sg([0-9]+)\n?$`)
	userIDRe     = regexp.MustCompile(`^([0-9]+)\n?$`)
)

// isDialogID is Common::isDialogId: a string or an integer, not PHP-falsy
// ("0" fails), of the form above.
func isDialogID(v any) (string, bool) {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case json.Number:
		if _, err := x.Int64(); err != nil {
			return "", false
		}
		s = x.String()
	default:
		return "", false
	}
	return s, phpTruthy(s) && isDialogIDRe.MatchString(s)
}

// dialogGet is im.dialog.get, CIMRestService::dialogGet
// (im/classes/general/im_rest.php):
//
//	if (!\Bitrix\Im\Common::isDialogId($arParams['DIALOG_ID']))   -> 400 DIALOG_ID_EMPTY
//	if (!\Bitrix\Im\Dialog::hasAccess($arParams['DIALOG_ID']))    -> 403 ACCESS_ERROR "You do not have access to the specified dialog"
//	$chatId = \Bitrix\Im\Dialog::getChatId($arParams['DIALOG_ID']);
//	if (!$chatId)                                                 -> 400 ACCESS_ERROR "You don't have access to this chat"
//	$result = \Bitrix\Im\Chat::getById($chatId, [...]);
//	if (!$result)                                                 -> 400 ACCESS_ERROR (same)
//	$result['dialog_id'] = $arParams['DIALOG_ID'];
//
// hasAccess runs first (im/lib/dialog.php::hasAccess): for chatN, sgN and
// crmN it resolves the chat and asks Chat::checkAccess, which fails with
// NOT_FOUND for a chat that does not exist (chat id 0, or no such row); so
// an unknown chatN, an unknown sgN and every crmN are 403, not 400. For a
// user id it asks the user entity (User::checkAccess), which fails for a
// user that does not exist: 403 as well. The 400 answers are left for a
// user id that passes but yields no chat (see userDialog).
func (p *Portal) dialogGet(c *caller, params map[string]any) (any, *restError) {
	dialogID, ok := isDialogID(paramValue(params, "DIALOG_ID"))
	if !ok {
		return nil, errDialogIDEmpty
	}
	p.mu.Lock()
	var d *Dialog
	if isChatIDRe.MatchString(dialogID) {
		d = p.findChat(dialogID)
		if d == nil || !d.readable(c.userID) {
			p.mu.Unlock()
			return nil, errNoAccess
		}
	} else {
		var e *restError
		if d, e = p.userDialog(c.userID, dialogID); e != nil {
			p.mu.Unlock()
			return nil, e
		}
	}
	result := d.decodeResult()
	p.mu.Unlock()
	if result == nil {
		return nil, errInternal
	}
	// Keep the fixture's bytes (string ids, [] maps) and echo dialog_id as
	// given.
	result["dialog_id"] = dialogID
	return result, nil
}

// findChat resolves chatN, sgN or crmN as im/lib/dialog.php::getChatId does:
// chatN is chat (int)N (so "chat042" is chat 42); sgN is the workgroup's chat
// (CIMChat::GetSonetGroupChatId: a fixture dialog that lists sgN among its
// ids); crmN matches no branch of getChatId and is chat 0, which never
// exists. The caller holds mu.
//
// Guess: GetSonetGroupChatId creates the chat of a workgroup that has none;
// the fake knows no workgroups beyond its fixtures, so an unknown sgN is
// treated as no such group.
func (p *Portal) findChat(dialogID string) *Dialog {
	if m := chatNRe.FindStringSubmatch(dialogID); m != nil {
		n, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil || n == 0 {
			return nil
		}
		for i := range p.fixtures.Dialogs {
			d := &p.fixtures.Dialogs[i]
			if d.chatID() == n {
				return d
			}
		}
		for i := range p.fixtures.Dialogs {
			if slices.ContainsFunc(p.fixtures.Dialogs[i].IDs, func(id string) bool { return strings.EqualFold(id, "chat"+m[1]) }) {
				return &p.fixtures.Dialogs[i]
			}
		}
		return nil
	}
	if m := sgNRe.FindStringSubmatch(dialogID); m != nil {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		want := "sg" + strconv.FormatInt(n, 10)
		for i := range p.fixtures.Dialogs {
			if slices.ContainsFunc(p.fixtures.Dialogs[i].IDs, func(id string) bool { return strings.EqualFold(id, want) }) {
				return &p.fixtures.Dialogs[i]
			}
		}
	}
	return nil
}

// readable is Bitrix\Im\V2\Chat::checkAccess for a user of the intranet
// (extranet users are not modelled): an open chat (O,
// im/lib/V2/Chat/OpenChat.php) and an open channel (J,
// OpenChannelChat.php) are open to everyone; every other kind
// (GroupChat.php: getRelationByUserId) only to its members. Guess: a
// private chat read by its chatN (PrivateChat.php asks the companion) is
// treated as members only.
func (d *Dialog) readable(userID int64) bool {
	switch d.chatType() {
	case "O", "J":
		return true
	}
	return slices.Contains(d.Members, userID)
}

// userDialog resolves a user id as im/lib/dialog.php does. hasAccess:
// User::getInstance($dialogId)->checkAccess() (im/lib/V2/Entity/User/User.php)
// fails for a user that does not exist (NullUser): 403. getChatId: intval 0
// is false; else CIMMessage::GetChatId($dialogId, $userId)
// (im/classes/general/im_message.php), whose $createIfNotExists defaults to
// true: the private chat of the two users, and when there is none it
// CREATES one (ChatFactory::addChat TYPE private). So reading the private
// dialog with a user who was never written to adds a chat. The caller holds
// mu.
//
// A user exists when the fixtures list them in users or in a private dialog.
// Guess: the dialog with oneself is the personal (notes) chat, which the
// fake never has: 400.
func (p *Portal) userDialog(caller int64, dialogID string) (*Dialog, *restError) {
	m := userIDRe.FindStringSubmatch(dialogID)
	if m == nil {
		return nil, errNoChat
	}
	other, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil || other <= 0 || !p.userExists(other) {
		return nil, errNoAccess
	}
	if other == caller {
		return nil, errNoChat
	}
	for i, d := range p.fixtures.Dialogs {
		if len(d.Private) == 2 && ((d.Private[0] == caller && d.Private[1] == other) || (d.Private[1] == caller && d.Private[0] == other)) {
			return &p.fixtures.Dialogs[i], nil
		}
	}
	name := ""
	for _, u := range p.fixtures.Users {
		if u.ID == strconv.FormatInt(other, 10) {
			name = u.fullName()
		}
	}
	d := newChat(p.maxChatIDLocked()+1, "P", name, 0, []int64{caller, other}, p.now())
	d.IDs = nil
	d.Private = []int64{caller, other}
	p.fixtures.Dialogs = append(p.fixtures.Dialogs, d)
	return &p.fixtures.Dialogs[len(p.fixtures.Dialogs)-1], nil
}

// userExists reports whether the fixtures know the user. The caller holds
// mu.
func (p *Portal) userExists(id int64) bool {
	s := strconv.FormatInt(id, 10)
	for _, u := range p.fixtures.Users {
		if u.ID == s {
			return true
		}
	}
	for _, d := range p.fixtures.Dialogs {
		if slices.Contains(d.Private, id) {
			return true
		}
	}
	return false
}

// newChat is a chat the portal creates itself, in the shape of
// im/lib/chat.php::formatChatData and ::getById (keys lower-cased by toJson).
// typ is the type letter: P gives type "private", O "open", others "chat".
// Guess: the colour (Color::getColorByNumber of the id) is fixed to MINT.
func newChat(id int64, typ, title string, owner int64, members []int64, now time.Time) Dialog {
	kind := map[string]string{"P": "private", "O": "open"}[typ]
	if kind == "" {
		kind = "chat"
	}
	role := "member"
	if owner != 0 {
		role = "owner"
	}
	managers := []any{}
	if owner != 0 {
		managers = append(managers, owner)
	}
	result, _ := json.Marshal(map[string]any{
		"id": id, "parent_chat_id": 0, "parent_message_id": 0,
		"name": title, "description": "", "owner": owner,
		"extranet": false, "avatar": "", "color": "#4ba984", "type": kind,
		"counter": 0, "user_counter": len(members), "message_count": 0, "unread_id": 0,
		"restrictions": []any{}, "last_message_id": 0, "last_id": 0, "marked_id": 0, "disk_folder_id": 0,
		"entity_type": "", "entity_id": "", "entity_data_1": "", "entity_data_2": "", "entity_data_3": "",
		"mute_list": []any{}, "date_create": now.Format(time.RFC3339), "message_type": typ,
		"public": "", "role": role, "text_field_enabled": true, "background_id": nil,
		"is_new": true, "readed_list": []any{}, "manager_list": managers,
	})
	return Dialog{IDs: []string{"chat" + strconv.FormatInt(id, 10)}, Members: members, Result: result}
}
