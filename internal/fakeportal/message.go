package fakeportal

import (
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Posting messages and listing the caller's chats, as the server runs them:
// im.message.add is CIMRestService::messageAdd
// (im/classes/general/im_rest.php) with CIMMessenger::Add
// (im/classes/general/im_messenger.php) and Chat::sendMessage
// (im/lib/V2/Chat.php) underneath; im.recent.list is
// CIMRestService::recentList with Recent::getList (im/lib/recent.php).

var (
	errMessageEmpty     = &restError{http.StatusBadRequest, "MESSAGE_EMPTY", "Message can't be empty"}
	errMessageType      = &restError{http.StatusBadRequest, "MESSAGE_EMPTY", "Wrong message type"}
	errUserNotFound     = &restError{http.StatusBadRequest, "USER_NOT_FOUND", "User not found"}
	errIncorrectParams  = &restError{http.StatusBadRequest, "PARAMS_ERROR", "Incorrect params"}
	errMessageNotAdded  = &restError{http.StatusBadRequest, "PARAMS_ERROR", "Message isn't added"}
	errGeneralForbidden = &restError{http.StatusForbidden, "ACCESS_ERROR", "Action unavailable"}
	errSendForbidden    = &restError{http.StatusForbidden, "ACCESS_ERROR", "It is forbidden to send messages to this chat"}
)

// Message is one message the portal accepted, for tests.
type Message struct {
	ID int64
	// DialogID is chatN, or the user id of a private message's recipient.
	DialogID string
	AuthorID int64
	Text     string
	// System is SYSTEM=Y as the portal kept it.
	System bool
	// URLPreview is false when the request sent URL_PREVIEW=N.
	URLPreview bool
	// TemplateID is the TEMPLATE_ID the message was sent with.
	TemplateID string
	Posted     time.Time
}

// messageStore is what the portal keeps about messages; mu guards it.
type messageStore struct {
	list []Message
	// uuids maps a TEMPLATE_ID to its message's id (im_message_uuid);
	// 0 while the background job that links them has not run.
	uuids map[string]int64
	// pendingLinks is how many duplicate checks still see a TEMPLATE_ID
	// without its message id (Faults.MessageUUIDLinkDelay).
	pendingLinks map[string]int
	// activity is each chat's last message time, for im.recent.list.
	activity map[int64]time.Time
}

// Messages returns the messages posted so far, oldest first.
func (p *Portal) Messages() []Message {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.msgs.list)
}

// MessagesTo returns the texts posted to a dialog (chatN or a user id),
// oldest first.
func (p *Portal) MessagesTo(dialogID string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, m := range p.msgs.list {
		if strings.EqualFold(m.DialogID, dialogID) {
			out = append(out, m.Text)
		}
	}
	return out
}

// uuidPattern is Uuid::validate (im/lib/Message/Uuid.php): a lower-case
// UUID version 4.
var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// isChatID is Common::isChatId.
var isChatID = regexp.MustCompile(`(?i)^(chat|sg|crm)[0-9]+$`)

// chatIDOf is Dialog::getChatId for a chat-like DIALOG_ID: chatN is N; sgN
// is the workgroup's chat (a fixture that has sgN among its ids); crmN
// resolves to nothing (only crm|TYPE|ID does). The caller holds mu.
func (p *Portal) chatIDOf(dialogID string) int64 {
	if m := chatNRe.FindStringSubmatch(dialogID); m != nil {
		n, _ := strconv.ParseInt(m[1], 10, 64) // (int)N, whether or not the chat exists.
		return n
	}
	if d := p.findChat(dialogID); d != nil {
		return d.chatID()
	}
	return 0
}

