package fakeportal

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// The chat-writing methods, as CIMRestService runs them
// (im/classes/general/im_rest.php: chatCreate, chatUpdateTitle,
// chatUpdateColor, chatSetOwner, chatUserAdd, chatUserDelete, chatUserList)
// with CIMChat (im/classes/general/im_chat.php) and the V2 chat classes
// (im/lib/V2/Chat.php, im/lib/V2/Chat/GroupChat.php) underneath. A chat
// they create is a Dialog like the fixtures, so im.dialog.get, im.chat.get
// and im.search.chat.list see it.

var (
	errChatIDEmpty    = &restError{http.StatusBadRequest, "CHAT_ID_EMPTY", "Chat ID can't be empty"}
	errUserIDEmpty    = &restError{http.StatusBadRequest, "USER_ID_EMPTY", "User ID can't be empty"}
	errTitleEmpty     = &restError{http.StatusBadRequest, "TITLE_EMPTY", "Title can't be empty"}
	errWrongColor     = &restError{http.StatusBadRequest, "WRONG_COLOR", "This color currently unavailable"}
	errColorSet       = &restError{http.StatusBadRequest, "WRONG_REQUEST", "This color currently set or chat isn't exists"}
	errUsersFormat    = &restError{http.StatusBadRequest, "INVALID_FORMAT", "Parameter USERS has wrong type"}
	errSetOwner       = &restError{http.StatusBadRequest, "WRONG_REQUEST", "Change owner can only owner and user must be member in chat"}
	errUserAdd        = &restError{http.StatusBadRequest, "WRONG_REQUEST", "You don't have access or user already member in chat"}
	errUserDelete     = &restError{http.StatusBadRequest, "WRONG_REQUEST", "You don't have access or user isn't member in chat"}
	errCantRename     = &restError{http.StatusForbidden, "ACCESS_ERROR", "This chat cannot be renamed"}
	errCantExtend     = &restError{http.StatusForbidden, "ACCESS_ERROR", "It is forbidden to add users to this chat"}
	errCantLeave      = &restError{http.StatusForbidden, "ACCESS_ERROR", "It is forbidden to delete users of this chat"}
	errLeaveOwner     = &restError{http.StatusForbidden, "ACCESS_ERROR", "The owner cannot leave this chat"}
	errUserNotFoundIn = errUserDelete
)

// chatColors is im/lib/color.php's table; ORANGE is the one unsafe colour
// (Color::isSafeColor).
var chatColors = []struct{ name, hex string }{
	{"RED", "#df532d"}, {"GREEN", "#64a513"}, {"MINT", "#4ba984"}, {"LIGHT_BLUE", "#4ba5c3"},
	{"DARK_BLUE", "#3e99ce"}, {"PURPLE", "#8474c8"}, {"AQUA", "#1eb4aa"}, {"PINK", "#f76187"},
	{"LIME", "#58cc47"}, {"BROWN", "#ab7761"}, {"AZURE", "#29619b"}, {"KHAKI", "#728f7a"},
	{"SAND", "#ba9c7b"}, {"ORANGE", "#e8a441"}, {"MARENGO", "#556574"}, {"GRAY", "#909090"},
	{"GRAPHITE", "#5e5f5e"}, {"COPILOT", "#8d51eb"},
}

// safeColorHex is Color::isSafeColor (case-sensitive) and Color::getColor.
func safeColorHex(name string) (string, bool) {
	for _, c := range chatColors {
		if c.name == name && name != "ORANGE" {
			return c.hex, true
		}
	}
	return "", false
}

