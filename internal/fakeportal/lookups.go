package fakeportal

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// User is a portal user, as user.get answers it: string ids, upper-case
// keys.
type User struct {
	ID           string `json:"ID"`
	Active       bool   `json:"ACTIVE"`
	Name         string `json:"NAME"`
	LastName     string `json:"LAST_NAME"`
	Email        string `json:"EMAIL"`
	WorkPosition string `json:"WORK_POSITION"`
}

// fullName is the user's name as the im module indexes it
// (Bitrix\Im\User::getFullName: the formatted NAME and LAST_NAME).
func (u User) fullName() string {
	return strings.TrimSpace(u.Name + " " + u.LastName)
}

// page is a list answer with the portal's top-level total and next keys.
// noTotal leaves total out, as user.get does for an empty answer.
type page struct {
	items   []any
	total   int
	next    int // 0 when there is no next page
	noTotal bool
}

// im/classes/general/im_rest.php::searchChat.
var errFindShort = &restError{http.StatusBadRequest, "FIND_SHORT", "Too short a search phrase."}

// chatFields decodes the keys of a fixture's result that the lookups use.
type chatFields struct {
	ID          json.Number `json:"id"`
	Name        *string     `json:"name"`
	Title       string      `json:"title"` // an old portal's key
	EntityType  string      `json:"entity_type"`
	EntityID    string      `json:"entity_id"`
	MessageType string      `json:"message_type"`
}

func (d *Dialog) fields() chatFields {
	var f chatFields
	dec := json.NewDecoder(bytes.NewReader(d.Result))
	dec.UseNumber()
	_ = dec.Decode(&f)
	return f
}

// chatID is the dialog's chat id (its result's id), or 0.
func (d *Dialog) chatID() int64 {
	id, _ := d.fields().ID.Int64()
	return id
}

// title is the chat's title (the result's name, or an old portal's title).
func (f chatFields) title() string {
	if f.Name != nil {
		return *f.Name
	}
	return f.Title
}

// chatType is the chat's type letter (Bitrix\Im\Chat::TYPE_*): the fake takes
// it from the fixture result's message_type, the server's TYPE column that
// formatChatData sends as MESSAGE_TYPE; a result without one is P for a
// dialog with private set and C (a group chat) otherwise.
func (d *Dialog) chatType() string {
	if t := strings.TrimSpace(d.fields().MessageType); t != "" {
		return strings.ToUpper(t)
	}
	if len(d.Private) > 0 {
		return "P"
	}
	return "C"
}

// decodeResult is the fixture's result as an object, numbers kept as sent.
func (d *Dialog) decodeResult() map[string]any {
	var item map[string]any
	dec := json.NewDecoder(bytes.NewReader(d.Result))
	dec.UseNumber()
	_ = dec.Decode(&item)
	return item
}

// searchVisible reports whether im.search.chat.list lists the chat for the
// caller, as im/lib/chat.php::getListParams filters an ordinary user's search
// (the extranet and bot branches are not modelled):
//
//	['=TYPE' => self::TYPE_OPEN],
//	['=TYPE' => self::TYPE_GROUP, '=RELATION.USER_ID' => $params['CURRENT_USER']],
//	['=TYPE' => self::TYPE_THREAD, ...], ['=TYPE' => self::TYPE_PRIVATE, ...],
//	['=TYPE' => self::TYPE_OPEN_LINE, ...]
//
// so channels (N, J), collabs (B), copilot (A), external (X) and system (S)
// chats are never listed. The search also INNER JOINs the chat's search index
// (im/lib/model/chat.php, 'INDEX' => join_type INNER), which
// im/lib/model/chat.php::getRecordChatData never writes for private (P) and
// system chats or LIVECHAT entities: so private dialogs are never listed
// either. The caller holds mu.
func (d *Dialog) searchVisible(userID int64) bool {
	if len(d.Private) > 0 || strings.EqualFold(d.fields().EntityType, "LIVECHAT") {
		return false
	}
	switch d.chatType() {
	case "O":
		return true
	case "C", "T", "L":
		return slices.Contains(d.Members, userID)
	}
	return false
}

