package fakeportal

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
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

// LoadFixtures reads fixtures from a JSON file.
func LoadFixtures(path string) (Fixtures, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Fixtures{}, err
	}
	return ParseFixtures(data)
}

// ParseFixtures reads fixtures from JSON.
func ParseFixtures(data []byte) (Fixtures, error) {
	var f Fixtures
	if err := json.Unmarshal(data, &f); err != nil {
		return Fixtures{}, fmt.Errorf("fixtures: %w", err)
	}
	for i, d := range f.Dialogs {
		if len(d.IDs) == 0 && len(d.Private) != 2 {
			return Fixtures{}, fmt.Errorf("fixtures: dialog %d has neither ids nor two private users", i)
		}
		var obj map[string]any
		if err := json.Unmarshal(d.Result, &obj); err != nil {
			return Fixtures{}, fmt.Errorf("fixtures: dialog %d: result must be a JSON object: %w", i, err)
		}
	}
	return f, nil
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