// entityOptions is the part of CIMChat::GetChatOptions the fake needs: the
// actions an entity type forbids (RENAME, EXTEND, LEAVE, LEAVE_OWNER).
// Other types, custom ones included, allow everything.
var entityOptions = map[string]map[string]bool{
	"GENERAL":     {"RENAME": false, "EXTEND": false, "LEAVE": false, "LEAVE_OWNER": false},
	"SONET_GROUP": {"RENAME": false, "EXTEND": false, "LEAVE": false, "LEAVE_OWNER": false},
	"CRM":         {"RENAME": false, "EXTEND": true, "LEAVE": true, "LEAVE_OWNER": false},
	"CALL":        {"RENAME": true, "EXTEND": false, "LEAVE": false, "LEAVE_OWNER": false},
}

// actionAllowed is Chat::isActionAllowed / CIMChat::CheckRestriction.
func actionAllowed(entityType, action string) bool {
	if opts, ok := entityOptions[entityType]; ok {
		if allowed, ok := opts[action]; ok {
			return allowed
		}
	}
	return true
}

// chatRef decodes a fixture's result for writing.
type chatRef struct {
	d      *Dialog
	result map[string]any
}

func (r chatRef) str(key string) string {
	switch v := r.result[key].(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	}
	return ""
}

func (r chatRef) num(key string) int64 {
	n, _ := strconv.ParseInt(r.str(key), 10, 64)
	return n
}

func (r chatRef) save() {
	data, err := json.Marshal(r.result)
	if err == nil {
		r.d.Result = data
	}
}

// chatByID finds chat N (its ids hold chatN) for writing; the caller holds mu.
func (p *Portal) chatByID(id int64) (chatRef, bool) {
	want := "chat" + strconv.FormatInt(id, 10)
	for i := range p.fixtures.Dialogs {
		d := &p.fixtures.Dialogs[i]
		if len(d.Private) > 0 || !slices.ContainsFunc(d.IDs, func(s string) bool { return strings.EqualFold(s, want) }) {
			continue
		}
		var m map[string]any
		dec := json.NewDecoder(bytes.NewReader(d.Result))
		dec.UseNumber()
		if dec.Decode(&m) != nil {
			return chatRef{}, false
		}
		return chatRef{d, m}, true
	}
	return chatRef{}, false
}

// chatIDParam is each method's CHAT_ID, or DIALOG_ID when it is chatN
// (Common::isChatId); ok is false for a DIALOG_ID of another form, which
// the methods answer with DIALOG_ID_EMPTY.
func chatIDParam(params map[string]any) (int64, *restError) {
	if dialogID := paramString(params, "DIALOG_ID"); dialogID != "" {
		if len(dialogID) < 5 || !strings.EqualFold(dialogID[:4], "chat") {
			return 0, errDialogIDEmpty
		}
		n, _ := strconv.ParseInt(dialogID[4:], 10, 64)
		return n, nil
	}
	n, _ := strconv.ParseInt(strings.TrimSpace(paramString(params, "CHAT_ID")), 10, 64)
	if n <= 0 {
		return 0, errChatIDEmpty
	}
	return n, nil
}

// userIDs reads USERS as chatCreate does: an array (a JSON list, or PHP's
// USERS[]=… form keys, which arrive as a map), or a JSON string
// (CUtil::JsObjectToPhp). Zeros and empty values are dropped
// (array_filter); an element that is neither a number nor a string is
// INVALID_FORMAT.
func userIDs(raw any) ([]int64, *restError) {
	var list []any
	switch v := raw.(type) {
	case nil:
		return nil, nil
	case []any:
		list = v
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return phpIntval(keys[i]) < phpIntval(keys[j]) })
		for _, k := range keys {
			list = append(list, v[k])
		}
	case string:
		dec := json.NewDecoder(strings.NewReader(v))
		dec.UseNumber()
		if dec.Decode(&list) != nil {
			// intval of a single id, as CIMChat::AddUser takes one.
			if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && n > 0 {
				return []int64{n}, nil
			}
			return nil, nil
		}
	case json.Number:
		list = []any{v}
	default:
		return nil, nil
	}
	var out []int64
	for _, e := range list {
		var s string
		switch x := e.(type) {
		case string:
			s = x
		case json.Number:
			s = x.String()
		default:
			return nil, errUsersFormat
		}
		if n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil && n > 0 && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out, nil
}

