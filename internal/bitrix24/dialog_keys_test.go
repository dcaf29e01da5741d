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
