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
// the same key: numbers as strings, flags as "Y"/"N", empty maps as [], an
// absent object as "". A key that is missing or null is absent (Valid
// false); so is "" where a number, a flag or an object belongs, but text
// keeps "" (String is Valid with an empty Value): values reach the state
// byte for byte. A key that is present but cannot be represented (a number out of
// range or with a fraction, a word where a number belongs, an object where
// text belongs) is not silently absent: Bad keeps the start of its JSON
// text, and DecodeDialog reports it (see Problems).

// badLen bounds the JSON text kept in Bad, for memory only: the text is
// masked and then cut to its shown length by Redactor.Clean, which also
// masks a secret that straddled this cut.
const badLen = 1024

func badText(b []byte) string {
	if len(b) > badLen {
		return string(bytes.ToValidUTF8(b[:badLen], nil)) + "…"
	}
	return string(b)
}

// absent reports whether a value counts as not sent: nothing, null or "".
func absent(b []byte) bool {
	s := string(bytes.TrimSpace(b))
	return s == "" || s == "null" || s == `""`
}

// Int64 is a whole number sent as a JSON number or as a string ("21191").
type Int64 struct {
	Value int64
	Valid bool
	Bad   string
}

// UnmarshalJSON implements json.Unmarshaler.
func (v *Int64) UnmarshalJSON(b []byte) error {
	*v = Int64{}
	b = bytes.TrimSpace(b)
	if absent(b) {
		return nil
	}
	text := string(b)
	if b[0] == '"' {
		if !decodes(b, &text) {
			v.Bad = badText(b)
			return nil
		}
		text = strings.TrimSpace(text)
		if text == "" {
			return nil
		}
	}
	if n, err := strconv.ParseInt(text, 10, 64); err == nil {
		*v = Int64{Value: n, Valid: true}
		return nil
	}
	if f, err := strconv.ParseFloat(text, 64); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<62 {
		*v = Int64{Value: int64(f), Valid: true}
		return nil
	}
	v.Bad = badText(b)
	return nil
}

// Float64 is a number sent as a JSON number or as a string.
type Float64 struct {
	Value float64
	Valid bool
	Bad   string
}

// UnmarshalJSON implements json.Unmarshaler.
func (v *Float64) UnmarshalJSON(b []byte) error {
	*v = Float64{}
	b = bytes.TrimSpace(b)
	if absent(b) {
		return nil
	}
	text := string(b)
	if b[0] == '"' && !decodes(b, &text) {
		v.Bad = badText(b)
		return nil
	}
	if f, err := strconv.ParseFloat(strings.TrimSpace(text), 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
		*v = Float64{Value: f, Valid: true}
		return nil
	}
	v.Bad = badText(b)
	return nil
}

// String is text; a number or bool is kept as its JSON text.
type String struct {
	Value string
	Valid bool
	Bad   string
}

// UnmarshalJSON implements json.Unmarshaler.
func (v *String) UnmarshalJSON(b []byte) error {
	*v = String{}
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		return nil
	}
	switch b[0] {
	case '"':
		var s string
		if decodes(b, &s) {
			*v = String{Value: s, Valid: true}
			return nil
		}
	case 't', 'f', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		if json.Valid(b) {
			*v = String{Value: string(b), Valid: true}
			return nil
		}
	}
	v.Bad = badText(b)
	return nil
}

// Bool is a flag sent as true/false, "Y"/"N", "true"/"false" or 1/0.
type Bool struct {
	Value bool
	Valid bool
	Bad   string
}

// UnmarshalJSON implements json.Unmarshaler.
func (v *Bool) UnmarshalJSON(b []byte) error {
	*v = Bool{}
	b = bytes.TrimSpace(b)
	if absent(b) {
		return nil
	}
	text := string(b)
	if b[0] == '"' && !decodes(b, &text) {
		v.Bad = badText(b)
		return nil
	}
	switch strings.ToLower(strings.TrimSpace(text)) {
	case "y", "yes", "true", "1":
		*v = Bool{Value: true, Valid: true}
	case "n", "no", "false", "0":
		*v = Bool{Value: false, Valid: true}
	default:
		v.Bad = badText(b)
	}
	return nil
}

// Object is a JSON object. The portal sends an empty map as [] and some
// optional objects as "" or null: all of these decode as absent.
type Object[T any] struct {
	Value T
	Valid bool
	Bad   string
}

// UnmarshalJSON implements json.Unmarshaler.
func (v *Object[T]) UnmarshalJSON(b []byte) error {
	*v = Object[T]{}
	b = bytes.TrimSpace(b)
	if absent(b) || string(b) == "[]" {
		return nil
	}
	var val T
	if b[0] != '{' || !decodes(b, &val) {
		v.Bad = badText(b)
		return nil
	}
	*v = Object[T]{Value: val, Valid: true}
	return nil
}

// List is a JSON array. A JSON object is read as a list of its values in
// key order, because PHP encodes an array with gaps in its keys as an
// object. Null elements, and [] where an object belongs, are left out.
type List[T any] struct {
	Values []T
	Valid  bool
	// Bad is set when the list is not a list, or when an element cannot
	// be read at all; BadElement is then 1 + that element's index (0 for
	// the list itself). Elements keep their own Bad values.
	Bad        string
	BadElement int
}

// UnmarshalJSON implements json.Unmarshaler.
func (v *List[T]) UnmarshalJSON(b []byte) error {
	*v = List[T]{}
	b = bytes.TrimSpace(b)
	if absent(b) {
		return nil
	}
	var items []json.RawMessage
	switch b[0] {
	case '[':
		var ok bool
		if items, ok = listItems(b); !ok {
			v.Bad = badText(b)
			return nil
		}
		if len(items) > MaxListLen {
			v.Bad = badText(b)
			return nil
		}
	case '{':
		var m map[string]json.RawMessage
		if !decodes(b, &m) {
			v.Bad = badText(b)
			return nil
		}
		if len(m) > MaxListLen {
			v.Bad = badText(b)
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
		v.Bad = badText(b)
		return nil
	}
	out := List[T]{Values: make([]T, 0, len(items)), Valid: true}
	for i, item := range items {
		item = bytes.TrimSpace(item)
		if string(item) == "null" || string(item) == "[]" {
			continue
		}
		var val T
		if !decodes(item, &val) {
			out.Bad, out.BadElement = badText(item), i+1
			break
		}
		out.Values = append(out.Values, val)
	}
	*v = out
	return nil
}

// MaxListLen bounds the elements of one list in an answer. A chat's member
// lists are far shorter; a longer list is reported as a bad value instead
// of costing the provider gigabytes (one 8 MB answer of 4 million ids did).
const MaxListLen = 100_000

// listItems splits a JSON array into its elements, stopping after
// MaxListLen+1 of them.
func listItems(b []byte) ([]json.RawMessage, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return nil, false
	}
	var items []json.RawMessage
	for dec.More() {
		var item json.RawMessage
		if dec.Decode(&item) != nil {
			return nil, false
		}
		items = append(items, item)
		if len(items) > MaxListLen {
			return items, true
		}
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim(']') {
		return nil, false
	}
	return items, true
}

// decodes reports whether b decodes into v. A value that does not decode is
// kept as Bad, not returned as an error, so that DecodeDialog can name its
// key.
func decodes(b []byte, v any) bool {
	return json.Unmarshal(b, v) == nil
}