// camelType is FormatConverter::toCamelCase of an extended type:
// SONET_GROUP → sonetGroup.
func camelType(t string) string {
	parts := strings.Split(strings.ToLower(t), "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			r := []rune(parts[i])
			r[0] = unicode.ToUpper(r[0])
			parts[i] = string(r)
		}
	}
	return strings.Join(parts, "")
}

// chatAdd is chatCreate → CIMChat::Add → ChatFactory::addChat →
// GroupChat::add. TYPE OPEN makes an open chat (message type O), anything
// else a group chat (C). The caller is the author (owner) and a member;
// USERS join it. A COLOR that is not a safe colour name (case-sensitive) is
// replaced by one the portal picks (Chat::checkColor, by a global counter).
// The title is cut to 255 characters (chatTitle); DESCRIPTION, ENTITY_TYPE
// and ENTITY_ID are trimmed, "0" being none (phpTrimmedOrEmpty); the chat's REST type is the
// camel-cased ENTITY_TYPE when there is one (TypeRegistry: C+CUSTOM), else
// "open" or "chat". The server does not refuse a second chat for the same
// entity (addChat, not addUniqueChat). MESSAGE and AVATAR are not kept.
// When CIMChat::Add fails, chatCreate answers 400 WRONG_REQUEST "Chat can't
// be created"; the fake's add does not fail that way.
func (p *Portal) chatAdd(c *caller, params map[string]any) (any, *restError) {
	raw, _ := param(params, "USERS")
	users, e := userIDs(raw)
	if e != nil {
		return nil, e
	}
	open := paramString(params, "TYPE") == "OPEN"
	title := chatTitle(paramString(params, "TITLE"))
	entityType := phpTrimmedOrEmpty(paramString(params, "ENTITY_TYPE"))
	entityID := phpTrimmedOrEmpty(paramString(params, "ENTITY_ID"))
	description := phpTrimmedOrEmpty(paramString(params, "DESCRIPTION"))

	p.mu.Lock()
	lose := take(&p.faults.LoseChatAddAnswer)
	loseStatus := p.faults.LoseChatAddStatus
	var id int64 = 1
	for i := range p.fixtures.Dialogs {
		f := p.fixtures.Dialogs[i].fields()
		if n, err := f.ID.Int64(); err == nil && n >= id {
			id = n + 1
		}
	}
	colorName := paramString(params, "COLOR")
	hex, ok := safeColorHex(colorName)
	if !ok {
		// Chat::checkColor → Color::getCodeByNumber: the last digit of a
		// global counter picks one of the first ten colours; the fake counts
		// its chats instead.
		hex = chatColors[len(p.fixtures.Dialogs)%10].hex
	}
	members := []int64{c.userID}
	for _, u := range users {
		if !slices.Contains(members, u) {
			members = append(members, u)
		}
	}
	if title == "" {
		// GroupChat generates a title from the members' names; the fake
		// numbers it instead.
		title = "Chat " + strconv.FormatInt(id, 10)
	}
	restType, messageType := "chat", "C"
	if open {
		restType, messageType = "open", "O"
	}
	if entityType != "" {
		restType = camelType(entityType)
	}
	result := map[string]any{
		"id": id, "parent_chat_id": 0, "parent_message_id": 0,
		"name": title, "description": description, "owner": c.userID,
		"extranet": false, "avatar": "", "color": hex, "type": restType,
		"counter": 0, "user_counter": len(members), "message_count": 1, "unread_id": 0,
		"restrictions":    restrictionsFor(entityType),
		"last_message_id": 0, "last_id": 0, "marked_id": 0, "disk_folder_id": 0,
		"entity_type": entityType, "entity_id": entityID, "entity_data_1": "", "entity_data_2": "", "entity_data_3": "",
		"mute_list": []any{}, "date_create": p.now().Format("2006-01-02T15:04:05-07:00"), "message_type": messageType,
		"public": "", "role": "owner", "text_field_enabled": true, "background_id": nil,
		"is_new": true, "readed_list": []any{}, "manager_list": []any{c.userID},
	}
	data, _ := json.Marshal(result)
	p.fixtures.Dialogs = append(p.fixtures.Dialogs, Dialog{IDs: []string{"chat" + strconv.FormatInt(id, 10)}, Members: members, Result: data})
	p.mu.Unlock()

	if lose {
		// The chat exists; its answer does not arrive.
		if loseStatus != 0 {
			return nil, &restError{loseStatus, "", http.StatusText(loseStatus)}
		}
		panic(http.ErrAbortHandler) // net/http drops the connection without an answer.
	}
	return id, nil
}

