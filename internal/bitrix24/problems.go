package bitrix24

import (
	"fmt"
	"reflect"
	"strings"
)

// ValueError is a key the portal sent with a value the provider cannot
// represent. A missing key is not an error (older portals send fewer).
type ValueError struct {
	Method string
	// Key is the path of the key, for example "owner" or
	// "readed_list[2].user_id".
	Key string
	// Value is the start of the value's JSON text, with secrets masked.
	Value string
	// Want says what the key should hold.
	Want string
}

func (e *ValueError) Error() string {
	return fmt.Sprintf("%s: key %q holds %q, which is not %s", e.Method, e.Key, e.Value, e.Want)
}

var wants = map[reflect.Type]string{
	reflect.TypeOf(Int64{}):   "a whole number from -9223372036854775808 to 9223372036854775807",
	reflect.TypeOf(Float64{}): "a number",
	reflect.TypeOf(String{}):  "text",
	reflect.TypeOf(Bool{}):    "a flag (true or false, Y or N, 1 or 0)",
}

// problems lists the keys of v (a decoded answer) whose values could not be
// represented, with their paths.
func problems(v reflect.Value, path string, out *[]ValueError) {
	t := v.Type()
	if want, ok := wants[t]; ok {
		if bad := v.FieldByName("Bad").String(); bad != "" {
			*out = append(*out, ValueError{Key: path, Value: bad, Want: want})
		}
		return
	}
	if t.Kind() == reflect.Slice {
		for i := 0; i < v.Len(); i++ {
			problems(v.Index(i), fmt.Sprintf("%s[%d]", path, i), out)
		}
		return
	}
	if t.Kind() != reflect.Struct {
		return
	}
	name := t.Name()
	switch {
	case strings.HasPrefix(name, "Object["):
		if bad := v.FieldByName("Bad").String(); bad != "" {
			*out = append(*out, ValueError{Key: path, Value: bad, Want: "an object"})
			return
		}
		problems(v.FieldByName("Value"), path, out)
		return
	case strings.HasPrefix(name, "List["):
		if bad := v.FieldByName("Bad").String(); bad != "" {
			if i := v.FieldByName("BadElement").Int(); i > 0 {
				*out = append(*out, ValueError{Key: fmt.Sprintf("%s[%d]", path, i-1), Value: bad, Want: "an element of the list's kind"})
			} else {
				*out = append(*out, ValueError{Key: path, Value: bad, Want: fmt.Sprintf("a list (of at most %d elements)", MaxListLen)})
			}
			return
		}
		values := v.FieldByName("Values")
		for i := 0; i < values.Len(); i++ {
			problems(values.Index(i), fmt.Sprintf("%s[%d]", path, i), out)
		}
		return
	}
	names := keyNames()[t]
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		key, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if n, ok := names[i]; ok {
			key = n // A type read from a key table (dialog_keys.go).
		}
		if key == "" {
			key = f.Name
		}
		if path != "" {
			key = path + "." + key
		}
		problems(v.Field(i), key, out)
	}
}
