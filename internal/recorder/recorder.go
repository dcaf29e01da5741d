// Package recorder reads chats from a real Bitrix24 portal through the
// provider's client (its flow control, retries and secret masking) and
// writes them as fake portal fixtures, so that real shapes can be planned
// against offline and attached to a bug report. It has no Terraform
// imports.
package recorder

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/bitrix24"
	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/fakeportal"
)

// Method names the recorder calls besides the client's own.
const (
	MethodChatUserList = "im.chat.user.list"
	MethodUserCurrent  = "user.current"
)

// Options say what to record.
type Options struct {
	// IDs are dialog ids to read: chatN, sgN, crmN, or a user id for the
	// private dialog with that user.
	IDs []string
	// Searches are texts for im.search.chat.list; every chat found is read.
	Searches []string
	// Anonymize replaces people's names and emails with placeholders
	// derived from their user ids (PlaceholderName, PlaceholderEmail).
	Anonymize bool
	// AnonymizeTitles also replaces chat titles and descriptions with
	// "Chat N" and "Description of chat N".
	AnonymizeTitles bool
	// SkipMembers does not ask im.chat.user.list for each chat's members.
	SkipMembers bool
	// SkipUsers does not read the users the chats name (user.get).
	SkipUsers bool
	// Warn gets what could not be recorded but does not stop the
	// recording; nil discards it.
	Warn func(msg string)
}

// Recording is what Record read.
type Recording struct {
	// Fixtures serve the recorded chats (JSON, parsed); their one webhook
	// has a new random code, never the portal's.
	Fixtures fakeportal.Fixtures
	// JSON is Fixtures as the file to write, checked for secrets.
	JSON []byte
	// UserID is the user the chats were read as, the webhook's user.
	UserID int64
	// WebhookCode is the recorded webhook's code: it exists only in the
	// recording.
	WebhookCode string
}

// WebhookPath is the recorded webhook's path, /rest/USER_ID/CODE/.
func (r *Recording) WebhookPath() string {
	return fmt.Sprintf("/rest/%d/%s/", r.UserID, r.WebhookCode)
}

// PlaceholderName is what Anonymize calls user id: "User 503".
func PlaceholderName(id int64) string { return "User " + strconv.FormatInt(id, 10) }

// PlaceholderEmail is what Anonymize makes of user id's email.
func PlaceholderEmail(id int64) string {
	return "user" + strconv.FormatInt(id, 10) + "@example.invalid"
}

// CurrentUserID asks the portal who the caller is (user.current), for
// OAuth auth, whose token does not name its user.
func CurrentUserID(ctx context.Context, c *bitrix24.Client) (int64, error) {
	raw, err := c.Call(ctx, MethodUserCurrent, map[string]any{})
	if err != nil {
		return 0, err
	}
	var u struct {
		ID bitrix24.Int64 `json:"ID"`
	}
	if err := json.Unmarshal(raw, &u); err != nil || !u.ID.Valid || u.ID.Value <= 0 {
		return 0, errors.New("user.current did not answer a user id")
	}
	return u.ID.Value, nil
}

// recorded is one chat being recorded.
type recorded struct {
	key     string // the result's id
	self    int64  // the recording user
	chatID  int64  // 0 when the id is not a number
	ids     []string
	private int64 // the other user of a private dialog read by user id
	result  json.RawMessage
	members []int64
}

