package fakeportal

import (
	"strings"
	"testing"
)

func TestSearchChatList(t *testing.T) {
	p, u := start(t, Faults{})
	p.AddDialogs(GroupChats(120, 100000, 1)...)
	hook := u + "/rest/1/demowebhookcode1/"
	wantError(t, postJSON(t, hook+"im.search.chat.list", `{"FIND":" a "}`), 400, "FIND_SHORT")

	// 120 load chats, newest first, pages of at most 50 with total and next.
	a := postJSON(t, hook+"im.search.chat.list", `{"FIND":"load chat","LIMIT":500}`)
	items, _ := a.body["result"].([]any)
	if a.status != 200 || len(items) != 50 || a.body["total"] != float64(120) || a.body["next"] != float64(50) {
		t.Fatalf("first page: %d items, total %v, next %v", len(items), a.body["total"], a.body["next"])
	}
	if field(items[0], "id") != float64(100119) {
		t.Fatalf("not newest first: %v", field(items[0], "id"))
	}
	a = postJSON(t, hook+"im.search.chat.list", `{"FIND":"load chat","LIMIT":50,"OFFSET":100}`)
	items, _ = a.body["result"].([]any)
	if len(items) != 20 || a.body["next"] != nil {
		t.Fatalf("last page: %d items, next %v", len(items), a.body["next"])
	}
	// Default LIMIT 10; members' names match too; no private dialogs; no
	// chats the caller is not a member of.
	// Anna (user 503) is in chat2005 and chat1439; neither title holds her name.
	a = postJSON(t, hook+"im.search.chat.list", `{"FIND":"anna"}`)
	if items, _ = a.body["result"].([]any); len(items) != 2 || field(items[0], "id") != float64(2005) || field(items[1], "id") != float64(1439) {
		t.Fatalf("member-name match: %s", a.raw)
	}
	for _, find := range []string{"Olga", "Secret", "Board"} {
		a = postJSON(t, hook+"im.search.chat.list", `{"FIND":"`+find+`"}`)
		if items, _ = a.body["result"].([]any); len(items) != 0 || a.body["total"] != float64(0) {
			t.Fatalf("%s: want nothing, got %s", find, a.raw)
		}
	}
	// Inside a batch: result_total and result_next per command.
	a = postJSON(t, hook+"batch", `{"cmd":{"s":"im.search.chat.list?FIND=load&LIMIT=50"}}`)
	r := result(t, a)
	if field(r["result_total"], "s") != float64(120) || field(r["result_next"], "s") != float64(50) {
		t.Fatalf("batch: %s", a.raw)
	}
	// Without the im scope.
	wantError(t, postJSON(t, u+"/rest/9/crmonlywebhook9/im.search.chat.list", `{"FIND":"ops"}`), 401, "insufficient_scope")
}

func TestChatGet(t *testing.T) {
	_, u := start(t, Faults{})
	hook := u + "/rest/1/demowebhookcode1/"
	for body, want := range map[string]any{
		`{"ENTITY_TYPE":"CRM","ENTITY_ID":"DEAL|1663"}`:   float64(1439),
		`{"ENTITY_TYPE":"SONET_GROUP","ENTITY_ID":"103"}`: float64(42),
		`{"ENTITY_TYPE":"TASKS_TASK","ENTITY_ID":"77"}`:   float64(2005),
	} {
		a := postJSON(t, hook+"im.chat.get", body)
		if r := result(t, a); r["ID"] != want {
			t.Fatalf("%s: got %s", body, a.raw)
		}
	}
	// Not found, or missing parameters: null without an error.
	for _, body := range []string{`{"ENTITY_TYPE":"CRM","ENTITY_ID":"DEAL|9"}`, `{}`} {
		a := postJSON(t, hook+"im.chat.get", body)
		if a.status != 200 || !strings.Contains(a.raw, `"result":null`) || a.body["error"] != nil {
			t.Fatalf("%s: want a null result, got %d %s", body, a.status, a.raw)
		}
	}
}

func TestUserGet(t *testing.T) {
	_, u := start(t, Faults{})
	hook := u + "/rest/1/demowebhookcode1/"
	a := postJSON(t, hook+"user.get", `{"FILTER":{"EMAIL":"OLGA@example.com"}}`)
	items, _ := a.body["result"].([]any)
	if len(items) != 1 || field(items[0], "ID") != "5" || field(items[0], "ACTIVE") != true || a.body["total"] != float64(1) {
		t.Fatalf("by email: %s", a.raw)
	}
	a = postJSON(t, hook+"user.get", `{"FILTER":{"EMAIL":"shared@example.com"}}`)
	if items, _ = a.body["result"].([]any); len(items) != 2 {
		t.Fatalf("shared email: %s", a.raw)
	}
	a = postJSON(t, hook+"user.get", `{"FILTER":{"ID":"404"}}`)
	if items, _ = a.body["result"].([]any); len(items) != 0 || !strings.Contains(a.raw, `"result":[]`) {
		t.Fatalf("unknown id: %s", a.raw)
	}
	wantError(t, postJSON(t, u+"/rest/9/crmonlywebhook9/user.get", `{"FILTER":{"ID":"5"}}`), 401, "insufficient_scope")
}
