package fakeportal

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// ids reads the id (or ID) of each item of a list result.
func ids(a answer) []string {
	var out []string
	items, _ := a.body["result"].([]any)
	for _, it := range items {
		v := field(it, "id")
		if v == nil {
			v = field(it, "ID")
		}
		out = append(out, fmt.Sprint(v))
	}
	return out
}

// im/classes/general/im_rest.php::searchChat, im/lib/chat.php::getListParams.
func TestSearchFollowsServer(t *testing.T) {
	_, u := start(t, Faults{})
	hook := u + "/rest/1/demowebhookcode1/im.search.chat.list"
	allVisible := []string{"21191", "3008", "3007", "3006", "3005", "3004", "3001", "2005", "2004", "2003", "2002", "2001", "1439", "42"}
	for _, tc := range []struct {
		find string
		want []string // nil: FIND_SHORT
	}{
		{"lease", []string{}},                               // a prefix, not a substring
		{"Release", []string{"2003", "2002", "2001", "42"}}, // titles and members' names (Release Bot)
		{"release TRAIN", []string{"2002", "2001"}},         // every word must match, case ignored
		{"QA", nil},                                          // 2 characters: FIND_SHORT
		{"ab", nil},                                          //
		{"QA x", allVisible},                                 // long enough, but no word of 3: no condition
		{"12", allVisible},                                   // digits pass the length check
		{"Company", []string{}},                              // a channel (N) is never listed
		{"Acme", []string{"1439"}},                           // the collab (B) is not listed
		{"Announcements", []string{}},                        // an open channel (J) neither
		{"CoPilot", []string{}},                              // nor copilot (A)
		{"Olga", []string{}},                                 // private dialogs have no index
		{"Secret", []string{}},                               // a group chat of others
		{"weekly", []string{"3008"}},                         // a no-break space ends a word
		{"Dev", []string{"3005"}},                            // so does an emoji ZWJ sequence
		{"\u06af\u0641\u062a", []string{"3007"}},             // and a ZWNJ
		{"\u0639\u0644\u06cc", []string{"3007"}},             // a member's name split at its ZWNJ
		{"\u05e4\u05d9\u05ea\u05d5\u05d7", []string{"3006"}}, // an open chat of others, after an RTL mark
		{"on-call", []string{"42"}},                          // "on" is dropped, "call" stays
	} {
		a := postJSON(t, hook, `{"FIND":"`+tc.find+`"}`)
		if tc.want == nil {
			wantError(t, a, 400, "FIND_SHORT")
			continue
		}
		want := tc.want
		if len(want) > 10 {
			want = want[:10]
		}
		if got := ids(a); a.status != 200 || !slices.Equal(got, want) && (len(got) != 0 || len(want) != 0) || a.body["total"] != float64(len(tc.want)) {
			t.Errorf("FIND %q: got %v total %v, want %v (%d)", tc.find, got, a.body["total"], want, len(tc.want))
		}
	}
	wantError(t, postJSON(t, hook, `{}`), 400, "FIND_SHORT")
}

func TestSearchPaging(t *testing.T) {
	p, u := start(t, Faults{})
	p.AddDialogs(GroupChats(120, 100000, 1)...)
	hook := u + "/rest/1/demowebhookcode1/im.search.chat.list"
	for _, tc := range []struct {
		body       string
		first, n   int
		next       any
		wantChatID float64
	}{
		{`{"FIND":"load"}`, 100119, 10, float64(10), 0},                       // LIMIT 10 by default
		{`{"FIND":"load","LIMIT":0}`, 100119, 50, float64(50), 0},             // LIMIT <= 0 is 50
		{`{"FIND":"load","LIMIT":"7"}`, 100119, 7, float64(7), 0},             //
		{`{"FIND":"load","LIMIT":500}`, 100119, 50, float64(50), 0},           // at most 50
		{`{"FIND":"load","OFFSET":110}`, 100009, 10, nil, 0},                  // the last page has no next
		{`{"FIND":"load","OFFSET":5,"start":20}`, 100099, 10, float64(30), 0}, // a non-zero start wins
		{`{"FIND":"load","OFFSET":5,"start":0}`, 100114, 10, float64(15), 0},  // start 0 does not
		{`{"FIND":"load","OFFSET":200}`, 0, 0, nil, 0},                        // past the end
	} {
		a := postJSON(t, hook, tc.body)
		got := ids(a)
		if len(got) != tc.n || a.body["next"] != tc.next || a.body["total"] != float64(120) || tc.n > 0 && got[0] != fmt.Sprint(tc.first) {
			t.Errorf("%s: %d items from %v, next %v, total %v", tc.body, len(got), got, a.body["next"], a.body["total"])
		}
	}
}