// phpTrimmedOrEmpty is how Chat::setDescription, setEntityType and
// setEntityId (im/lib/V2/Chat.php) keep a value: `$v ? trim($v) : null`, so
// "" and "0" (falsy in PHP) are none, and anything else loses the white
// space PHP's trim() removes.
func phpTrimmedOrEmpty(v string) string {
	if v == "" || v == "0" {
		return ""
	}
	return phpTrim(v)
}

// chatTitle is Chat::setTitle (im/lib/V2/Chat.php) and CIMChat::Rename
// (im/classes/general/im_chat.php): mb_substr(trim($title), 0, 255), the
// first 255 characters; "" for a falsy title ("" or "0"), which
// GroupChat::checkTitle then replaces.
func chatTitle(v string) string {
	if v == "" || v == "0" {
		return ""
	}
	v = phpTrim(v)
	if r := []rune(v); len(r) > 255 {
		v = string(r[:255])
	}
	return v
}

func restrictionsFor(entityType string) map[string]any {
	out := map[string]any{"path": "", "path_title": ""}
	for _, a := range []string{"avatar", "rename", "extend", "call", "mute", "leave", "leave_owner", "send", "user_list"} {
		out[a] = actionAllowed(entityType, strings.ToUpper(a))
	}
	return out
}

// chatUpdateTitle is chatUpdateTitle → CIMChat::Rename. The REST method
// answers true even when Rename does nothing (a caller who is not a member).
func (p *Portal) chatUpdateTitle(c *caller, params map[string]any) (any, *restError) {
	id, e := chatIDParam(params)
	if e != nil {
		return nil, e
	}
	// trim($TITLE), then empty() ("" and "0" are empty): TITLE_EMPTY;
	// CIMChat::Rename keeps the first 255 characters.
	title := phpTrim(paramString(params, "TITLE"))
	if title == "" || title == "0" {
		return nil, errTitleEmpty
	}
	title = chatTitle(title)
	p.mu.Lock()
	defer p.mu.Unlock()
	ref, ok := p.chatByID(id)
	if !ok {
		return true, nil
	}
	if !actionAllowed(ref.str("entity_type"), "RENAME") {
		return nil, errCantRename
	}
	if slices.Contains(ref.d.Members, c.userID) {
		ref.result["name"] = title
		if _, has := ref.result["title"]; has {
			ref.result["title"] = title
		}
		ref.save()
	}
	return true, nil
}

