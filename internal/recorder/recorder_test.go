package recorder

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/bitrix24"
	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/fakeportal"
)

const demoCode = "demowebhookcode1"

// serve starts a fake portal with f for one test.
func serve(t *testing.T, f fakeportal.Fixtures) (*fakeportal.Portal, *httptest.Server) {
	t.Helper()
	p := fakeportal.New(f)
	srv := p.Start()
	t.Cleanup(func() { p.Close(); srv.Close() })
	return p, srv
}

// clientFor is a client of the portal at base as the webhook /rest/user/code/,
// configured from the environment as the command does.
func clientFor(t *testing.T, webhookURL string) *bitrix24.Client {
	t.Helper()
	env := map[string]string{"BITRIX24_WEBHOOK_URL": webhookURL, "BITRIX24_MAX_RETRIES": "1"}
	cfg, err := ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	c, err := bitrix24.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func record(t *testing.T, c *bitrix24.Client, opts Options) (*Recording, []string) {
	t.Helper()
	var warnings []string
	opts.Warn = func(m string) { warnings = append(warnings, m) }
	rec, err := Record(context.Background(), c, 1, opts)
	if err != nil {
		t.Fatalf("Record: %v", err)
	}
	return rec, warnings
}

func decode(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("decoding %s: %v", raw, err)
	}
	return m
}

// as is v as a T, or the test fails naming what v is.
func as[T any](t *testing.T, v any, what string) T {
	t.Helper()
	x, ok := v.(T)
	if !ok {
		t.Fatalf("%s is %T (%v), want %T", what, v, v, x)
	}
	return x
}

func findDialog(f fakeportal.Fixtures, id string) *fakeportal.Dialog {
	for i, d := range f.Dialogs {
		for _, x := range d.IDs {
			if strings.EqualFold(x, id) {
				return &f.Dialogs[i]
			}
		}
	}
	return nil
}

func findPrivate(f fakeportal.Fixtures, other int64) *fakeportal.Dialog {
	for i, d := range f.Dialogs {
		if len(d.Private) == 2 && d.Private[1] == other {
			return &f.Dialogs[i]
		}
	}
	return nil
}