// searchContent is the chat's full-text index row, as
// im/lib/model/chat.php::generateSearchContent builds it: the title with
// ChatIndex::CHARS_TO_REPLACE turned into spaces (im/lib/internals/chatindex.php),
// then the full names of at most 100 members (getChatUserNameList,
// setLimit(100)). The caller holds mu.
func (p *Portal) searchContent(d *Dialog) string {
	var b strings.Builder
	b.WriteString(chatIndexClear.Replace(d.fields().title()))
	n := 0
	for _, m := range d.Members {
		if n == 100 {
			break
		}
		n++
		id := strconv.FormatInt(m, 10)
		for _, u := range p.fixtures.Users {
			if u.ID == id {
				b.WriteString(" ")
				b.WriteString(chatIndexClear.Replace(u.fullName()))
			}
		}
	}
	return b.String()
}

// chatIndexClear is ChatIndex::CHARS_TO_REPLACE (im/lib/internals/chatindex.php).
var chatIndexClear = strings.NewReplacer("(", " ", ")", " ", "[", " ", "]", " ", "{", " ", "}", " ",
	"<", " ", ">", " ", "-", " ", "#", " ", `"`, " ", "'", " ")

// splitWords is main/lib/orm/query/filter/helper.php::splitWords: the
// string split at every character that is not a letter, a digit or an
// underscore (preg_split("/[^\p{L}\d_]/u")), empty words and repeats
// dropped. So a zero-width joiner, a ZWNJ, an RTL mark, a no-break space, a
// combining mark and an emoji all end a word.
func splitWords(s string) []string {
	words := strings.FieldsFunc(s, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_'
	})
	var out []string
	for _, w := range words {
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// phpTrim is PHP's trim(): only " \t\n\r\0\x0B", not a no-break space.
func phpTrim(s string) string { return strings.Trim(s, " \t\n\r\x00\x0B") }

var digitsOnly = regexp.MustCompile(`^[0-9]+$`)

// searchWords turns FIND into the words that must match, or reports
// FIND_SHORT. im/lib/chat.php::getListParams, with the full-text index on
// (the cloud):
//
//	$find = trim($find);
//	$find = \Bitrix\Main\Search\Content::prepareStringToken($find);  // str_rot13
//	if (\Bitrix\Main\Search\Content::canUseFulltextSearch($find, \Bitrix\Main\Search\Content::TYPE_MIXED))
//	    $filter[$field] = $find;   // '*INDEX.SEARCH_CONTENT'
//	else
//	    return null;               // -> FIND_SHORT
//
// canUseFulltextSearch (main/lib/search/content.php) passes a phrase of
// digits only, or of at least 3 characters (mb_strlen of the whole phrase,
// not of a word). The '*' filter then becomes, in
// main/classes/general/sqlwhere.php::match and
// main/lib/orm/query/filter/helper.php::matchAgainstWildcard,
// MATCH(...) AGAINST('+word1* +word2*' IN BOOLEAN MODE): each word of at
// least 3 characters (parseFulltextPhrase) is a required prefix. When no
// word is that long the condition is empty and is left out (match returns
// ”, addStringFilter adds nothing): every chat the caller may see is found.
// (ROT13 is applied to the index and the phrase alike, so it changes
// nothing here.)
func searchWords(find string) ([]string, bool) {
	find = phpTrim(find)
	if !digitsOnly.MatchString(find) && utf8.RuneCountInString(find) < 3 {
		return nil, false
	}
	var words []string
	for _, w := range splitWords(find) {
		if utf8.RuneCountInString(w) >= 3 {
			words = append(words, w)
		}
	}
	return words, true
}

// matchesWords reports whether every word is a prefix of a word of content:
// MySQL's boolean-mode "+word*". Guess: the index splits its text into
// words as splitWords does, and compares without case (the collation is a
// case-insensitive one; its accent folding is not modelled).
func matchesWords(content string, words []string) bool {
	tokens := splitWords(strings.ToLower(content))
	for _, w := range words {
		w = strings.ToLower(w)
		if !slices.ContainsFunc(tokens, func(t string) bool { return strings.HasPrefix(t, w) }) {
			return false
		}
	}
	return true
}

// searchChatList is im.search.chat.list, CIMRestService::searchChat
// (im/classes/general/im_rest.php) over im/lib/chat.php::getListParams and
// ::getList:
//
//   - FIND missing (and no FIND_LINES) or too short: FIND_SHORT (see
//     searchWords); FIND_LINES alone searches open-line chats (type L) by
//     title, which the fake rarely holds.
//   - the chats are those searchVisible lists whose search index
//     (searchContent) holds every word as a prefix;
//   - "count" is COUNT(1) of them, sent as total; with none, result is []
//     with total 0;
//   - OFFSET: intval($offset) > 0 ? intval($offset) : (OFFSET > 0 ? OFFSET : 0),
//     where $offset is the request's start (CRestServer): a non-zero start
//     wins;
//   - LIMIT: absent 10; intval(LIMIT) > 50 ? 50 : intval(LIMIT); and in
//     getList, a limit <= 0 is FILTER_LIMIT (50);
//   - ORDER ID DESC;
//   - next (IRestService::setNavData, rest/classes/general/rest.php) is
//     offset + the number of chats on this page, when that is below count.
func (p *Portal) searchChatList(c *caller, params map[string]any) (any, *restError) {
	find, hasFind := param(params, "FIND")
	lines, hasLines := param(params, "FIND_LINES")
	hasFind, hasLines = hasFind && find != nil, hasLines && lines != nil
	if !hasFind && !hasLines {
		return nil, errFindShort
	}
	phrase := paramString(params, "FIND")
	onlyLines := false
	if !hasFind {
		phrase, onlyLines = paramString(params, "FIND_LINES"), true
	}
	words, ok := searchWords(phrase)
	if !ok {
		return nil, errFindShort
	}

	type hit struct {
		id   int64
		item map[string]any
	}
	p.mu.Lock()
	var hits []hit
	for i := range p.fixtures.Dialogs {
		d := &p.fixtures.Dialogs[i]
		if !d.searchVisible(c.userID) {
			continue
		}
		content := p.searchContent(d)
		if onlyLines {
			if d.chatType() != "L" {
				continue
			}
			content = d.fields().title()
		}
		if !matchesWords(content, words) {
			continue
		}
		hits = append(hits, hit{d.chatID(), d.decodeResult()})
	}
	p.mu.Unlock()
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].id > hits[j].id })

	out := page{items: []any{}, total: len(hits)}
	if len(hits) == 0 {
		return out, nil
	}
	offset := 0
	if start := phpIntval(params["start"]); start > 0 {
		offset = start
	} else if o := phpIntval(paramValue(params, "OFFSET")); o > 0 {
		offset = o
	}
	limit := 10
	if v := paramValue(params, "LIMIT"); v != nil {
		limit = min(phpIntval(v), 50)
	}
	if limit <= 0 {
		limit = 50
	}
	for i := offset; i < len(hits) && i < offset+limit; i++ {
		out.items = append(out.items, hits[i].item)
	}
	if offset+len(out.items) < len(hits) {
		out.next = offset + len(out.items)
	}
	if offset == 0 && out.next > 0 && !onlyLines {
		p.createChatBetweenPages(c, phrase)
	}
	return out, nil
}