// chatUpdateColor is chatUpdateColor → CIMChat::SetColor: WRONG_COLOR for a
// name that is not a safe colour (checked as given, upper case only);
// WRONG_REQUEST when the chat is not the caller's or already has the colour.
func (p *Portal) chatUpdateColor(c *caller, params map[string]any) (any, *restError) {
	id, e := chatIDParam(params)
	if e != nil {
		return nil, e
	}
	hex, ok := safeColorHex(paramString(params, "COLOR"))
	if !ok {
		return nil, errWrongColor
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	ref, ok := p.chatByID(id)
	if !ok || !slices.Contains(ref.d.Members, c.userID) || strings.EqualFold(ref.str("color"), hex) {
		return nil, errColorSet
	}
	ref.result["color"] = hex
	ref.save()
	return true, nil
}

// chatSetOwner is chatSetOwner → CIMChat::SetOwner: only the owner may;
// the same owner again is true; the new owner must be a member.
func (p *Portal) chatSetOwner(c *caller, params map[string]any) (any, *restError) {
	id, e := chatIDParam(params)
	if e != nil {
		return nil, e
	}
	userID, _ := strconv.ParseInt(strings.TrimSpace(paramString(params, "USER_ID")), 10, 64)
	if userID <= 0 {
		return nil, errUserIDEmpty
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	ref, ok := p.chatByID(id)
	if !ok || ref.num("owner") != c.userID {
		return nil, errSetOwner
	}
	if userID == c.userID {
		return true, nil
	}
	if !slices.Contains(ref.d.Members, userID) {
		return nil, errSetOwner
	}
	ref.result["owner"] = userID
	ref.result["manager_list"] = []any{userID}
	ref.save()
	return true, nil
}

// chatUserAdd is chatUserAdd → CIMChat::AddUser: USERS (an array, or one
// id) and the caller himself are added; users already in the chat are
// skipped without an error. The caller must be a member (Action::Extend).
func (p *Portal) chatUserAdd(c *caller, params map[string]any) (any, *restError) {
	id, e := chatIDParam(params)
	if e != nil {
		return nil, e
	}
	raw, _ := param(params, "USERS")
	users, e := userIDs(raw)
	if e != nil {
		return nil, errUserAdd
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	ref, ok := p.chatByID(id)
	if ok && !actionAllowed(ref.str("entity_type"), "EXTEND") {
		return nil, errCantExtend
	}
	if !ok || !slices.Contains(ref.d.Members, c.userID) {
		return nil, errUserAdd
	}
	for _, u := range users {
		if !slices.Contains(ref.d.Members, u) {
			ref.d.Members = append(ref.d.Members, u)
		}
	}
	ref.result["user_counter"] = len(ref.d.Members)
	ref.save()
	return true, nil
}

// chatUserDelete is chatUserDelete → CIMChat::DeleteUser, for
// im.chat.user.delete (USER_ID) and im.chat.leave (the caller). Only the
// owner may remove others (IM_ERROR_KICK); a user who is not a member is
// WRONG_REQUEST; an owner leaving where the entity forbids it is
// ACCESS_ERROR (LEAVE_OWNER_FORBIDDEN). When the owner leaves, another
// member becomes the owner (Chat::changeAuthor).
func (p *Portal) chatUserDelete(c *caller, method string, params map[string]any) (any, *restError) {
	id, e := chatIDParam(params)
	if e != nil {
		return nil, e
	}
	userID, _ := strconv.ParseInt(strings.TrimSpace(paramString(params, "USER_ID")), 10, 64)
	p.mu.Lock()
	defer p.mu.Unlock()
	ref, ok := p.chatByID(id)
	if ok && !actionAllowed(ref.str("entity_type"), "LEAVE") {
		return nil, errCantLeave
	}
	if method == "im.chat.user.delete" && userID <= 0 {
		return nil, errUserIDEmpty
	}
	target := c.userID
	if userID > 0 {
		target = userID
	}
	if !ok || !slices.Contains(ref.d.Members, c.userID) {
		return nil, errUserDelete
	}
	owner := ref.num("owner")
	if target == c.userID && owner == c.userID && !actionAllowed(ref.str("entity_type"), "LEAVE_OWNER") {
		return nil, errLeaveOwner
	}
	if target != c.userID && owner != c.userID {
		return nil, errUserDelete
	}
	if !slices.Contains(ref.d.Members, target) {
		return nil, errUserNotFoundIn
	}
	ref.d.Members = slices.DeleteFunc(ref.d.Members, func(m int64) bool { return m == target })
	if target == owner && len(ref.d.Members) > 0 {
		ref.result["owner"] = ref.d.Members[0]
		ref.result["manager_list"] = []any{ref.d.Members[0]}
	}
	ref.result["user_counter"] = len(ref.d.Members)
	ref.save()
	return true, nil
}

// chatUserList is chatUserList → CIMChat::GetChatData: the members' ids, as
// the strings the database gives (GetNext), or [] when the caller may not
// see the chat (not a member of a chat that is not open).
func (p *Portal) chatUserList(c *caller, params map[string]any) (any, *restError) {
	id, e := chatIDParam(params)
	if e != nil {
		return nil, e
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	ref, ok := p.chatByID(id)
	out := []any{}
	if !ok || (!slices.Contains(ref.d.Members, c.userID) && ref.str("message_type") != "O") {
		return out, nil
	}
	for _, m := range ref.d.Members {
		out = append(out, strconv.FormatInt(m, 10))
	}
	return out, nil
}

// profile is CRestProvider::getProfile, which every token may call: the
// caller's ID (a string), ADMIN, NAME and LAST_NAME.
func (p *Portal) profile(c *caller) (any, *restError) {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]any{"ID": strconv.FormatInt(c.userID, 10), "ADMIN": false, "NAME": "", "LAST_NAME": ""}
	for _, u := range p.fixtures.Users {
		if u.ID == strconv.FormatInt(c.userID, 10) {
			out["NAME"], out["LAST_NAME"] = u.Name, u.LastName
		}
	}
	return out, nil
}

// ChatMembers returns the members of chat N, sorted, for tests.
func (p *Portal) ChatMembers(id int64) []int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	ref, ok := p.chatByID(id)
	if !ok {
		return nil
	}
	out := slices.Clone(ref.d.Members)
	slices.Sort(out)
	return out
}

// ChatField returns one key of chat N's im.dialog.get answer as text, for
// tests; "" when there is no such chat or key.
func (p *Portal) ChatField(id int64, key string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	ref, ok := p.chatByID(id)
	if !ok {
		return ""
	}
	return ref.str(key)
}

// ChatsTitled returns the ids of the chats named title, for tests.
func (p *Portal) ChatsTitled(title string) []int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []int64
	for i := range p.fixtures.Dialogs {
		f := p.fixtures.Dialogs[i].fields()
		if f.title() == title {
			n, _ := f.ID.Int64()
			out = append(out, n)
		}
	}
	return out
}

// EditChat changes keys of chat N's im.dialog.get answer (and its members
// when members is not nil), as someone in the portal's UI would, for drift
// tests. It reports whether the chat exists.
func (p *Portal) EditChat(id int64, keys map[string]any, members []int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	ref, ok := p.chatByID(id)
	if !ok {
		return false
	}
	for k, v := range keys {
		ref.result[k] = v
	}
	if members != nil {
		ref.d.Members = slices.Clone(members)
		ref.result["user_counter"] = len(members)
	}
	ref.save()
	return true
}

// chatWrite runs one of the chat-writing methods; method is lower case, as
// the REST server looks methods up (CRestProvider lower-cases its table).
func (p *Portal) chatWrite(c *caller, method string, params map[string]any) (any, *restError) {
	switch method {
	case "im.chat.add":
		return p.chatAdd(c, params)
	case "im.chat.updatetitle":
		return p.chatUpdateTitle(c, params)
	case "im.chat.updatecolor":
		return p.chatUpdateColor(c, params)
	case "im.chat.setowner":
		return p.chatSetOwner(c, params)
	case "im.chat.user.add":
		return p.chatUserAdd(c, params)
	case "im.chat.user.delete", "im.chat.leave":
		return p.chatUserDelete(c, method, params)
	case "im.chat.user.list":
		return p.chatUserList(c, params)
	}
	return nil, errMethodNotFound
}
