package bitrix24

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"reflect"
	"regexp"
	"sync"
)

var errNotObject = errors.New("the result is not a JSON object")

// MethodDialogGet is the REST method that reads one dialog.
const MethodDialogGet = "im.dialog.get"

// DialogIDPattern is the portal's own check of a DIALOG_ID
// (Bitrix\Im\Common::isDialogId): a user id for a private dialog, or chatN,
// sgN or crmN, case-insensitive.
var DialogIDPattern = regexp.MustCompile(`(?i)^([0-9]+|(chat|sg|crm)[0-9]+)$`)

// Dialog is the result of im.dialog.get. Every field is optional, because
// the key set varies between portal versions: a missing key stays invalid.
type Dialog struct {
	DialogID         String                   `json:"dialog_id"`
	ID               Int64                    `json:"id"`
	ParentChatID     Int64                    `json:"parent_chat_id"`
	ParentMessageID  Int64                    `json:"parent_message_id"`
	Name             String                   `json:"name"`
	Title            String                   `json:"title"`
	Description      String                   `json:"description"`
	Owner            Int64                    `json:"owner"`
	Extranet         Bool                     `json:"extranet"`
	Avatar           String                   `json:"avatar"`
	Color            String                   `json:"color"`
	Type             String                   `json:"type"`
	Counter          Int64                    `json:"counter"`
	UserCounter      Int64                    `json:"user_counter"`
	MessageCount     Int64                    `json:"message_count"`
	UnreadID         Int64                    `json:"unread_id"`
	Restrictions     Object[Restrictions]     `json:"restrictions"`
	LastMessageID    Int64                    `json:"last_message_id"`
	LastID           Int64                    `json:"last_id"`
	MarkedID         Int64                    `json:"marked_id"`
	DiskFolderID     Int64                    `json:"disk_folder_id"`
	EntityType       String                   `json:"entity_type"`
	EntityID         String                   `json:"entity_id"`
	EntityData1      String                   `json:"entity_data_1"`
	EntityData2      String                   `json:"entity_data_2"`
	EntityData3      String                   `json:"entity_data_3"`
	MuteList         List[Int64]              `json:"mute_list"`
	DateCreate       String                   `json:"date_create"`
	MessageType      String                   `json:"message_type"`
	Public           Object[Public]           `json:"public"`
	Role             String                   `json:"role"`
	EntityLink       Object[EntityLink]       `json:"entity_link"`
	TextFieldEnabled Bool                     `json:"text_field_enabled"`
	BackgroundID     Int64                    `json:"background_id"`
	Permissions      Object[Permissions]      `json:"permissions"`
	IsNew            Bool                     `json:"is_new"`
	ReadedList       List[ReadedEntry]        `json:"readed_list"`
	ManagerList      List[Int64]              `json:"manager_list"`
	LastMessageViews Object[LastMessageViews] `json:"last_message_views"`
}

// Restrictions says what members may change in the chat.
type Restrictions struct {
	Avatar     Bool   `json:"avatar"`
	Rename     Bool   `json:"rename"`
	Extend     Bool   `json:"extend"`
	Call       Bool   `json:"call"`
	Mute       Bool   `json:"mute"`
	Leave      Bool   `json:"leave"`
	LeaveOwner Bool   `json:"leave_owner"`
	Send       Bool   `json:"send"`
	UserList   Bool   `json:"user_list"`
	Path       String `json:"path"`
	PathTitle  String `json:"path_title"`
}

// Public is the public link of an open chat; the portal sends "" when there
// is none.
type Public struct {
	Code String `json:"code"`
	Link String `json:"link"`
}

// EntityLink points at the CRM or other entity the chat is bound to.
type EntityLink struct {
	Type String `json:"type"`
	URL  String `json:"url"`
	ID   String `json:"id"`
}

// Permissions names the least role that may do each action.
type Permissions struct {
	ManageUsersAdd    String `json:"manage_users_add"`
	ManageUsersDelete String `json:"manage_users_delete"`
	ManageUI          String `json:"manage_ui"`
	ManageSettings    String `json:"manage_settings"`
	ManageMessages    String `json:"manage_messages"`
	CanPost           String `json:"can_post"`
}

// ReadedEntry says up to which message a member has read.
type ReadedEntry struct {
	UserID    Int64  `json:"user_id"`
	UserName  String `json:"user_name"`
	MessageID Int64  `json:"message_id"`
	Date      String `json:"date"`
}

// LastMessageViews counts who has seen the last message.
type LastMessageViews struct {
	MessageID      Int64             `json:"message_id"`
	FirstViewers   List[FirstViewer] `json:"first_viewers"`
	CountOfViewers Int64             `json:"count_of_viewers"`
}

// FirstViewer is one of the first members who saw the last message.
type FirstViewer struct {
	UserID   Int64  `json:"user_id"`
	UserName String `json:"user_name"`
	Date     String `json:"date"`
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