func TestCreateChatBetweenPages(t *testing.T) {
	p, u := start(t, Faults{CreateChatBetweenPages: 1})
	p.AddDialogs(GroupChats(60, 100000, 1)...)
	hook := u + "/rest/1/demowebhookcode1/im.search.chat.list"
	first := postJSON(t, hook, `{"FIND":"load chat","LIMIT":50}`)
	second := postJSON(t, hook, `{"FIND":"load chat","LIMIT":50,"OFFSET":50}`)
	// The new chat 100060 pushed 100010 from the first page onto the second.
	if g := ids(first); g[0] != "100059" || first.body["total"] != float64(60) {
		t.Fatalf("first page: %v", g)
	}
	if g := ids(second); len(g) != 11 || g[0] != "100010" || second.body["total"] != float64(61) {
		t.Fatalf("second page: %v total %v", g, second.body["total"])
	}
	if r := result(t, postJSON(t, u+"/rest/1/demowebhookcode1/im.dialog.get", `{"DIALOG_ID":"chat100060"}`)); r["name"] != "load chat (new)" {
		t.Fatalf("new chat: %v", r)
	}
	// Once only.
	postJSON(t, hook, `{"FIND":"load chat","LIMIT":50}`)
	if a := postJSON(t, hook, `{"FIND":"load chat","LIMIT":50}`); a.body["total"] != float64(61) {
		t.Fatalf("created again: %v", a.body["total"])
	}
}

// rest/lib/api/user.php::userGet over main/classes/general/sqlwhere.php.
func TestUserGetFollowsServer(t *testing.T) {
	p, u := start(t, Faults{})
	p.AddToken(Token{AccessToken: "brief", UserID: 1, Scopes: []string{"user_brief"}})
	hook := u + "/rest/1/demowebhookcode1/user.get"
	all := []string{"1", "3", "5", "7", "12", "13", "20", "21", "22", "23", "24", "25", "26", "503"}
	for _, tc := range []struct {
		url, body string
		want      []string
	}{
		{hook, `{"FILTER":{"EMAIL":"john_doe@example.com"}}`, []string{"20", "21"}}, // "_" is a wildcard
		{hook, `{"FILTER":{"=EMAIL":"john_doe@example.com"}}`, []string{"21"}},      // "=" is equality
		{hook, `{"FILTER":{"email":"%OLGA@example.com"}}`, []string{"5", "23"}},     // "%" too; case ignored
		{hook, `{"FILTER":{"EMAIL":"olga@example.com"}}`, []string{"5"}},
		{hook, `{"FILTER":{"ID":"5abc"}}`, []string{"5"}}, // ID is an integer: intval
		{hook, `{"FILTER":{"=ID":5}}`, []string{"5"}},
		{hook, `{"FILTER":{"ID":["3","12"]}}`, []string{"3", "12"}},
		{hook, `{"ID":"3"}`, []string{"3"}}, // without FILTER the query is the filter
		{hook, `{"FILTER":{"ACTIVE":false}}`, []string{"7"}},
		{hook, `{"FILTER":{"ACTIVE":"false"}}`, slices.DeleteFunc(slices.Clone(all), func(s string) bool { return s == "7" })}, // PHP: "false" is true
		{hook, `{"FILTER":{"NAME":"j%","LAST_NAME":"doe%"}}`, []string{"20", "21"}},
		{hook, `{"FILTER":{"PASSWORD":"x"}}`, all},                                        // a field the scope lacks is dropped
		{u + "/rest/user.get?auth=brief", `{"FILTER":{"EMAIL":"olga@example.com"}}`, all}, // user_brief: no EMAIL
	} {
		a := postJSON(t, tc.url, tc.body)
		if got := ids(a); a.status != 200 || !slices.Equal(got, tc.want) || a.body["total"] != float64(len(tc.want)) {
			t.Errorf("%s: got %d %v total %v, want %v", tc.body, a.status, got, a.body["total"], tc.want)
		}
		if items, _ := a.body["result"].([]any); len(items) > 0 {
			_, hasEmail := items[0].(map[string]any)["EMAIL"]
			if brief := strings.Contains(tc.url, "auth=brief"); hasEmail == brief {
				t.Errorf("%s: EMAIL present %v with user_brief %v", tc.body, hasEmail, brief)
			}
			if _, ok := field(items[0], "ID").(string); !ok {
				t.Errorf("ID not a string: %s", a.raw)
			}
		}
	}
	// Nothing found: [] without total.
	if a := postJSON(t, hook, `{"FILTER":{"ID":"404"}}`); !strings.Contains(a.raw, `"result":[]`) || strings.Contains(a.raw, `"total"`) {
		t.Errorf("empty: %s", a.raw)
	}
	// start skips; the last page has no next.
	if a := postJSON(t, hook, `{"start":10}`); len(ids(a)) != 4 || a.body["total"] != float64(14) || a.body["next"] != nil {
		t.Errorf("start 10: %s", a.raw)
	}
}