// createChatBetweenPages plays the CreateChatBetweenPages fault: a new group
// chat, found by the same search, with an id above every other.
func (p *Portal) createChatBetweenPages(c *caller, find string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !take(&p.faults.CreateChatBetweenPages) {
		return
	}
	id := p.maxChatIDLocked() + 1
	p.fixtures.Dialogs = append(p.fixtures.Dialogs,
		newChat(id, "C", phpTrim(find)+" (new)", c.userID, []int64{c.userID}, p.now()))
}

// maxChatIDLocked is the highest chat id the portal holds. The caller holds
// mu.
func (p *Portal) maxChatIDLocked() int64 {
	var top int64
	for i := range p.fixtures.Dialogs {
		top = max(top, p.fixtures.Dialogs[i].chatID())
	}
	return top
}

// chatGet is im.chat.get, CIMRestService::chatGet
// (im/classes/general/im_rest.php):
//
//   - with DIALOG_ID set, it is im.dialog.get (the same code, the same
//     errors);
//   - else, when ENTITY_TYPE and ENTITY_ID are both set and not empty (PHP's
//     empty(): "" and "0" are empty), ChatTable::getList with
//     '=ENTITY_TYPE' and '=ENTITY_ID', select ID, ->fetch(): the first row,
//     without an access check, as {"ID": (int)id};
//   - else null, without an error.
//
// Guess: "=" compares under the column's collation, a case-insensitive one
// on a MySQL portal (the source only says "="), so "crm" finds "CRM". Guess:
// the first row without an ORDER is the lowest id.
func (p *Portal) chatGet(c *caller, params map[string]any) (any, *restError) {
	if paramValue(params, "DIALOG_ID") != nil {
		return p.dialogGet(c, params)
	}
	entityType, entityID := paramValue(params, "ENTITY_TYPE"), paramValue(params, "ENTITY_ID")
	if phpEmpty(entityType) || phpEmpty(entityID) {
		return nil, nil
	}
	wantType, wantID := paramString(params, "ENTITY_TYPE"), paramString(params, "ENTITY_ID")
	p.mu.Lock()
	defer p.mu.Unlock()
	found := int64(-1)
	for i := range p.fixtures.Dialogs {
		d := &p.fixtures.Dialogs[i]
		f := d.fields()
		if strings.EqualFold(f.EntityType, wantType) && strings.EqualFold(f.EntityID, wantID) {
			if id := d.chatID(); found < 0 || id < found {
				found = id
			}
		}
	}
	if found < 0 {
		return nil, nil
	}
	return map[string]any{"ID": found}, nil
}