// Record reads the chats opts names, as user userID, through c. It fails
// when a chat cannot be read; what is merely missing (members, users) is
// passed to opts.Warn.
func Record(ctx context.Context, c *bitrix24.Client, userID int64, opts Options) (*Recording, error) {
	if userID <= 0 {
		return nil, errors.New("the recording user's id is unknown")
	}
	warn := opts.Warn
	if warn == nil {
		warn = func(string) {}
	}
	red := c.Redactor()

	// The ids to read: as given, then what the searches find.
	var ids []string
	seen := map[string]bool{}
	add := func(id string) {
		id = strings.TrimSpace(id)
		if id != "" && !seen[strings.ToLower(id)] {
			seen[strings.ToLower(id)] = true
			ids = append(ids, id)
		}
	}
	for _, id := range opts.IDs {
		if !bitrix24.DialogIDPattern.MatchString(strings.TrimSpace(id)) {
			return nil, fmt.Errorf("%q is not a dialog id: use chatN, sgN, crmN or a user id", id)
		}
		add(id)
	}
	for _, text := range opts.Searches {
		found, err := c.SearchChats(ctx, strings.TrimSpace(text))
		if err != nil {
			return nil, fmt.Errorf("searching for %q: %w", text, err)
		}
		if len(found) == 0 {
			warn(fmt.Sprintf("the search for %q found no chat", text))
		}
		for _, s := range found {
			add(s.DialogID())
		}
	}
	if len(ids) == 0 {
		return nil, errors.New("nothing to record: give dialog ids or a search")
	}

	// im.dialog.get for each, 50 to a batch call.
	var chats []*recorded
	byKey := map[string]*recorded{}
	var failed []string
	for start := 0; start < len(ids); start += bitrix24.MaxBatchCommands {
		chunk := ids[start:min(start+bitrix24.MaxBatchCommands, len(ids))]
		cmds := make([]bitrix24.BatchCommand, len(chunk))
		for i, id := range chunk {
			cmds[i] = bitrix24.BatchCommand{Method: bitrix24.MethodDialogGet, Params: url.Values{"DIALOG_ID": {id}}}
		}
		for i, r := range c.RunCommands(ctx, cmds) {
			id := chunk[i]
			if r.Err != nil {
				failed = append(failed, fmt.Sprintf("%s: %v", id, r.Err))
				continue
			}
			raw := bytes.TrimSpace(r.Result)
			if len(raw) == 0 || raw[0] != '{' {
				failed = append(failed, fmt.Sprintf("%s: the result is not a JSON object", id))
				continue
			}
			key, chatID := resultID(raw)
			if key == "" {
				key = "dialog " + id // No id: keep it apart from every other.
			}
			rc := byKey[key]
			if rc == nil {
				rc = &recorded{key: key, self: userID, chatID: chatID, result: append(json.RawMessage(nil), raw...)}
				byKey[key] = rc
				chats = append(chats, rc)
			}
			if other, err := strconv.ParseInt(id, 10, 64); err == nil {
				rc.private = other
			} else {
				rc.ids = append(rc.ids, id)
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(failed) > 0 {
		return nil, fmt.Errorf("%d of %d dialogs could not be read:\n  %s", len(failed), len(ids), strings.Join(failed, "\n  "))
	}

	if !opts.SkipMembers {
		readMembers(ctx, c, chats, warn)
	}

	// Who the fixtures name, for user.get and the placeholders.
	var userIDs []int64
	for _, rc := range chats {
		rc.members = appendUnique(rc.members, userID)
		if rc.private > 0 {
			rc.members = appendUnique(rc.members, rc.private)
		}
		slices.Sort(rc.members)
		userIDs = appendUnique(userIDs, rc.members...)
		userIDs = appendUnique(userIDs, people(rc.result)...)
	}
	slices.Sort(userIDs)

	f := fakeportal.Fixtures{
		Webhooks:     []fakeportal.Webhook{},
		Tokens:       []fakeportal.Token{},
		OAuthClients: []fakeportal.OAuthClient{},
		Dialogs:      []fakeportal.Dialog{},
		Users:        []fakeportal.User{},
	}
	for _, rc := range chats {
		d, err := rc.fixture(opts, red)
		if err != nil {
			return nil, fmt.Errorf("dialog %s: %w", rc.key, err)
		}
		f.Dialogs = append(f.Dialogs, d)
	}
	if !opts.SkipUsers {
		f.Users = readUsers(ctx, c, userIDs, opts.Anonymize, red, warn)
	}

	code, err := newWebhookCode()
	if err != nil {
		return nil, err
	}
	f.Webhooks = append(f.Webhooks, fakeportal.Webhook{UserID: userID, Code: code, Scopes: []string{"im", "user_basic"}})
	out, parsed, err := encode(f, red)
	if err != nil {
		return nil, err
	}
	return &Recording{Fixtures: parsed, JSON: out, UserID: userID, WebhookCode: code}, nil
}

// resultID is a result's "id", a number or a string of one, as text and
// as a number (0 when it is not one).
func resultID(raw json.RawMessage) (string, int64) {
	var head struct {
		ID json.RawMessage `json:"id"`
	}
	if json.Unmarshal(raw, &head) != nil || len(head.ID) == 0 {
		return "", 0
	}
	text := string(head.ID)
	var s string
	if json.Unmarshal(head.ID, &s) == nil {
		text = s
	}
	if text == "null" || text == "" {
		return "", 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(text), 10, 64)
	if err != nil || n <= 0 {
		return text, 0
	}
	return strconv.FormatInt(n, 10), n
}

// fixture is the fake portal's dialog: the result with its strings masked
// (and anonymized), byte for byte otherwise.
func (rc *recorded) fixture(opts Options, red *bitrix24.Redactor) (fakeportal.Dialog, error) {
	ids := rc.ids
	if rc.chatID > 0 && rc.private == 0 && !isPrivate(rc.result) {
		// Every chat is reachable as chatN, whichever alias it was read by.
		chat := "chat" + strconv.FormatInt(rc.chatID, 10)
		if !slices.ContainsFunc(ids, func(id string) bool { return strings.EqualFold(id, chat) }) {
			ids = append([]string{chat}, ids...)
		}
	}
	result, err := rc.rewrite(opts, red)
	if err != nil {
		return fakeportal.Dialog{}, err
	}
	d := fakeportal.Dialog{IDs: ids, Members: rc.members, Result: result}
	if d.IDs == nil {
		d.IDs = []string{}
	}
	if rc.private > 0 {
		d.Private = []int64{rc.self, rc.private}
	}
	return d, nil
}

func isPrivate(raw json.RawMessage) bool {
	var head struct {
		Type        any `json:"type"`
		MessageType any `json:"message_type"`
	}
	_ = json.Unmarshal(raw, &head)
	return head.Type == "private" || head.MessageType == "P"
}

// rewrite masks every string of the result with the client's redactor and,
// with Anonymize, replaces people's names.
func (rc *recorded) rewrite(opts Options, red *bitrix24.Redactor) (json.RawMessage, error) {
	var doc any
	dec := json.NewDecoder(bytes.NewReader(rc.result))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	private := rc.private > 0 || isPrivate(rc.result)
	other := rc.private
	if private && other == 0 {
		// Read as chatN: the other member, when the member list names one.
		var others []int64
		for _, m := range rc.members {
			if m != rc.self {
				others = append(others, m)
			}
		}
		if len(others) == 1 {
			other = others[0]
		}
	}
	chat := rc.key
	var anonymize stringRewriter
	// Redactor.String, not CleanValue: secrets are masked, every other
	// byte stays, control characters included, as the portal sent them.
	fn := func(path []any, s string, isKey bool) string { return red.String(anonymize(path, s, isKey)) }
	anonymize = func(path []any, s string, isKey bool) string {
		if !isKey && opts.Anonymize {
			switch {
			case len(path) == 3 && path[0] == "readed_list" && path[2] == "user_name",
				len(path) == 4 && path[0] == "last_message_views" && path[1] == "first_viewers" && path[3] == "user_name":
				sibling := append(append([]any(nil), path[:len(path)-1]...), "user_id")
				if v, ok := lookup(doc, sibling...); ok {
					if id, ok := asID(v); ok {
						return PlaceholderName(id)
					}
				}
				return "User"
			case private && len(path) == 1 && (path[0] == "name" || path[0] == "title") && s != "":
				// A private dialog is named after the other user.
				if other > 0 {
					return PlaceholderName(other)
				}
				return "User"
			}
		}
		if !isKey && opts.AnonymizeTitles && !private && len(path) == 1 && s != "" {
			switch path[0] {
			case "name", "title":
				return "Chat " + chat
			case "description":
				return "Description of chat " + chat
			}
		}
		return s
	}
	return rewriteStrings(rc.result, fn)
}

// asID reads a user id: a number or a string of one.
func asID(v any) (int64, bool) {
	var text string
	switch x := v.(type) {
	case json.Number:
		text = x.String()
	case string:
		text = x
	default:
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(text), 10, 64)
	return n, err == nil && n > 0
}

// people are the user ids a result names: owner, managers, readers and
// viewers.
func people(raw json.RawMessage) []int64 {
	var doc any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if dec.Decode(&doc) != nil {
		return nil
	}
	var out []int64
	addID := func(v any, ok bool) {
		if id, good := asID(v); ok && good {
			out = appendUnique(out, id)
		}
	}
	addID(lookup(doc, "owner"))
	each := func(list any, fn func(any)) {
		switch l := list.(type) {
		case []any:
			for _, v := range l {
				fn(v)
			}
		case map[string]any:
			keys := make([]string, 0, len(l))
			for k := range l {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				fn(l[k])
			}
		}
	}
	if v, ok := lookup(doc, "manager_list"); ok {
		each(v, func(x any) { addID(x, true) })
	}
	if v, ok := lookup(doc, "readed_list"); ok {
		each(v, func(x any) { addID(lookup(x, "user_id")) })
	}
	if v, ok := lookup(doc, "last_message_views", "first_viewers"); ok {
		each(v, func(x any) { addID(lookup(x, "user_id")) })
	}
	return out
}

func appendUnique(list []int64, ids ...int64) []int64 {
	for _, id := range ids {
		if id > 0 && !slices.Contains(list, id) {
			list = append(list, id)
		}
	}
	return list
}

// readMembers asks im.chat.user.list for each chat's members. The portal
// answers [] to a caller who may not see them; failures are warnings.
func readMembers(ctx context.Context, c *bitrix24.Client, chats []*recorded, warn func(string)) {
	var todo []*recorded
	for _, rc := range chats {
		if rc.chatID > 0 {
			todo = append(todo, rc)
		}
	}
	var failures []string
	for start := 0; start < len(todo); start += bitrix24.MaxBatchCommands {
		chunk := todo[start:min(start+bitrix24.MaxBatchCommands, len(todo))]
		cmds := make([]bitrix24.BatchCommand, len(chunk))
		for i, rc := range chunk {
			cmds[i] = bitrix24.BatchCommand{Method: MethodChatUserList, Params: url.Values{"CHAT_ID": {strconv.FormatInt(rc.chatID, 10)}}}
		}
		for i, r := range c.RunCommands(ctx, cmds) {
			if r.Err != nil {
				failures = append(failures, fmt.Sprintf("chat%d: %v", chunk[i].chatID, r.Err))
				continue
			}
			var list []json.RawMessage
			if json.Unmarshal(r.Result, &list) != nil {
				failures = append(failures, fmt.Sprintf("chat%d: the answer is not a list", chunk[i].chatID))
				continue
			}
			for _, item := range list {
				var v any
				dec := json.NewDecoder(bytes.NewReader(item))
				dec.UseNumber()
				if dec.Decode(&v) == nil {
					if id, ok := asID(v); ok {
						chunk[i].members = appendUnique(chunk[i].members, id)
					}
				}
			}
		}
	}
	if len(failures) > 0 {
		warn(fmt.Sprintf("%s failed for %d chats, whose members are then only the recording user (first: %s)",
			MethodChatUserList, len(failures), failures[0]))
	}
}

// readUsers reads users by id with user.get, 50 to a batch call.
func readUsers(ctx context.Context, c *bitrix24.Client, ids []int64, anonymize bool, red *bitrix24.Redactor, warn func(string)) []fakeportal.User {
	out := []fakeportal.User{}
	var failures []string
	found := map[int64]bool{}
	keep := func(users []bitrix24.User) {
		for _, u := range users {
			if !u.ID.Valid || u.ID.Value <= 0 || found[u.ID.Value] {
				continue
			}
			found[u.ID.Value] = true
			out = append(out, userFixture(u, anonymize, red))
		}
	}
	for start := 0; start < len(ids); start += bitrix24.MaxBatchCommands {
		chunk := ids[start:min(start+bitrix24.MaxBatchCommands, len(ids))]
		if len(chunk) == 1 {
			// A single command goes as a plain call, whose JSON body has
			// no room for FILTER[ID].
			users, err := c.FindUsers(ctx, map[string]string{"ID": strconv.FormatInt(chunk[0], 10)})
			if err != nil {
				failures = append(failures, fmt.Sprintf("user %d: %v", chunk[0], err))
			}
			keep(users)
			continue
		}
		cmds := make([]bitrix24.BatchCommand, len(chunk))
		for i, id := range chunk {
			cmds[i] = bitrix24.BatchCommand{Method: bitrix24.MethodUserGet, Params: url.Values{"FILTER[ID]": {strconv.FormatInt(id, 10)}}}
		}
		for i, r := range c.RunCommands(ctx, cmds) {
			if r.Err != nil {
				failures = append(failures, fmt.Sprintf("user %d: %v", chunk[i], r.Err))
				continue
			}
			var users []bitrix24.User
			if json.Unmarshal(r.Result, &users) != nil {
				failures = append(failures, fmt.Sprintf("user %d: the answer is not a list of users", chunk[i]))
				continue
			}
			keep(users)
		}
	}
	if len(failures) > 0 {
		warn(fmt.Sprintf("%s failed for %d users, who are left out (bitrix24_user cannot find them offline; the webhook needs the user_basic scope); first: %s",
			bitrix24.MethodUserGet, len(failures), failures[0]))
	}
	sort.Slice(out, func(i, j int) bool {
		a, _ := strconv.ParseInt(out[i].ID, 10, 64)
		b, _ := strconv.ParseInt(out[j].ID, 10, 64)
		return a < b
	})
	return out
}

func userFixture(u bitrix24.User, anonymize bool, red *bitrix24.Redactor) fakeportal.User {
	id := u.ID.Value
	out := fakeportal.User{
		ID:           strconv.FormatInt(id, 10),
		Active:       !u.Active.Valid || u.Active.Value,
		Name:         red.String(u.Name.Value),
		LastName:     red.String(u.LastName.Value),
		Email:        red.String(u.Email.Value),
		WorkPosition: red.String(u.WorkPosition.Value),
	}
	if anonymize {
		out.Name, out.LastName = "User", strconv.FormatInt(id, 10)
		if out.Email != "" {
			out.Email = PlaceholderEmail(id)
		}
		if out.WorkPosition != "" {
			out.WorkPosition = "Work position"
		}
	}
	return out
}

// newWebhookCode is a fresh random webhook code for the recording.
func newWebhookCode() (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "recorded" + hex.EncodeToString(b), nil
}

// encode writes the fixtures file and checks that no secret of the client,
// in any registered encoding, nor any 8-byte piece of one is in it (JSON
// numbers included, which the string rewriting does not see).
func encode(f fakeportal.Fixtures, red *bitrix24.Redactor) ([]byte, fakeportal.Fixtures, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(f); err != nil {
		return nil, f, err
	}
	if red.Contains(b.String()) {
		return nil, f, errors.New("a secret of the portal's credentials, or a piece of one, would be written to the fixtures; nothing was written")
	}
	parsed, err := fakeportal.ParseFixtures(b.Bytes())
	if err != nil {
		return nil, f, fmt.Errorf("the recording is not valid fixtures: %w", err)
	}
	return b.Bytes(), parsed, nil
}