// messageAdd is messageAdd, in its order of checks:
//   - MESSAGE missing, not text, or empty after trim (there is no ATTACH
//     here): MESSAGE_EMPTY;
//   - DIALOG_ID that Common::isChatId matches (chatN, sgN, crmN) becomes
//     CHAT_ID = Dialog::getChatId, any other becomes USER_ID = intval;
//   - USER_ID ≤ 0: USER_ID_EMPTY; a user who does not exist: USER_NOT_FOUND;
//   - CHAT_ID ≤ 0: CHAT_ID_EMPTY; the general chat for a user who may not
//     post there: ACCESS_ERROR "Action unavailable"; Chat::isActionAllowed
//     SEND false (CIMChat::GetChatOptions, which the fixture's
//     restrictions.send mirrors): ACCESS_ERROR "It is forbidden to send
//     messages to this chat";
//   - neither: PARAMS_ERROR "Incorrect params";
//   - SYSTEM=Y is kept only when the caller may read the dialog;
//     URL_PREVIEW=N is kept;
//   - CIMMessenger::Add → Chat::sendMessage: a chat that does not exist or
//     that the caller may not post to (not a member) makes Add return
//     false, which messageAdd answers PARAMS_ERROR "Message isn't added";
//     a valid TEMPLATE_ID of a message that is not a system message is
//     de-duplicated (SendingService::checkDuplicateByUuid): seen with a
//     message id, the answer is that id and nothing is posted; seen while
//     the id is not linked yet, PARAMS_ERROR "Message isn't added".
//
// The message's id links to its TEMPLATE_ID after the answer on the
// server (onAfterMessageSend, a background job); here at once, unless
// Faults.MessageUUIDLinkDelay holds it back. Faults.LoseMessageAddAnswer
// posts the message and then loses the answer.
func (p *Portal) messageAdd(c *caller, params map[string]any) (any, *restError) {
	raw, ok := param(params, "MESSAGE")
	if !ok || raw == nil {
		return nil, errMessageEmpty
	}
	text, isText := raw.(string)
	if !isText {
		return nil, errMessageType
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, errMessageEmpty
	}
	dialogID := paramString(params, "DIALOG_ID")

	p.mu.Lock()
	var chatID, userID int64
	var hasChat, hasUser bool
	switch {
	case dialogID != "" && isChatID.MatchString(dialogID):
		chatID, hasChat = p.chatIDOf(dialogID), true
	case dialogID != "":
		userID, hasUser = int64(phpIntval(dialogID)), true
	default:
		if v := paramString(params, "USER_ID"); v != "" {
			userID, hasUser = int64(phpIntval(v)), true
		} else if v := paramString(params, "CHAT_ID"); v != "" {
			chatID, hasChat = int64(phpIntval(v)), true
		}
	}
	var target string
	var ref chatRef
	var chatFound bool
	switch {
	case hasUser:
		if userID <= 0 {
			p.mu.Unlock()
			return nil, errUserIDEmpty
		}
		if !slices.ContainsFunc(p.fixtures.Users, func(u User) bool { return u.ID == strconv.FormatInt(userID, 10) }) {
			p.mu.Unlock()
			return nil, errUserNotFound
		}
		target = strconv.FormatInt(userID, 10)
	case hasChat:
		if chatID <= 0 {
			p.mu.Unlock()
			return nil, errChatIDEmpty
		}
		ref, chatFound = p.chatByID(chatID)
		if chatFound && !sendAllowed(ref) {
			p.mu.Unlock()
			if ref.str("entity_type") == "GENERAL" {
				return nil, errGeneralForbidden
			}
			return nil, errSendForbidden
		}
		target = "chat" + strconv.FormatInt(chatID, 10)
	default:
		p.mu.Unlock()
		return nil, errIncorrectParams
	}
	member := hasUser || (chatFound && slices.Contains(ref.d.Members, c.userID))
	system := paramString(params, "SYSTEM") == "Y" && member
	if hasChat && !member {
		// Chat::sendMessage: NullChat, or canDo(Send) false → Add false.
		p.mu.Unlock()
		return nil, errMessageNotAdded
	}
	if p.msgs.uuids == nil {
		p.msgs.uuids, p.msgs.pendingLinks, p.msgs.activity = map[string]int64{}, map[string]int{}, map[int64]time.Time{}
	}
	uuid := paramString(params, "TEMPLATE_ID")
	if len(uuid) > 255 {
		uuid = uuid[:255]
	}
	checkUUID := !system && uuidPattern.MatchString(uuid)
	if checkUUID {
		if id, seen := p.msgs.uuids[uuid]; seen {
			if p.msgs.pendingLinks[uuid] > 0 {
				p.msgs.pendingLinks[uuid]--
				id = 0
			}
			if id == 0 {
				// MESSAGE_DUPLICATED_BY_UUID → Add false (the one-hour
				// expiry of Uuid::updateIfExpired is not modelled).
				p.mu.Unlock()
				return nil, errMessageNotAdded
			}
			return p.answerMessage(id) // The first message's id; nothing is posted.
		}
	}
	if len([]rune(text)) > 20000+6 {
		text = string([]rune(text)[:20000]) + " (...)"
	}
	text = strings.TrimSpace(strings.NewReplacer("[BR]", "\n", "[br]", "\n", "#BR#", "\n").Replace(text))
	var id int64 = 1
	for _, m := range p.msgs.list {
		id = max(id, m.ID+1)
	}
	now := p.now()
	p.msgs.list = append(p.msgs.list, Message{
		ID: id, DialogID: target, AuthorID: c.userID, Text: text, System: system,
		URLPreview: paramString(params, "URL_PREVIEW") != "N", TemplateID: uuid, Posted: now,
	})
	if hasChat {
		p.msgs.activity[chatID] = now
	}
	if checkUUID {
		p.msgs.uuids[uuid] = id
		p.msgs.pendingLinks[uuid] = p.faults.MessageUUIDLinkDelay
	}
	return p.answerMessage(id)
}