// im/classes/general/im_rest.php::dialogGet and ::chatGet, im/lib/dialog.php.
func TestDialogIDsFollowServer(t *testing.T) {
	_, u := start(t, Faults{})
	get := u + "/rest/1/demowebhookcode1/im.dialog.get"
	for _, tc := range []struct {
		id     string
		status int
		want   any // the result's id, or the error code
	}{
		{`"0"`, 400, "DIALOG_ID_EMPTY"},             // PHP-falsy
		{`"crm|DEAL|1663"`, 400, "DIALOG_ID_EMPTY"}, // getChatId knows it, isDialogId does not
		{`"chat42x"`, 400, "DIALOG_ID_EMPTY"},
		{`"crm1439"`, 403, "ACCESS_ERROR"}, // passes the check, never resolves
		{`"chat5555"`, 403, "ACCESS_ERROR"},
		{`"sg999"`, 403, "ACCESS_ERROR"},
		{`"999"`, 403, "ACCESS_ERROR"}, // no such user
		{`"1"`, 400, "ACCESS_ERROR"},   // oneself: no personal chat in the fake
		{`"chat99"`, 403, "ACCESS_ERROR"},
		{`"chat042"`, 200, float64(42)},
		{`"sg103"`, 200, float64(42)},      //
		{`"chat3006"`, 200, float64(3006)}, // an open chat of others
		{`"chat3010"`, 200, float64(3010)}, // an open channel of others
		{`"chat77"`, 200, float64(77)},     // the private chat by its chat id
		{`"5"`, 200, float64(77)},
	} {
		a := postJSON(t, get, `{"DIALOG_ID":`+tc.id+`}`)
		if tc.status != 200 {
			code, ok := tc.want.(string)
			if !ok {
				t.Fatalf("%s: want %v for status %d, not an error code", tc.id, tc.want, tc.status)
			}
			wantError(t, a, tc.status, code)
			continue
		}
		if r := result(t, a); r["id"] != tc.want {
			t.Errorf("%s: %v", tc.id, r["id"])
		}
	}
	// A user without a private chat yet: the read creates it.
	a := result(t, postJSON(t, get, `{"DIALOG_ID":"20"}`))
	b := result(t, postJSON(t, get, `{"DIALOG_ID":"20"}`))
	if a["type"] != "private" || a["message_type"] != "P" || a["name"] != "John Doe" || a["id"] != b["id"] || a["dialog_id"] != "20" {
		t.Errorf("created private chat: %v then %v", a, b)
	}

	chatGet := u + "/rest/1/demowebhookcode1/im.chat.get"
	for body, want := range map[string]string{
		`{"ENTITY_TYPE":"crm","ENTITY_ID":"deal|1663"}`: `"result":{"ID":1439}`, // Guess: a case-insensitive collation
		`{"ENTITY_TYPE":"CRM","ENTITY_ID":"0"}`:         `"result":null`,        // "0" is empty()
		`{"ENTITY_TYPE":"CRM"}`:                         `"result":null`,
		`{"DIALOG_ID":"chat42"}`:                        `"dialog_id":"chat42"`, // DIALOG_ID makes it im.dialog.get
	} {
		if a := postJSON(t, chatGet, body); a.status != 200 || !strings.Contains(a.raw, want) {
			t.Errorf("im.chat.get %s: %d %.200s", body, a.status, a.raw)
		}
	}
	wantError(t, postJSON(t, chatGet, `{"DIALOG_ID":"chat99"}`), 403, "ACCESS_ERROR")
}

func TestAuthFaultsAndHalt(t *testing.T) {
	_, u := start(t, Faults{OverloadNext: 1, ConnectionErrorNext: 1})
	get := u + "/rest/1/demowebhookcode1/im.dialog.get"
	a := postJSON(t, get, `{"DIALOG_ID":"chat42"}`)
	wantError(t, a, 401, "OVERLOAD_LIMIT")
	wantError(t, postJSON(t, get, `{"DIALOG_ID":"chat42"}`), 401, "CONNECTION_ERROR")
	result(t, postJSON(t, get, `{"DIALOG_ID":"chat42"}`))
	// halt is PHP-truthy: "false" halts, "0" does not.
	for halt, stops := range map[string]bool{`"false"`: true, `"0"`: false, `false`: false, `"N"`: true} {
		a := postJSON(t, u+"/rest/1/demowebhookcode1/batch", `{"halt":`+halt+`,"cmd":{"0":"im.dialog.get?DIALOG_ID=chat99","1":"im.dialog.get?DIALOG_ID=chat42"}}`)
		if got := field(result(t, a)["result"], "1") == nil; got != stops {
			t.Errorf("halt %s: stopped %v: %s", halt, got, a.raw)
		}
	}
}
