package bitrix24

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

var errNotObject = errors.New("the result is not a JSON object")

// MethodDialogGet is the REST method that reads one dialog.
const MethodDialogGet = "im.dialog.get"

// DialogIDPattern is the form of a dialog id that im.dialog.get resolves
// (im/lib/common.php isDialogId, then im/lib/dialog.php getChatId): chatN
// for a chat, sgN for a workgroup's chat, or N, a user id, for the private
// dialog with that user; the prefix in any case. N must also be a positive
// whole number (ParseDialogID). The portal's format check lets crmN through
// as well, but getChatId never resolves it, and crm|TYPE|ID, which getChatId
// resolves, fails the format check: neither is a dialog id here.
var DialogIDPattern = regexp.MustCompile(`(?i)^(chat|sg)?([0-9]+)$`)

// ParseDialogID splits a dialog id into its kind ("chat", "sg" or "user")
// and its number. ok is false for anything the portal would not resolve:
// another form, 0 (chat0, 0, sg00) or a number beyond int64.
func ParseDialogID(s string) (kind string, id int64, ok bool) {
	m := DialogIDPattern.FindStringSubmatch(s)
	if m == nil {
		return "", 0, false
	}
	id, err := strconv.ParseInt(m[2], 10, 64)
	if err != nil || id <= 0 {
		return "", 0, false
	}
	kind = strings.ToLower(m[1])
	if kind == "" {
		kind = "user"
	}
	return kind, id, true
}

// CanonicalDialogID is the one spelling of a dialog id: the prefix in
// lower case and the number without leading zeros. CHAT42, chat42 and
// chat042 are one dialog. s must pass ParseDialogID; otherwise it comes
// back unchanged.
func CanonicalDialogID(s string) string {
	kind, id, ok := ParseDialogID(s)
	switch {
	case !ok:
		return s
	case kind == "user":
		return strconv.FormatInt(id, 10)
	}
	return kind + strconv.FormatInt(id, 10)
}

// Dialog is the result of im.dialog.get. Every field is optional, because
// the key set varies between portal versions: a missing key stays invalid.
// Its keys, and those of the types below, are named in DialogKeys and the
// other tables of dialog_keys.go, not in struct tags.
type Dialog struct {
	DialogID         String
	ID               Int64
	ParentChatID     Int64
	ParentMessageID  Int64
	Name             String
	Title            String
	Description      String
	Owner            Int64
	Extranet         Bool
	Avatar           String
	Color            String
	Type             String
	Counter          Int64
	UserCounter      Int64
	MessageCount     Int64
	UnreadID         Int64
	Restrictions     Object[Restrictions]
	LastMessageID    Int64
	LastID           Int64
	MarkedID         Int64
	DiskFolderID     Int64
	EntityType       String
	EntityID         String
	EntityData1      String
	EntityData2      String
	EntityData3      String
	MuteList         List[Int64]
	DateCreate       String
	MessageType      String
	Public           Object[Public]
	Role             String
	EntityLink       Object[EntityLink]
	TextFieldEnabled Bool
	BackgroundID     String
	Permissions      Object[Permissions]
	IsNew            Bool
	ReadedList       List[ReadedEntry]
	ManagerList      List[Int64]
	LastMessageViews Object[LastMessageViews]
}

// Restrictions says what members may change in the chat.
type Restrictions struct {
	Avatar     Bool
	Rename     Bool
	Extend     Bool
	Call       Bool
	Mute       Bool
	Leave      Bool
	LeaveOwner Bool
	Send       Bool
	UserList   Bool
	Path       String
	PathTitle  String
}

// Public is the public link of an open chat; the portal sends "" when there
// is none.
type Public struct {
	Code String
	Link String
}

// EntityLink points at the CRM or other entity the chat is bound to.
type EntityLink struct {
	Type String
	URL  String
	ID   String
}

// Permissions names the least role that may do each action.
type Permissions struct {
	ManageUsersAdd    String
	ManageUsersDelete String
	ManageUI          String
	ManageSettings    String
	ManageMessages    String
	CanPost           String
}

// ReadedEntry says up to which message a member has read.
type ReadedEntry struct {
	UserID    Int64
	UserName  String
	MessageID Int64
	Date      String
}

// LastMessageViews counts who has seen the last message.
type LastMessageViews struct {
	MessageID      Int64
	FirstViewers   List[FirstViewer]
	CountOfViewers Int64
}