// userFieldsByScope are the fields user.get may filter on and answers, by
// scope: rest/lib/api/user.php::getAllowedUserFields (user: the default
// list; user_basic: ALLOWED_USER_BASIC_FIELDS; user_brief:
// ALLOWED_USER_NAME_FIELDS), reduced to the fields a fixture user has.
// Only user_brief lacks EMAIL.
var userFieldsByScope = map[string][]string{
	"user":       {"ID", "ACTIVE", "NAME", "LAST_NAME", "EMAIL", "WORK_POSITION"},
	"user_basic": {"ID", "ACTIVE", "NAME", "LAST_NAME", "EMAIL", "WORK_POSITION"},
	"user_brief": {"ID", "ACTIVE", "NAME", "LAST_NAME", "WORK_POSITION"},
}

func allowedUserFields(c *caller) []string {
	for _, s := range []string{"user", "user_basic", "user_brief"} {
		if c.has(s) {
			return userFieldsByScope[s]
		}
	}
	return nil
}

// userFilterKey is rest/lib/api/user.php::prepareUserFilter's split of a
// filter key into its operator and field: preg_match('/^([\W]{1,2})(.+)/').
var userFilterKey = regexp.MustCompile(`^([^A-Za-z0-9_]{1,2})(.+)$`)

// sqlOperations is the part of CAllSQLWhere::$operations
// (main/classes/general/sqlwhere.php) the fake applies.
var sqlOperations = map[string]string{
	"": "E", "=": "I", "!=": "NI", "%": "S", "!%": "NS", "!": "N", "=%": "M", "%=": "M",
	">": "G", "<": "L", ">=": "GE", "<=": "LE",
}

type userCondition struct {
	field, op string
	values    []string
}

