package bitrix24

import (
	"bytes"
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"strings"
)

// The flexible types below decode what different portal versions send for
// the same key. None of them fails: a value of an unexpected JSON type
// decodes as absent (Valid false), so that one odd key never fails a read.

// Int64 is a whole number sent as a JSON number or as a string ("21191").
type Int64 struct {
	Value int64
	Valid bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (v *Int64) UnmarshalJSON(b []byte) error {
	*v = Int64{}
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil
	}
	var text string
	switch b[0] {
	case '"':
		if !decodes(b, &text) {
			return nil
		}
		text = strings.TrimSpace(text)
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		text = string(b)
	default:
		return nil
	}
	if n, err := strconv.ParseInt(text, 10, 64); err == nil {
		*v = Int64{Value: n, Valid: true}
		return nil
	}
	if f, err := strconv.ParseFloat(text, 64); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<62 {
		*v = Int64{Value: int64(f), Valid: true}
	}
	return nil
}

// Float64 is a number sent as a JSON number or as a string.
type Float64 struct {
	Value float64
	Valid bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (v *Float64) UnmarshalJSON(b []byte) error {
	*v = Float64{}
	var raw any
	if !decodes(b, &raw) {
		return nil
	}
	switch x := raw.(type) {
	case float64:
		*v = Float64{Value: x, Valid: true}
	case string:
		if f, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
			*v = Float64{Value: f, Valid: true}
		}
	}
	return nil
}

// String is text; a number or bool is kept as its JSON text.
type String struct {
	Value string
	Valid bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (v *String) UnmarshalJSON(b []byte) error {
	*v = String{}
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil
	}
	switch b[0] {
	case '"':
		var s string
		if json.Unmarshal(b, &s) == nil {
			*v = String{Value: s, Valid: true}
		}
	case 't', 'f', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		if json.Valid(b) {
			*v = String{Value: string(b), Valid: true}
		}
	}
	return nil
}

// Bool is a flag sent as true/false, "Y"/"N", "true"/"false" or 1/0.
type Bool struct {
	Value bool
	Valid bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (v *Bool) UnmarshalJSON(b []byte) error {
	*v = Bool{}
	var raw any
	if !decodes(b, &raw) {
		return nil
	}
	switch x := raw.(type) {
	case bool:
		*v = Bool{Value: x, Valid: true}
	case float64:
		if x == 0 || x == 1 {
			*v = Bool{Value: x == 1, Valid: true}
		}
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "y", "yes", "true", "1":
			*v = Bool{Value: true, Valid: true}
		case "n", "no", "false", "0":
			*v = Bool{Value: false, Valid: true}
		}
	}
	return nil
}

// Object is a JSON object. The portal sends an empty map as [] and some
// optional objects as "" or null: all of these decode as absent.
type Object[T any] struct {
	Value T
	Valid bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (v *Object[T]) UnmarshalJSON(b []byte) error {
	*v = Object[T]{}
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return nil
	}
	var val T
	if json.Unmarshal(b, &val) == nil {
		*v = Object[T]{Value: val, Valid: true}
	}
	return nil
}

// List is a JSON array. Elements that do not decode are skipped. A JSON
// object is read as a list of its values in key order, because PHP encodes
// an array with gaps in its keys as an object.
type List[T any] struct {
	Values []T
	Valid  bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (v *List[T]) UnmarshalJSON(b []byte) error {
	*v = List[T]{}
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil
	}
	var items []json.RawMessage
	switch b[0] {
	case '[':
		if !decodes(b, &items) {
			return nil
		}
	case '{':
		var m map[string]json.RawMessage
		if !decodes(b, &m) {
			return nil
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			ni, ei := strconv.Atoi(keys[i])
			nj, ej := strconv.Atoi(keys[j])
			if ei == nil && ej == nil {
				return ni < nj
			}
			return keys[i] < keys[j]
		})
		for _, k := range keys {
			items = append(items, m[k])
		}
	default:
		return nil
	}
	out := List[T]{Values: make([]T, 0, len(items)), Valid: true}
	for _, item := range items {
		var val T
		if json.Unmarshal(item, &val) != nil || !present(val) {
			continue
		}
		out.Values = append(out.Values, val)
	}
	*v = out
	return nil
}

// present reports whether a decoded list element carries a value, so that
// [1, "x", null] becomes [1] rather than [1, null, null].
func present(val any) bool {
	switch x := val.(type) {
	case Int64:
		return x.Valid
	case String:
		return x.Valid
	case Bool:
		return x.Valid
	case Float64:
		return x.Valid
	}
	return true
}

// decodes reports whether b decodes into v. The flexible types treat a value
// that does not decode as absent, not as an error.
func decodes(b []byte, v any) bool {
	return json.Unmarshal(b, v) == nil
}