// TestRecordIDsAndMembers records by id, alias and search from the demo
// portal: each chat once, with the ids it was read by, its result as the
// portal sent it, the recording user as a member, and the users it names.
func TestRecordIDsAndMembers(t *testing.T) {
	orig := fakeportal.DefaultFixtures()
	_, srv := serve(t, orig)
	c := clientFor(t, srv.URL+"/rest/1/"+demoCode+"/")
	rec, warnings := record(t, c, Options{IDs: []string{"chat42", "sg103", "chat1439", "5", "chat21191"}, Searches: []string{"Release train"}})
	// The demo portal answers im.chat.user.list: no warning.
	if len(warnings) != 0 {
		t.Errorf("warnings = %q, want none", warnings)
	}
	f, err := fakeportal.ParseFixtures(rec.JSON)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(f, rec.Fixtures) {
		t.Error("the JSON does not hold the recording's fixtures")
	}
	if len(f.Dialogs) != 6 { // chat42 (sg103), chat1439, the private dialog, chat21191, chat2001, chat2002.
		t.Fatalf("%d dialogs recorded, want 6: %s", len(f.Dialogs), rec.JSON)
	}
	for _, want := range []struct {
		id      string
		ids     []string
		members []int64
	}{
		{"chat42", []string{"chat42", "sg103"}, []int64{1, 3, 12}},
		{"chat1439", []string{"chat1439"}, []int64{1, 503}},
		{"chat21191", []string{"chat21191"}, []int64{1, 2}},
		{"chat2001", []string{"chat2001"}, []int64{1, 3}},
		{"chat2002", []string{"chat2002"}, []int64{1, 3}},
	} {
		d := findDialog(f, want.id)
		if d == nil {
			t.Errorf("%s not recorded", want.id)
			continue
		}
		if !slices.Equal(d.IDs, want.ids) || !slices.Equal(d.Members, want.members) || d.Private != nil {
			t.Errorf("%s: ids %v members %v private %v, want %v %v none", want.id, d.IDs, d.Members, d.Private, want.ids, want.members)
		}
		src := findDialog(orig, want.id)
		got, wantResult := decode(t, d.Result), decode(t, src.Result)
		delete(got, "dialog_id") // The portal echoes the id a dialog was read by.
		if !reflect.DeepEqual(got, wantResult) {
			t.Errorf("%s: result %s, want %s", want.id, d.Result, src.Result)
		}
	}
	// Shapes survive: string ids stay strings.
	if d := findDialog(f, "chat21191"); d != nil && decode(t, d.Result)["id"] != "21191" {
		t.Errorf("chat21191's string id was not kept: %s", d.Result)
	}
	p := findPrivate(f, 5)
	if p == nil || !slices.Equal(p.Private, []int64{1, 5}) || !slices.Equal(p.Members, []int64{1, 5}) || len(p.IDs) != 0 {
		t.Fatalf("the private dialog with user 5: %+v", p)
	}
	// The users the chats name: the recording user, owners, managers,
	// readers, viewers, members and private partners (the portal has no
	// user 2).
	var ids []string
	for _, u := range f.Users {
		ids = append(ids, u.ID)
	}
	if want := []string{"1", "3", "5", "7", "12", "503"}; !slices.Equal(ids, want) {
		t.Errorf("users %v, want %v", ids, want)
	}
	for _, u := range f.Users {
		for _, o := range orig.Users {
			if o.ID == u.ID && o != u {
				t.Errorf("user %s = %+v, want %+v", u.ID, u, o)
			}
		}
	}
	// One webhook, new and random, for the recording user.
	if len(f.Webhooks) != 1 || f.Webhooks[0].UserID != 1 || f.Webhooks[0].Code == demoCode || !strings.HasPrefix(f.Webhooks[0].Code, "recorded") ||
		len(f.Tokens) != 0 || len(f.OAuthClients) != 0 {
		t.Errorf("credentials in the recording: %+v %+v %+v", f.Webhooks, f.Tokens, f.OAuthClients)
	}
	if rec2, _ := record(t, c, Options{IDs: []string{"chat42"}}); rec2.WebhookCode == rec.WebhookCode {
		t.Error("two recordings have the same webhook code")
	}
	if bytes.Contains(rec.JSON, []byte(demoCode)) {
		t.Error("the portal's webhook code is in the recording")
	}
}