// FirstViewer is one of the first members who saw the last message.
type FirstViewer struct {
	UserID   Int64
	UserName String
	Date     String
}

// DecodeDialog reads the "result" of im.dialog.get. It fails when the
// result is not a JSON object, or with a *ValueError when a key holds a
// value that cannot be represented. Unknown keys are ignored; missing keys
// stay invalid.
func DecodeDialog(result []byte) (*Dialog, error) {
	result = bytes.TrimSpace(result)
	if len(result) == 0 || result[0] != '{' {
		return nil, errNotObject
	}
	var d Dialog
	if err := json.Unmarshal(result, &d); err != nil {
		return nil, err
	}
	var bad []ValueError
	problems(reflect.ValueOf(d), "", &bad)
	if len(bad) > 0 {
		bad[0].Method = MethodDialogGet
		return nil, &bad[0]
	}
	// The public doc page calls the title "title"; portals send "name".
	if !d.Name.Valid {
		d.Name = d.Title
	}
	if !d.Title.Valid {
		d.Title = d.Name
	}
	return &d, nil
}

// GetDialog reads one dialog with im.dialog.get. Concurrent calls may be
// combined into one batch request (see Config.BatchWindow).
func (c *Client) GetDialog(ctx context.Context, dialogID string) (*Dialog, error) {
	if c.dialogs != nil {
		return c.dialogs.get(ctx, dialogID)
	}
	out := c.readDialogs(ctx, []string{dialogID})
	return out[0].value, out[0].err
}

// GetDialogs reads many dialogs in ceil(N/50) batch calls, up to four at a
// time. It returns a dialog or an error for every id; err is set only when
// ctx ended.
func (c *Client) GetDialogs(ctx context.Context, ids []string) (map[string]*Dialog, map[string]error, error) {
	dialogs := make(map[string]*Dialog, len(ids))
	failed := map[string]error{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for start := 0; start < len(ids); start += MaxBatchCommands {
		chunk := ids[start:min(start+MaxBatchCommands, len(ids))]
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
				return
			}
			got := c.readDialogs(ctx, chunk)
			mu.Lock()
			defer mu.Unlock()
			for i, id := range chunk {
				if got[i].err != nil {
					failed[id] = got[i].err
				} else {
					dialogs[id] = got[i].value
				}
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	return dialogs, failed, nil
}

// readDialogs reads up to 50 dialogs in one call, retrying failed
// commands together (RunCommands).
func (c *Client) readDialogs(ctx context.Context, ids []string) []outcome[*Dialog] {
	cmds := make([]BatchCommand, len(ids))
	for i, id := range ids {
		cmds[i] = BatchCommand{Method: MethodDialogGet, Params: url.Values{"DIALOG_ID": {id}}}
	}
	if len(ids) > 1 {
		c.debug(ctx, "Sending coalesced dialog reads", map[string]any{"commands": len(ids)})
	}
	results := c.RunCommands(ctx, cmds)
	out := make([]outcome[*Dialog], len(ids))
	for i, r := range results {
		if r.Err != nil {
			out[i].err = r.Err
			continue
		}
		out[i].value, out[i].err = c.decodeDialogResult(r.Result)
	}
	return out
}

func (c *Client) decodeDialogResult(raw json.RawMessage) (*Dialog, error) {
	d, err := DecodeDialog(raw)
	var valueErr *ValueError
	if errors.As(err, &valueErr) {
		valueErr.Key, valueErr.Value = c.redactor.Clean(valueErr.Key), c.redactor.Clean(valueErr.Value)
		return nil, valueErr
	}
	if err != nil {
		return nil, &ResponseError{Method: MethodDialogGet, HTTPStatus: 200, Reason: "the result is not a dialog object", Snippet: snippet(raw, c.redactor)}
	}
	cleanStrings(reflect.ValueOf(d).Elem(), c.redactor.CleanValue)
	return d, nil
}

var stringType = reflect.TypeOf(String{})

// cleanStrings applies clean to every String in v, however deep in
// objects and lists: text values pass the same choke point as errors.
func cleanStrings(v reflect.Value, clean func(string) string) {
	switch {
	case v.Type() == stringType:
		if f := v.FieldByName("Value"); f.CanSet() {
			f.SetString(clean(f.String()))
		}
	case v.Kind() == reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Field(i).CanSet() {
				cleanStrings(v.Field(i), clean)
			}
		}
	case v.Kind() == reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			cleanStrings(v.Index(i), clean)
		}
	}
}
