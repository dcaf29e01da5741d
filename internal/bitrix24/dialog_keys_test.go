package bitrix24

import (
	"reflect"
	"testing"
)

// Every field of a keyed type is named by exactly one key, and no two keys
// share a name: the tables are complete.
func TestKeyTables_complete(t *testing.T) {
	for typ, names := range keyNames() {
		seen := map[string]bool{}
		for i := 0; i < typ.NumField(); i++ {
			name, ok := names[i]
			if !ok {
				t.Errorf("%s.%s has no key", typ.Name(), typ.Field(i).Name)
			}
			if seen[name] {
				t.Errorf("%s: key %q names two fields", typ.Name(), name)
			}
			seen[name] = true
		}
	}
}

// Current portals send background_id as a name (reference §9); old ones a
// number, which is kept as its text.
func TestDecodeDialog_backgroundID(t *testing.T) {
	for in, want := range map[string]String{
		`{"background_id": "azure"}`:   s("azure"),
		`{"background_id": "martaAI"}`: s("martaAI"),
		`{"background_id": 4}`:         s("4"),
		`{"background_id": null}`:      {},
	} {
		d, err := DecodeDialog([]byte(in))
		if err != nil || !reflect.DeepEqual(d.BackgroundID, want) {
			t.Errorf("DecodeDialog(%s): background_id %+v, %v; want %+v", in, d.BackgroundID, err, want)
		}
	}
}

// Dialog ids: what im/lib/dialog.php getChatId resolves, and no more.
func TestParseDialogID(t *testing.T) {
	type parsed struct {
		kind string
		id   int64
	}
	for in, want := range map[string]*parsed{
		"chat1439": {"chat", 1439}, "CHAT42": {"chat", 42}, "Chat042": {"chat", 42}, "sg103": {"sg", 103}, "SG103": {"sg", 103},
		"5": {"user", 5}, "007": {"user", 7},
		"0": nil, "00": nil, "chat0": nil, "sg0": nil, "crm5": nil, "CRM5": nil, "crm|DEAL|1663": nil, "chat": nil,
		"": nil, " chat1": nil, "chat1 ": nil, "chat-1": nil, "chat99999999999999999999": nil, "general": nil, "chat１": nil,
	} {
		kind, id, ok := ParseDialogID(in)
		if (want == nil) == ok || want != nil && (kind != want.kind || id != want.id) {
			t.Errorf("ParseDialogID(%q) = %q, %d, %v; want %+v", in, kind, id, ok, want)
		}
	}
	for in, want := range map[string]string{"CHAT42": "chat42", "chat042": "chat42", "Sg7": "sg7", "05": "5", "crm5": "crm5"} {
		if got := CanonicalDialogID(in); got != want {
			t.Errorf("CanonicalDialogID(%q) = %q, want %q", in, got, want)
		}
	}
}