// userGet is user.get, rest/lib/api/user.php::userGet:
//
//   - the filter is FILTER when it is an array, else the whole query ("The
//     following code is a mistake, but it must be here to save backward
//     compatibility"), keys upper-cased;
//   - prepareUserFilter keeps only keys whose field the scope allows
//     (getAllowedUserFields): with only user_brief a filter on EMAIL is
//     dropped and every user comes back; ACTIVE without an operator becomes
//     "=ACTIVE", its value 'Y' unless falsy or "N";
//   - the fields are compared as main/classes/general/sqlwhere.php does
//     (see matchUser): a key without an operator is "E", for the integer ID
//     an equality on intval(value), for a string UPPER(field) LIKE
//     UPPER('value') with nothing escaped, so "_" and "%" are wildcards;
//     "=" is equality;
//   - pages of 50 from intval(start) (IRestService::getNavData); total and
//     next (setNavData) only when the page holds a user: an empty answer is
//     [] alone;
//   - each user holds the allowed fields (getUserData): no EMAIL with only
//     user_brief; ACTIVE a boolean.
//
// Ids are strings, as the docs (api-reference/user/user-get.md) show them.
// Guess: without an ORDER, users come by id. Not modelled: the extranet
// filter and REAL_USER (bots and system users are never listed).
func (p *Portal) userGet(c *caller, params map[string]any) (any, *restError) {
	allowed := allowedUserFields(c)
	query := params
	if raw, ok := param(params, "FILTER"); ok {
		if m, ok := raw.(map[string]any); ok {
			query = m
		}
	}
	var conds []userCondition
	for key, value := range query {
		key = strings.ToUpper(key)
		prefix, field := "", key
		if m := userFilterKey.FindStringSubmatch(key); m != nil {
			prefix, field = m[1], m[2]
		}
		if !slices.Contains(allowed, field) {
			continue
		}
		if prefix == "" && field == "ACTIVE" {
			prefix = "="
		}
		op, ok := sqlOperations[prefix]
		if !ok {
			continue // Guess: an operator the fake does not model is ignored.
		}
		conds = append(conds, userCondition{field, op, filterValues(field, value)})
	}
	offset := max(phpIntval(params["start"]), 0)

	p.mu.Lock()
	users := slices.Clone(p.fixtures.Users)
	p.mu.Unlock()
	sort.SliceStable(users, func(i, j int) bool {
		a, _ := strconv.ParseInt(users[i].ID, 10, 64)
		b, _ := strconv.ParseInt(users[j].ID, 10, 64)
		return a < b
	})
	var all []User
	for _, u := range users {
		if matchUser(u, conds) {
			all = append(all, u)
		}
	}
	out := page{items: []any{}, total: len(all)}
	for i := offset; i < len(all) && i < offset+50; i++ {
		out.items = append(out.items, userAnswer(all[i], allowed))
	}
	if len(out.items) == 0 {
		out.noTotal = true
		return out, nil
	}
	if offset+len(out.items) < len(all) {
		out.next = offset + len(out.items)
	}
	return out, nil
}

// filterValues is a filter value prepared by
// rest/lib/api/user.php::prepareUserValue and read as CSQLWhere reads it:
// ID as intval, ACTIVE as Y or N, others as text; an array is a list of
// values.
func filterValues(field string, v any) []string {
	var raw []any
	if list, ok := v.([]any); ok {
		raw = list
	} else {
		raw = []any{v}
	}
	out := make([]string, 0, len(raw))
	for _, x := range raw {
		switch field {
		case "ID":
			out = append(out, strconv.Itoa(phpIntval(x)))
		case "ACTIVE":
			if phpTruthy(x) && x != "N" {
				out = append(out, "Y")
			} else {
				out = append(out, "N")
			}
		default:
			out = append(out, paramString(map[string]any{"v": x}, "v"))
		}
	}
	return out
}

// matchUser applies the conditions (AND) to a user.
func matchUser(u User, conds []userCondition) bool {
	for _, c := range conds {
		var value string
		switch c.field {
		case "ID":
			value = u.ID
		case "ACTIVE":
			value = map[bool]string{true: "Y", false: "N"}[u.Active]
		case "NAME":
			value = u.Name
		case "LAST_NAME":
			value = u.LastName
		case "EMAIL":
			value = u.Email
		case "WORK_POSITION":
			value = u.WorkPosition
		}
		if !matchCondition(c, value) {
			return false
		}
	}
	return true
}