// TestRecordServesTheSameDialogs serves a recording and reads every id
// through the client from both portals: the decoded dialogs are equal.
func TestRecordServesTheSameDialogs(t *testing.T) {
	_, srv := serve(t, fakeportal.DefaultFixtures())
	c := clientFor(t, srv.URL+"/rest/1/"+demoCode+"/")
	ids := []string{"chat42", "SG103", "chat1439", "5", "chat21191", "chat2001"}
	rec, _ := record(t, c, Options{IDs: ids})
	f, err := fakeportal.ParseFixtures(rec.JSON)
	if err != nil {
		t.Fatal(err)
	}
	_, srv2 := serve(t, f)
	c2 := clientFor(t, srv2.URL+rec.WebhookPath())
	ctx := context.Background()
	for _, id := range ids {
		want, err := c.GetDialog(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		got, err := c2.GetDialog(ctx, id)
		if err != nil {
			t.Fatalf("%s from the recording: %v", id, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s from the recording = %+v, want %+v", id, got, want)
		}
	}
	// Lookups work on the recording too: by entity and by user id.
	if id, ok, err := c2.ChatIDByEntity(ctx, "CRM", "DEAL|1663"); err != nil || !ok || id != 1439 {
		t.Errorf("entity lookup on the recording: %d %v %v", id, ok, err)
	}
	if users, err := c2.FindUsers(ctx, map[string]string{"EMAIL": "olga@example.com"}); err != nil || len(users) != 1 || users[0].ID.Value != 5 {
		t.Errorf("user lookup on the recording: %+v %v", users, err)
	}
	// The portal's webhook does not open the recording.
	if _, err := clientFor(t, srv2.URL+"/rest/1/"+demoCode+"/").GetDialog(ctx, "chat42"); err == nil {
		t.Error("the portal's webhook code opens the recording")
	}
}

// secretForms are the encodings a secret could take in a file.
func secretForms(s string) []string {
	return []string{s, url.QueryEscape(s), url.PathEscape(s), strings.ToLower(url.QueryEscape(s))}
}

// TestRecordNoSecrets records from portals that put the webhook code into
// chat names, descriptions, ids and users, in several encodings: the code
// is nowhere in the file.
func TestRecordNoSecrets(t *testing.T) {
	const secret = "s3cr3t-Webhook_code42"
	f := fakeportal.Fixtures{
		Webhooks: []fakeportal.Webhook{{UserID: 1, Code: secret, Scopes: []string{"im", "user_basic"}}},
		Dialogs: []fakeportal.Dialog{{IDs: []string{"chat7"}, Members: []int64{1}, Result: json.RawMessage(`{"id": 7, "owner": 1,
			"name": "leak ` + secret + `", "description": "https://p.example/rest/1/` + secret + `/ and \/rest\/1\/` + secret + `\/ and %2Frest%2F1%2F` + secret + `",
			"readed_list": [{"user_id": 1, "user_name": "Me ` + secret + `"}], "entity_id": "` + secret + `", "` + secret + `": 1}`)}},
		Users: []fakeportal.User{{ID: "1", Active: true, Name: "N" + secret, LastName: secret, Email: secret + "@example.com", WorkPosition: secret}},
	}
	_, srv := serve(t, f)
	c := clientFor(t, srv.URL+"/rest/1/"+secret+"/")
	for _, opts := range []Options{{IDs: []string{"chat7"}}, {IDs: []string{"chat7"}, Anonymize: true, AnonymizeTitles: true}} {
		rec, warnings := record(t, c, opts)
		for _, form := range secretForms(secret) {
			if bytes.Contains(rec.JSON, []byte(form)) {
				t.Errorf("the secret (%s) is in the recording:\n%s", form, rec.JSON)
			}
			for _, w := range warnings {
				if strings.Contains(w, form) {
					t.Errorf("the secret is in a warning: %s", w)
				}
			}
		}
		if !opts.AnonymizeTitles && !bytes.Contains(rec.JSON, []byte(`"name": "leak ***"`)) {
			t.Errorf("the name was not masked:\n%s", rec.JSON)
		}
		if !bytes.Contains(rec.JSON, []byte(`"id": 7`)) {
			t.Errorf("the rest of the result was not kept:\n%s", rec.JSON)
		}
	}

	// A hostile server in front of the portal echoes the code everywhere.
	p, srv := serve(t, fakeportal.DefaultFixtures())
	p.SetFaults(fakeportal.Faults{EchoSecrets: 5})
	c = clientFor(t, srv.URL+"/rest/1/"+demoCode+"/")
	rec, warnings := record(t, c, Options{IDs: []string{"chat42"}})
	if p.Requests("echo") == 0 || len(rec.Fixtures.Dialogs) != 1 || !bytes.Contains(rec.Fixtures.Dialogs[0].Result, []byte("/rest/1/***/")) {
		t.Fatalf("the portal did not echo into the dialog:\n%s", rec.JSON)
	}
	for _, form := range secretForms(demoCode) {
		if bytes.Contains(rec.JSON, []byte(form)) {
			t.Errorf("the echoed secret (%s) is in the recording:\n%s", form, rec.JSON)
		}
		for _, w := range warnings {
			if strings.Contains(w, form) {
				t.Errorf("the echoed secret is in a warning: %s", w)
			}
		}
	}
	// And an error does not carry it either.
	_, err := Record(context.Background(), c, 1, Options{IDs: []string{"chat42", "chat1439"}})
	if err == nil || strings.Contains(err.Error(), demoCode) {
		t.Errorf("a failed batch: %v", err)
	}
}

// TestRecordAnonymize replaces names and emails with placeholders from the
// user ids, everywhere a person is named, and gives the same file twice.
func TestRecordAnonymize(t *testing.T) {
	_, srv := serve(t, fakeportal.DefaultFixtures())
	c := clientFor(t, srv.URL+"/rest/1/"+demoCode+"/")
	opts := Options{IDs: []string{"chat1439", "5", "chat42"}, Anonymize: true}
	rec, _ := record(t, c, opts)
	for _, name := range []string{"Anna", "Petrova", "Olga", "Smirnova", "Ivan", "Sidorov", "Pavel", "Orlov", "Demo", "Admin",
		"@example.com", "Account manager", "Team lead"} {
		if bytes.Contains(rec.JSON, []byte(name)) {
			t.Errorf("%q is in the anonymized recording", name)
		}
	}
	f := rec.Fixtures
	deal := decode(t, findDialog(f, "chat1439").Result)
	readers := as[[]any](t, deal["readed_list"], "readed_list")
	if n0, n1 := as[map[string]any](t, readers[0], "readed_list[0]")["user_name"], as[map[string]any](t, readers[1], "readed_list[1]")["user_name"]; n0 != "User 503" || n1 != "User 7" {
		t.Errorf("readed_list names %v, %v", n0, n1)
	}
	views := as[map[string]any](t, deal["last_message_views"], "last_message_views")
	viewers := as[[]any](t, views["first_viewers"], "first_viewers")
	if n := as[map[string]any](t, viewers[0], "first_viewers[0]")["user_name"]; n != "User 503" {
		t.Errorf("first viewer %v", n)
	}
	if deal["name"] != "Deal chat: Acme renewal" {
		t.Errorf("a chat title changed: %v", deal["name"])
	}
	if n := decode(t, findPrivate(f, 5).Result)["name"]; n != "User 5" {
		t.Errorf("the private dialog's name %v", n)
	}
	want := map[string]fakeportal.User{
		"503": {ID: "503", Active: true, Name: "User", LastName: "503", Email: "user503@example.invalid", WorkPosition: "Work position"},
		"7":   {ID: "7", Active: false, Name: "User", LastName: "7", Email: "user7@example.invalid"},
	}
	for _, u := range f.Users {
		if w, ok := want[u.ID]; ok && u != w {
			t.Errorf("user %s = %+v, want %+v", u.ID, u, w)
		}
	}
	// Stable: the same portal gives the same file but for the webhook code.
	rec2, _ := record(t, c, opts)
	if a, b := strings.ReplaceAll(string(rec.JSON), rec.WebhookCode, "CODE"), strings.ReplaceAll(string(rec2.JSON), rec2.WebhookCode, "CODE"); a != b {
		t.Errorf("two anonymized recordings differ:\n%s\n%s", a, b)
	}

	rec3, _ := record(t, c, Options{IDs: []string{"chat42", "5"}, Anonymize: true, AnonymizeTitles: true})
	chat := decode(t, findDialog(rec3.Fixtures, "chat42").Result)
	if chat["name"] != "Chat 42" || chat["description"] != "Description of chat 42" {
		t.Errorf("titles: %v, %v", chat["name"], chat["description"])
	}
	if n := decode(t, findPrivate(rec3.Fixtures, 5).Result)["name"]; n != "User 5" {
		t.Errorf("the private dialog's name with -anonymize-titles: %v", n)
	}
}

// TestRecordChatMembers takes members from im.chat.user.list when the
// portal answers it, in a batch or alone.
func TestRecordChatMembers(t *testing.T) {
	p := fakeportal.New(fakeportal.DefaultFixtures())
	members := map[string][]any{"42": {1, 3, "12"}, "1439": {1, 503, 7}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/im.chat.user.list"):
			var body map[string]any
			_ = json.NewDecoder(r.Body).Decode(&body)
			id, ok := body["CHAT_ID"].(string)
			if !ok {
				t.Errorf("im.chat.user.list CHAT_ID %v (%T), want a string", body["CHAT_ID"], body["CHAT_ID"])
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"result": members[id]})
		case strings.HasSuffix(r.URL.Path, "/batch"):
			data, _ := io.ReadAll(r.Body)
			var body struct {
				Cmd map[string]string `json:"cmd"`
			}
			_ = json.Unmarshal(data, &body)
			if len(body.Cmd) > 0 && strings.HasPrefix(body.Cmd["c0"], MethodChatUserList) {
				results := map[string]any{}
				for k, cmd := range body.Cmd {
					q, _ := url.ParseQuery(strings.SplitN(cmd, "?", 2)[1])
					results[k] = members[q.Get("CHAT_ID")]
				}
				_ = json.NewEncoder(w).Encode(map[string]any{"result": map[string]any{"result": results, "result_error": []any{}}})
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(data))
			p.ServeHTTP(w, r)
		default:
			p.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(func() { p.Close(); srv.Close() })
	c := clientFor(t, srv.URL+"/rest/1/"+demoCode+"/")
	for _, ids := range [][]string{{"chat42", "chat1439"}, {"chat42"}} {
		rec, warnings := record(t, c, Options{IDs: ids})
		if len(warnings) != 0 {
			t.Errorf("warnings: %q", warnings)
		}
		if d := findDialog(rec.Fixtures, "chat42"); !slices.Equal(d.Members, []int64{1, 3, 12}) {
			t.Errorf("chat42 members %v", d.Members)
		}
		if len(ids) == 2 {
			if d := findDialog(rec.Fixtures, "chat1439"); !slices.Equal(d.Members, []int64{1, 7, 503}) {
				t.Errorf("chat1439 members %v", d.Members)
			}
		}
	}
	// -no-members asks nothing.
	rec, _ := record(t, c, Options{IDs: []string{"chat42"}, SkipMembers: true, SkipUsers: true})
	if d := findDialog(rec.Fixtures, "chat42"); !slices.Equal(d.Members, []int64{1}) || len(rec.Fixtures.Users) != 0 {
		t.Errorf("with SkipMembers and SkipUsers: members %v users %v", d.Members, rec.Fixtures.Users)
	}
}

// TestRecordErrors: a dialog that cannot be read fails the recording and
// is named; so do bad ids and an empty request.
func TestRecordErrors(t *testing.T) {
	_, srv := serve(t, fakeportal.DefaultFixtures())
	c := clientFor(t, srv.URL+"/rest/1/"+demoCode+"/")
	ctx := context.Background()
	if _, err := Record(ctx, c, 1, Options{IDs: []string{"chat42", "chat99"}}); err == nil || !strings.Contains(err.Error(), "chat99") ||
		!strings.Contains(err.Error(), "ACCESS_ERROR") {
		t.Errorf("an unreadable chat: %v", err)
	}
	if _, err := Record(ctx, c, 1, Options{IDs: []string{"general"}}); err == nil || !strings.Contains(err.Error(), "not a dialog id") {
		t.Errorf("a bad id: %v", err)
	}
	if _, err := Record(ctx, c, 1, Options{}); err == nil {
		t.Error("nothing to record: no error")
	}
	if _, err := Record(ctx, c, 1, Options{Searches: []string{"x"}}); err == nil || !strings.Contains(err.Error(), "FIND_SHORT") {
		t.Errorf("a short search: %v", err)
	}
}

func TestConfigFromEnv(t *testing.T) {
	const code = "abcSECRETcode"
	for _, tc := range []struct {
		env     map[string]string
		wantErr string
	}{
		{map[string]string{"BITRIX24_WEBHOOK_URL": "https://p.example/rest/3/" + code + "/"}, ""},
		{map[string]string{"BITRIX24_PORTAL_URL": "https://p.example", "BITRIX24_USER_ID": "3", "BITRIX24_WEBHOOK_CODE": code}, ""},
		{map[string]string{"BITRIX24_PORTAL_URL": "https://p.example", "BITRIX24_ACCESS_TOKEN": code}, ""},
		{map[string]string{}, "no Bitrix24 credentials"},
		{map[string]string{"BITRIX24_WEBHOOK_URL": "https://p.example/rest/3/" + code + "/", "BITRIX24_ACCESS_TOKEN": "t"}, "more than one"},
		{map[string]string{"BITRIX24_WEBHOOK_URL": "https://p.example/rest/x/" + code + "/"}, "BITRIX24_WEBHOOK_URL"},
		{map[string]string{"BITRIX24_USER_ID": "3", "BITRIX24_WEBHOOK_CODE": code}, "BITRIX24_PORTAL_URL"},
		{map[string]string{"BITRIX24_WEBHOOK_URL": "https://p.example/rest/3/" + code + "/", "BITRIX24_RATE_LIMIT": "-1"}, "BITRIX24_RATE_LIMIT"},
	} {
		cfg, err := ConfigFromEnv(func(k string) string { return tc.env[k] })
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%v: %v", tc.env, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%v: error %v, want %q", tc.env, err, tc.wantErr)
		case err != nil && strings.Contains(err.Error(), code):
			t.Errorf("the error repeats the secret: %v", err)
		case (tc.wantErr == "no Bitrix24 credentials" || tc.wantErr == "more than one") && !errors.As(err, new(*CredentialsError)):
			t.Errorf("%v: %T is not a *CredentialsError", tc.env, err)
		case err == nil && (cfg.RateLimit != bitrix24.DefaultRateLimit || cfg.MaxRetries != bitrix24.DefaultMaxRetries):
			t.Errorf("%v: flow control %v %v, want the provider's defaults", tc.env, cfg.RateLimit, cfg.MaxRetries)
		case err == nil && cfg.Auth.Webhook != nil && (cfg.Auth.Webhook.UserID != 3 || cfg.Auth.Webhook.Code != code):
			t.Errorf("%v: webhook %+v", tc.env, cfg.Auth.Webhook)
		}
	}
}

// The last check before writing sees what the string rewriting does not:
// a secret of digits that the portal sent as a JSON number, or a piece of
// one, is refused.
func TestEncodeRefusesPiecesOfSecretsInNumbers(t *testing.T) {
	red := bitrix24.NewRedactor("90817263545463728190")
	for _, result := range []string{
		`{"id": 1, "owner": 90817263545463728190}`,
		`{"id": 1, "message_count": 7263545463}`, // 8 bytes and more of the secret.
	} {
		f := fakeportal.Fixtures{Dialogs: []fakeportal.Dialog{{IDs: []string{"chat1"}, Members: []int64{1}, Result: json.RawMessage(result)}}}
		if _, _, err := encode(f, red); err == nil || !strings.Contains(err.Error(), "nothing was written") {
			t.Errorf("%s: want a refusal, got %v", result, err)
		}
	}
	f := fakeportal.Fixtures{Dialogs: []fakeportal.Dialog{{IDs: []string{"chat1"}, Members: []int64{1}, Result: json.RawMessage(`{"id": 1, "owner": 9081726}`)}}}
	if _, _, err := encode(f, red); err != nil {
		t.Errorf("7 bytes of a secret are no piece: %v", err)
	}
}
