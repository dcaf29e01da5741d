package bitrix24

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
)

func decodeFile(t *testing.T, name string) (*Dialog, *TimeBlock) {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var env envelope
	if err := json.Unmarshal(data, &env); err != nil {
		t.Fatal(err)
	}
	d, err := DecodeDialog(env.Result)
	if err != nil {
		t.Fatal(err)
	}
	var tb *TimeBlock
	if env.Time.Valid {
		tb = &env.Time.Value
	}
	return d, tb
}

func i64(v int64) Int64 { return Int64{Value: v, Valid: true} }
func s(v string) String { return String{Value: v, Valid: true} }
func b(v bool) Bool     { return Bool{Value: v, Valid: true} }
func ints(v ...int64) List[Int64] {
	out := List[Int64]{Valid: true, Values: []Int64{}}
	for _, n := range v {
		out.Values = append(out.Values, i64(n))
	}
	return out
}

func TestDecodeDialog_currentDocSample(t *testing.T) {
	d, tb := decodeFile(t, "doc_2026_crm.json")
	want := &Dialog{
		DialogID: s("chat1439"), ID: i64(1439), ParentChatID: i64(0), ParentMessageID: i64(0),
		Name: s("Чат по сделке"), Title: s("Чат по сделке"), Description: s("Здесь обсуждаем сделку"),
		Owner: i64(503), Extranet: b(false), Avatar: s(""), Color: s("#f76187"), Type: s("crm"),
		Counter: i64(0), UserCounter: i64(3), MessageCount: i64(3), UnreadID: i64(0),
		Restrictions: Object[Restrictions]{Valid: true, Value: Restrictions{
			Avatar: b(true), Rename: b(true), Extend: b(true), Call: b(true), Mute: b(true), Leave: b(true),
			LeaveOwner: b(true), Send: b(true), UserList: b(true), Path: s("/crm/deal/details/1663/"), PathTitle: s("Сделка"),
		}},
		LastMessageID: i64(84477), LastID: i64(84477), MarkedID: i64(0), DiskFolderID: i64(0),
		EntityType: s("CRM"), EntityID: s("DEAL|1663"), EntityData1: s(""), EntityData2: s(""), EntityData3: s(""),
		MuteList: ints(), DateCreate: s("2026-02-25T16:50:58+03:00"), MessageType: s("C"),
		Role:             s("owner"),
		EntityLink:       Object[EntityLink]{Valid: true, Value: EntityLink{Type: s("DEAL"), URL: s("/crm/deal/details/1663/"), ID: s("DEAL|1663")}},
		TextFieldEnabled: b(true),
		Permissions: Object[Permissions]{Valid: true, Value: Permissions{
			ManageUsersAdd: s("member"), ManageUsersDelete: s("manager"), ManageUI: s("member"),
			ManageSettings: s("owner"), ManageMessages: s("member"), CanPost: s("member"),
		}},
		IsNew:       b(false),
		ReadedList:  List[ReadedEntry]{Valid: true, Values: []ReadedEntry{{UserID: i64(503), UserName: s("Ольга"), MessageID: i64(84477), Date: s("2026-02-25T16:51:02+03:00")}}},
		ManagerList: ints(503),
		LastMessageViews: Object[LastMessageViews]{Valid: true, Value: LastMessageViews{
			MessageID: i64(84477), FirstViewers: List[FirstViewer]{Valid: true, Values: []FirstViewer{}}, CountOfViewers: i64(0),
		}},
	}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("decoded\n%+v\nwant\n%+v", d, want)
	}
	// public is "" (no public link) and background_id is null: both absent.
	if d.Public.Valid || d.BackgroundID.Valid {
		t.Errorf("public and background_id should be absent: %+v %+v", d.Public, d.BackgroundID)
	}
	if tb == nil || !tb.OperatingResetAt.Valid || tb.OperatingResetAt.Value != 1772028058 || tb.Operating.Value != 0.12 {
		t.Errorf("time block: %+v", tb)
	}
}

func TestDecodeDialog_oldDocPageSample(t *testing.T) {
	d, tb := decodeFile(t, "doc_page_old.json")
	if d.ID != i64(21191) || d.Owner != i64(2) {
		t.Errorf("string ids: id %+v owner %+v", d.ID, d.Owner)
	}
	if d.Name != s("Mint Chat #3") || d.Title != s("Mint Chat #3") {
		t.Errorf("title should fill name: %+v %+v", d.Name, d.Title)
	}
	for name, v := range map[string]bool{
		"description": d.Description.Valid, "counter": d.Counter.Valid, "restrictions": d.Restrictions.Valid,
		"mute_list": d.MuteList.Valid, "entity_id": d.EntityID.Valid, "readed_list": d.ReadedList.Valid, "role": d.Role.Valid,
	} {
		if v {
			t.Errorf("%s was not sent and should be absent", name)
		}
	}
	if tb != nil {
		t.Errorf("no time block was sent, got %+v", tb)
	}
}