// matchCondition is one condition of main/classes/general/sqlwhere.php:
// addIntFilter for ID, addStringFilter for the others. A list of values
// matches when one does (IN / OR), and a negated one when none does.
//
// Guess: the portal's tables use a case-insensitive collation, so "=" (and
// LIKE without UPPER) ignore case as well.
func matchCondition(c userCondition, value string) bool {
	if len(c.values) == 0 {
		return c.op == "N" || c.op == "NI" || c.op == "NS"
	}
	some := func(f func(v string) bool) bool { return slices.ContainsFunc(c.values, f) }
	if c.field == "ID" {
		have, _ := strconv.Atoi(value)
		cmp := func(f func(a, b int) bool) bool {
			return some(func(v string) bool { n, _ := strconv.Atoi(v); return f(have, n) })
		}
		switch c.op {
		case "E", "I", "S", "M":
			return cmp(func(a, b int) bool { return a == b })
		case "NI", "N", "NS":
			return !cmp(func(a, b int) bool { return a == b })
		case "G":
			return cmp(func(a, b int) bool { return a > b })
		case "L":
			return cmp(func(a, b int) bool { return a < b })
		case "GE":
			return cmp(func(a, b int) bool { return a >= b })
		case "LE":
			return cmp(func(a, b int) bool { return a <= b })
		}
		return false
	}
	upper := strings.ToUpper(value)
	switch c.op {
	case "E", "M":
		// "E": UPPER(field) like upper('value'), or field = 'value' when the
		// value is digits only; '' is "field is empty".
		return some(func(v string) bool {
			if v == "" {
				return value == ""
			}
			if digitsOnly.MatchString(v) {
				return value == v
			}
			return likeMatch(strings.ToUpper(v), upper)
		})
	case "I":
		return some(func(v string) bool { return strings.EqualFold(v, value) })
	case "NI":
		return !some(func(v string) bool { return strings.EqualFold(v, value) })
	case "S":
		// UPPER(field) like '%VALUE%' ESCAPE '!', the value escaped by ForLIKE.
		return some(func(v string) bool {
			return v == "" && value == "" || v != "" && strings.Contains(upper, strings.ToUpper(v))
		})
	case "NS":
		return !some(func(v string) bool { return v != "" && strings.Contains(upper, strings.ToUpper(v)) })
	case "N":
		return !some(func(v string) bool { return v != "" && likeMatch(strings.ToUpper(v), upper) })
	case "G":
		return some(func(v string) bool { return upper > strings.ToUpper(v) })
	case "L":
		return some(func(v string) bool { return upper < strings.ToUpper(v) })
	case "GE":
		return some(func(v string) bool { return upper >= strings.ToUpper(v) })
	case "LE":
		return some(func(v string) bool { return upper <= strings.ToUpper(v) })
	}
	return false
}

// likeMatch is MySQL's LIKE: "%" any run of characters, "_" exactly one,
// a backslash escapes the next character (MySQL's default escape, since
// CSQLWhere's "E" has no ESCAPE clause).
func likeMatch(pattern, s string) bool {
	pr, sr := []rune(pattern), []rune(s)
	var match func(i, j int) bool
	memo := map[[2]int]bool{}
	match = func(i, j int) bool {
		key := [2]int{i, j}
		if v, ok := memo[key]; ok {
			return v
		}
		var ok bool
		switch {
		case i == len(pr):
			ok = j == len(sr)
		case pr[i] == '%':
			ok = match(i+1, j) || (j < len(sr) && match(i, j+1))
		case pr[i] == '_':
			ok = j < len(sr) && match(i+1, j+1)
		case pr[i] == '\\' && i+1 < len(pr):
			ok = j < len(sr) && sr[j] == pr[i+1] && match(i+2, j+1)
		default:
			ok = j < len(sr) && sr[j] == pr[i] && match(i+1, j+1)
		}
		memo[key] = ok
		return ok
	}
	return match(0, 0)
}

// userAnswer is one user as getUserData builds it: the allowed fields only.
func userAnswer(u User, allowed []string) map[string]any {
	all := map[string]any{"ID": u.ID, "ACTIVE": u.Active, "NAME": u.Name, "LAST_NAME": u.LastName,
		"EMAIL": u.Email, "WORK_POSITION": u.WorkPosition}
	out := map[string]any{}
	for _, k := range allowed {
		out[k] = all[k]
	}
	return out
}

// paramValue is a parameter as PHP's isset sees it: nil when absent or null.
func paramValue(params map[string]any, name string) any {
	v, _ := param(params, name)
	return v
}

// phpIntval is PHP's intval() of a request value: leading white space, a
// sign and the digits that follow; anything else is 0.
func phpIntval(v any) int {
	switch x := v.(type) {
	case nil:
		return 0
	case bool:
		if x {
			return 1
		}
		return 0
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return int(n)
		}
		f, _ := x.Float64()
		return int(f)
	case string:
		s := strings.TrimLeft(x, " \t\n\r\v\f")
		end := 0
		if end < len(s) && (s[end] == '-' || s[end] == '+') {
			end++
		}
		for end < len(s) && s[end] >= '0' && s[end] <= '9' {
			end++
		}
		n, _ := strconv.Atoi(s[:end])
		return n
	}
	return 0
}

// phpEmpty is PHP's empty() of a request value.
func phpEmpty(v any) bool { return !phpTruthy(v) }