// answerMessage answers a message's id, or loses the answer
// (Faults.LoseMessageAddAnswer); the caller holds mu, which it releases.
func (p *Portal) answerMessage(id int64) (any, *restError) {
	lose := take(&p.faults.LoseMessageAddAnswer)
	loseStatus := p.faults.LoseMessageAddStatus
	p.mu.Unlock()
	if lose {
		if loseStatus != 0 {
			return nil, &restError{loseStatus, "", http.StatusText(loseStatus)}
		}
		panic(http.ErrAbortHandler) // The method ran; its answer does not arrive.
	}
	return id, nil
}

// sendAllowed is Chat::isActionAllowed(…, 'SEND'), read from the
// restrictions the fixture carries (they come from CIMChat::GetChatOptions
// for the chat's entity type).
func sendAllowed(ref chatRef) bool {
	r, ok := ref.result["restrictions"].(map[string]any)
	if !ok {
		return true
	}
	v, ok := r["send"].(bool)
	return !ok || v
}

// recentList is recentList → Recent::getList for the caller: the chats of
// which the caller is a member (private dialogs are left out, as
// SKIP_DIALOG=Y does; there are no open lines here), the most recently
// active first (then the newest chat), OFFSET and LIMIT (default 50, at
// most 200). Each item is formatRow's: id chatN, chat_id, type "chat",
// title, and the chat object of formatChat (lower-case keys). hasMore is
// LIMIT == the rows read; next is OFFSET + count(items) and total -1, put
// beside result by CRestServer.
func (p *Portal) recentList(c *caller, params map[string]any) (any, *restError) {
	limit := phpIntval(paramValue(params, "LIMIT"))
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 200)
	offset := max(phpIntval(paramValue(params, "OFFSET")), 0)

	p.mu.Lock()
	type row struct {
		id   int64
		at   time.Time
		item map[string]any
	}
	var rows []row
	for i := range p.fixtures.Dialogs {
		d := &p.fixtures.Dialogs[i]
		// Private dialogs are never listed here (the fake has no recent
		// entries for them), with or without SKIP_DIALOG.
		if !slices.Contains(d.Members, c.userID) || len(d.Private) > 0 {
			continue
		}
		f := d.fields()
		id, err := f.ID.Int64()
		if err != nil || id <= 0 {
			continue
		}
		ref, ok := p.chatByID(id)
		if !ok {
			continue
		}
		name := ref.str("name")
		if name == "" {
			name = ref.str("title")
		}
		chat := map[string]any{
			"id": id, "parent_chat_id": 0, "parent_message_id": 0, "name": name, "owner": ref.num("owner"),
			"extranet": false, "contains_collaber": false, "avatar": "", "color": ref.str("color"),
			"type": ref.str("type"), "entity_type": ref.str("entity_type"), "entity_id": ref.str("entity_id"),
			"entity_data_1": "", "entity_data_2": "", "entity_data_3": "", "mute_list": []any{}, "manager_list": []any{},
			"date_create": ref.str("date_create"), "message_type": ref.str("message_type"),
			"user_counter": len(d.Members), "restrictions": ref.result["restrictions"], "role": "member",
			"text_field_enabled": true, "background_id": nil, "entity_link": map[string]any{}, "permissions": map[string]any{}, "public": "",
		}
		at := p.msgs.activity[id]
		rows = append(rows, row{id: id, at: at, item: map[string]any{
			"id": "chat" + strconv.FormatInt(id, 10), "chat_id": id, "type": "chat",
			"avatar": map[string]any{"url": "", "color": ref.str("color")}, "title": name,
			"message": map[string]any{"id": 0, "text": ""}, "last_id": 0, "pinned": false, "unread": false,
			"has_reminder": false, "counter": 0, "date_last_activity": at.Format(time.RFC3339), "chat": chat,
		}})
	}
	p.mu.Unlock()
	sort.SliceStable(rows, func(i, j int) bool {
		if !rows[i].at.Equal(rows[j].at) {
			return rows[i].at.After(rows[j].at)
		}
		return rows[i].id > rows[j].id
	})
	items := []any{}
	for i := offset; i < len(rows) && len(items) < limit; i++ {
		items = append(items, rows[i].item)
	}
	hasMore := len(items) == limit
	out := map[string]any{"items": items, "hasMorePages": hasMore, "hasMore": hasMore, "copilot": nil,
		"messagesAutoDeleteConfigs": []any{}, "birthdayList": []any{}}
	pg := page{object: out, total: -1}
	if hasMore {
		pg.next = offset + len(items)
	}
	return pg, nil
}

// body is a page's result: its object, or its items.
func (pg page) body() any {
	if pg.object != nil {
		return pg.object
	}
	return pg.items
}

// messageMethod runs im.message.add or im.recent.list; method is lower case.
func (p *Portal) messageMethod(c *caller, method string, params map[string]any) (any, *restError) {
	switch method {
	case "im.message.add":
		return p.messageAdd(c, params)
	case "im.recent.list":
		return p.recentList(c, params)
	}
	return nil, errMethodNotFound
}