func TestDecodeDialog_privateDialog(t *testing.T) {
	d, err := DecodeDialog([]byte(`{"id":77,"name":"Olga","owner":0,"type":"private","message_type":"P","dialog_id":"5",
		"restrictions":[],"mute_list":[],"manager_list":[],"readed_list":[],"public":"","entity_link":[],"permissions":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	if d.DialogID != s("5") || d.Type != s("private") || d.Owner != i64(0) {
		t.Errorf("private dialog: %+v", d)
	}
	// [] for an empty map is absent, [] for a list is an empty list.
	if d.Restrictions.Valid || d.EntityLink.Valid || d.Permissions.Valid || d.Public.Valid {
		t.Errorf("empty maps sent as [] should be absent")
	}
	if !d.MuteList.Valid || len(d.MuteList.Values) != 0 || !d.ReadedList.Valid {
		t.Errorf("empty lists should be valid and empty: %+v %+v", d.MuteList, d.ReadedList)
	}
}

func TestDecodeDialog_tolerantValues(t *testing.T) {
	d, err := DecodeDialog([]byte(`{
		"id": " 42 ", "owner": 3.0, "message_count": 1e3, "counter": "",
		"extranet": "Y", "is_new": 1, "text_field_enabled": "N", "name": 123, "color": null,
		"mute_list": {"1": 5, "0": 4}, "manager_list": [1, "2", null, 3],
		"background_id": "", "public": {"code": "c", "link": "l"}, "restrictions": [], "unknown_key": {"a": [1, 2]},
		"readed_list": [{"user_id": "7", "date": null}, null, []]
	}`))
	if err != nil {
		t.Fatal(err)
	}
	checks := map[string][2]any{
		"id":            {d.ID, i64(42)},
		"owner":         {d.Owner, i64(3)},
		"counter":       {d.Counter, Int64{}},
		"message_count": {d.MessageCount, i64(1000)},
		"extranet":      {d.Extranet, b(true)},
		"is_new":        {d.IsNew, b(true)},
		"text_field":    {d.TextFieldEnabled, b(false)},
		"name":          {d.Name, s("123")},
		"color":         {d.Color, String{}},
		"mute_list":     {d.MuteList, ints(4, 5)},
		"manager_list":  {d.ManagerList, ints(1, 2, 3)},
		"background_id": {d.BackgroundID, s("")},
		"public":        {d.Public, Object[Public]{Valid: true, Value: Public{Code: s("c"), Link: s("l")}}},
		"restrictions":  {d.Restrictions, Object[Restrictions]{}},
		"readed_list":   {d.ReadedList, List[ReadedEntry]{Valid: true, Values: []ReadedEntry{{UserID: i64(7)}}}},
	}
	for name, c := range checks {
		if !reflect.DeepEqual(c[0], c[1]) {
			t.Errorf("%s: got %+v, want %+v", name, c[0], c[1])
		}
	}
}

// A key that is present but cannot be represented fails the decode with
// the key's path and the value, never a silent null.
func TestDecodeDialog_unrepresentableValues(t *testing.T) {
	for in, want := range map[string][2]string{
		`{"id": 1e400}`:                                {"id", "1e400"},
		`{"id": 99999999999999999999}`:                 {"id", "99999999999999999999"},
		`{"owner": 1.5}`:                               {"owner", "1.5"},
		`{"owner": true}`:                              {"owner", "true"},
		`{"owner": "abc"}`:                             {"owner", `"abc"`},
		`{"counter": {}}`:                              {"counter", "{}"},
		`{"extranet": "maybe"}`:                        {"extranet", `"maybe"`},
		`{"name": {"a": 1}}`:                           {"name", `{"a": 1}`},
		`{"restrictions": 5}`:                          {"restrictions", "5"},
		`{"restrictions": {"send": 7}}`:                {"restrictions.send", "7"},
		`{"mute_list": "1,2"}`:                         {"mute_list", `"1,2"`},
		`{"manager_list": [1, "x"]}`:                   {"manager_list[1]", `"x"`},
		`{"readed_list": [{"user_id": 1}, 5]}`:         {"readed_list[1]", "5"},
		`{"readed_list": [{"user_id": "1.5"}]}`:        {"readed_list[0].user_id", `"1.5"`},
		`{"last_message_views": {"first_viewers": 3}}`: {"last_message_views.first_viewers", "3"},
		`{"id": "` + strings.Repeat("9", 2000) + `"}`:  {"id", `"` + strings.Repeat("9", badLen-1) + "…"},
	} {
		_, err := DecodeDialog([]byte(in))
		var ve *ValueError
		if !errors.As(err, &ve) || ve.Key != want[0] || ve.Value != want[1] || ve.Method != MethodDialogGet {
			t.Errorf("DecodeDialog(%s): want key %q value %q, got %v", in, want[0], want[1], err)
		}
	}
}

func TestDecodeDialog_notAnObject(t *testing.T) {
	for _, in := range []string{``, `null`, `[]`, `false`, `"chat1"`, `{"id":`} {
		if _, err := DecodeDialog([]byte(in)); err == nil {
			t.Errorf("DecodeDialog(%q) should fail", in)
		}
	}
}
