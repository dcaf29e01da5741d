package fakeportal

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Fixtures seed a portal: who may call it and which dialogs it holds.
type Fixtures struct {
	Webhooks     []Webhook     `json:"webhooks"`
	Tokens       []Token       `json:"tokens"`
	OAuthClients []OAuthClient `json:"oauth_clients"`
	Dialogs      []Dialog      `json:"dialogs"`
	Users        []User        `json:"users"`
}

// Webhook is an inbound webhook: /rest/USER_ID/CODE/.
type Webhook struct {
	UserID int64    `json:"user_id"`
	Code   string   `json:"code"`
	Scopes []string `json:"scopes"`
}

// Token is an OAuth access token. ExpiresAt is a unix time; 0 never expires.
type Token struct {
	AccessToken string   `json:"access_token"`
	UserID      int64    `json:"user_id"`
	Scopes      []string `json:"scopes"`
	ExpiresAt   int64    `json:"expires_at"`
}

// OAuthClient is an application that may refresh tokens at /oauth/token/.
type OAuthClient struct {
	ClientID      string         `json:"client_id"`
	ClientSecret  string         `json:"client_secret"`
	RefreshTokens []RefreshToken `json:"refresh_tokens"`
}

// RefreshToken belongs to one user of an OAuthClient.
type RefreshToken struct {
	RefreshToken string   `json:"refresh_token"`
	UserID       int64    `json:"user_id"`
	Scopes       []string `json:"scopes"`
}

// Dialog is one chat. A caller reaches it by one of IDs (chatN, sgN, …,
// compared case-insensitively), or, for a private dialog, by the other
// member's user id. Result is sent as the portal would, byte for byte apart
// from the echoed dialog_id, so fixtures can carry string ids, [] for empty
// maps or an old portal's short key set.
type Dialog struct {
	IDs []string `json:"ids"`
	// Private, when set, names the two users of a private dialog.
	Private []int64 `json:"private,omitempty"`
	// Members may read the dialog; others get ACCESS_ERROR.
	Members []int64         `json:"members"`
	Result  json.RawMessage `json:"result"`
}

//go:embed fixtures/default.json
var defaultFixtures []byte

// DefaultFixtures returns the demo portal: webhook user 1, a CRM deal chat,
// a group chat with a workgroup alias, an old portal's chat with string ids,
// a private dialog with user 5 and a chat user 1 may not read.
func DefaultFixtures() Fixtures {
	f, err := ParseFixtures(defaultFixtures)
	if err != nil {
		panic("fakeportal: embedded fixtures: " + err.Error()) // A build defect, caught by tests.
	}
	return f
}

// LoadFixtures reads fixtures from a JSON file. Errors name the file, line
// and column: "fixtures.json:12:5: unknown key \"dialgos\"".
func LoadFixtures(path string) (Fixtures, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Fixtures{}, err
	}
	return parseFixtures(path, data)
}

// ParseFixtures reads fixtures from JSON. Unknown keys (outside a dialog's
// result, which is sent as written) and syntax errors are reported with
// their line and column.
func ParseFixtures(data []byte) (Fixtures, error) {
	return parseFixtures("fixtures", data)
}

func parseFixtures(name string, data []byte) (Fixtures, error) {
	at := func(offset int64, format string, args ...any) error {
		line, col := position(data, offset)
		return fmt.Errorf("%s:%d:%d: %s", name, line, col, fmt.Sprintf(format, args...))
	}
	if off, key, ok := unknownKey(data, reflect.TypeOf(Fixtures{})); ok {
		return Fixtures{}, at(off, "unknown key %q", key)
	}
	var f Fixtures
	if err := json.Unmarshal(data, &f); err != nil {
		var syntax *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syntax):
			return Fixtures{}, at(syntax.Offset-1, "%v", err) // Offset is just past the bad byte
		case errors.As(err, &typ):
			return Fixtures{}, at(typ.Offset, "%s: a JSON %s cannot be a %s", typ.Field, typ.Value, typ.Type)
		}
		return Fixtures{}, fmt.Errorf("%s: %w", name, err)
	}
	for i, d := range f.Dialogs {
		if len(d.IDs) == 0 && len(d.Private) != 2 {
			return Fixtures{}, fmt.Errorf("%s: dialog %d has neither ids nor two private users", name, i)
		}
		var obj map[string]any
		if err := json.Unmarshal(d.Result, &obj); err != nil {
			return Fixtures{}, fmt.Errorf("%s: dialog %d: result must be a JSON object: %w", name, i, err)
		}
	}
	return f, nil
}

