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

// container is implemented by the generic wrappers Object and List, which
// problems walks into through it rather than by their type names.
type container interface {
	containerProblems(path string, out *[]ValueError)
}

var containerType = reflect.TypeFor[container]()

func (v Object[T]) containerProblems(path string, out *[]ValueError) {
	if v.Bad != "" {
		*out = append(*out, ValueError{Key: path, Value: v.Bad, Want: "an object"})
		return
	}
	problems(reflect.ValueOf(v.Value), path, out)
}

func (v List[T]) containerProblems(path string, out *[]ValueError) {
	switch {
	case v.Bad != "" && v.BadElement > 0:
		*out = append(*out, ValueError{Key: fmt.Sprintf("%s[%d]", path, v.BadElement-1), Value: v.Bad, Want: "an element of the list's kind"})
		return
	case v.Bad != "":
		*out = append(*out, ValueError{Key: path, Value: v.Bad, Want: fmt.Sprintf("a list (of at most %d elements)", MaxListLen)})
		return
	}
	for i, e := range v.Values {
		problems(reflect.ValueOf(e), fmt.Sprintf("%s[%d]", path, i), out)
	}
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
	if t.Implements(containerType) && v.CanInterface() {
		if c, ok := v.Interface().(container); ok {
			c.containerProblems(path, out)
			return
		}
	}
	switch t.Kind() {
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			problems(v.Index(i), fmt.Sprintf("%s[%d]", path, i), out)
		}
		return
	case reflect.Struct:
	default:
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
