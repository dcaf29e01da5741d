package fakeportal

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

// im.chat.add and im.chat.updateTitle keep what the server keeps: the title
// trimmed and cut to 255 characters (Chat::setTitle, CIMChat::Rename), the
// description and the entity trimmed (Chat::setDescription, setEntityType,
// setEntityId), "0" being none; updateTitle refuses "0" (empty()).
func TestChatAddKeepsWhatTheServerKeeps(t *testing.T) {
	p, u := start(t, Faults{})
	hook := u + "/rest/1/demowebhookcode1/"
	long := strings.Repeat("é", 300)
	body, _ := json.Marshal(map[string]any{"TITLE": "  " + long, "DESCRIPTION": " Where alerts land \n", "ENTITY_TYPE": " CUSTOM ", "ENTITY_ID": "\tkey "})
	a := postJSON(t, hook+"im.chat.add", string(body))
	id, ok := a.body["result"].(float64)
	if !ok {
		t.Fatalf("im.chat.add: %d %s", a.status, a.raw)
	}
	n := int64(id)
	if got := p.ChatField(n, "name"); got != strings.Repeat("é", 255) {
		t.Errorf("title %d characters, want 255", len([]rune(got)))
	}
	for key, want := range map[string]string{"description": "Where alerts land", "entity_type": "CUSTOM", "entity_id": "key"} {
		if got := p.ChatField(n, key); got != want {
			t.Errorf("%s = %q, want %q", key, got, want)
		}
	}
	a = postJSON(t, hook+"im.chat.add", `{"TITLE":"Zero","DESCRIPTION":"0","ENTITY_ID":"0"}`)
	if id, ok = a.body["result"].(float64); !ok {
		t.Fatalf("im.chat.add: %d %s", a.status, a.raw)
	}
	n = int64(id)
	if d, e := p.ChatField(n, "description"), p.ChatField(n, "entity_id"); d != "" || e != "" {
		t.Errorf(`"0" is none: description %q, entity_id %q`, d, e)
	}
	wantError(t, postJSON(t, hook+"im.chat.updateTitle", `{"CHAT_ID":`+strconv.FormatInt(n, 10)+`,"TITLE":" 0 "}`), 400, "TITLE_EMPTY")
	postJSON(t, hook+"im.chat.updateTitle", `{"CHAT_ID":`+strconv.FormatInt(n, 10)+`,"TITLE":" `+strings.Repeat("x", 260)+`\n"}`)
	if got := p.ChatField(n, "name"); got != strings.Repeat("x", 255) {
		t.Errorf("renamed title %q", got)
	}
}