// position turns a byte offset into a line and a column (in characters),
// both from 1.
func position(data []byte, offset int64) (line, col int) {
	offset = min(max(offset, 0), int64(len(data)))
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:]) + 1
	return line, col
}

// unknownKey walks the JSON beside the Go type it decodes into and reports
// the first object key that names no field (compared as encoding/json does,
// without case), with the offset of its opening quote. Values of type
// json.RawMessage or any are not looked into. Malformed JSON is left to
// json.Unmarshal to report.
func unknownKey(data []byte, t reflect.Type) (int64, string, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var walk func(t reflect.Type) (int64, string, bool, error)
	skip := func() error {
		var v json.RawMessage
		return dec.Decode(&v)
	}
	walk = func(t reflect.Type) (int64, string, bool, error) {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t == reflect.TypeOf(json.RawMessage{}) || t.Kind() == reflect.Interface {
			return 0, "", false, skip()
		}
		switch t.Kind() {
		case reflect.Struct, reflect.Slice, reflect.Map:
		default:
			return 0, "", false, skip()
		}
		tok, err := dec.Token()
		if err != nil {
			return 0, "", false, err
		}
		switch tok {
		case json.Delim('['):
			if t.Kind() != reflect.Slice {
				return 0, "", false, errors.New("type")
			}
			for dec.More() {
				if off, key, ok, err := walk(t.Elem()); ok || err != nil {
					return off, key, ok, err
				}
			}
			_, err = dec.Token()
			return 0, "", false, err
		case json.Delim('{'):
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return 0, "", false, err
				}
				key, _ := kt.(string)
				end := dec.InputOffset()
				var ft reflect.Type
				switch t.Kind() {
				case reflect.Map:
					ft = t.Elem()
				case reflect.Struct:
					if f, ok := fieldByJSONName(t, key); ok {
						ft = f
					} else {
						return keyStart(data, end), key, true, nil
					}
				default:
					return 0, "", false, errors.New("type")
				}
				if off, k, ok, err := walk(ft); ok || err != nil {
					return off, k, ok, err
				}
			}
			_, err = dec.Token()
			return 0, "", false, err
		}
		return 0, "", false, nil // null or a scalar where a list or object belongs: Unmarshal reports it
	}
	off, key, ok, _ := walk(t)
	return off, key, ok
}

// fieldByJSONName finds a struct field by its JSON name, as encoding/json
// matches keys (an exact match, else one without case).
func fieldByJSONName(t reflect.Type, key string) (reflect.Type, bool) {
	var fold reflect.Type
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if name == key {
			return f.Type, true
		}
		if fold == nil && strings.EqualFold(name, key) {
			fold = f.Type
		}
	}
	return fold, fold != nil
}

// keyStart is the offset of the opening quote of the key that ends at end.
func keyStart(data []byte, end int64) int64 {
	i := end - 2 // the closing quote is at end-1
	for ; i >= 0; i-- {
		if data[i] == '"' {
			bs := 0
			for j := i - 1; j >= 0 && data[j] == '\\'; j-- {
				bs++
			}
			if bs%2 == 0 {
				return i
			}
		}
	}
	return 0
}

// GroupChats makes n plain group chats chatFIRST.. chat(FIRST+n-1) that the
// given users may read, for load tests and benchmarks.
func GroupChats(n int, first int64, members ...int64) []Dialog {
	out := make([]Dialog, n)
	for i := range out {
		id := first + int64(i)
		result, _ := json.Marshal(map[string]any{
			"id": id, "parent_chat_id": 0, "parent_message_id": 0,
			"name": "Load chat " + strconv.FormatInt(id, 10), "description": "", "owner": members[0],
			"extranet": false, "avatar": "", "color": "#4ba984", "type": "chat",
			"counter": 0, "user_counter": len(members), "message_count": i % 17, "unread_id": 0,
			"restrictions": []any{}, "last_message_id": 0, "last_id": 0, "marked_id": 0, "disk_folder_id": 0,
			"entity_type": "", "entity_id": "", "entity_data_1": "", "entity_data_2": "", "entity_data_3": "",
			"mute_list": []any{}, "date_create": "2026-01-02T03:04:05+00:00", "message_type": "C",
			"public": "", "role": "member", "text_field_enabled": true, "background_id": nil,
			"is_new": false, "readed_list": []any{}, "manager_list": []any{members[0]},
		})
		out[i] = Dialog{IDs: []string{"chat" + strconv.FormatInt(id, 10)}, Members: members, Result: result}
	}
	return out
}
