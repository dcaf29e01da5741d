package recorder

import (
	"bytes"
	"encoding/json"
	"errors"
)

// stringRewriter returns what a string at path becomes; path holds object
// keys (string) and list indexes (int) from the root. isKey is set for an
// object's key, whose path ends with the key itself.
type stringRewriter func(path []any, s string, isKey bool) string

// rewriteStrings copies the JSON value raw and passes every string in it,
// keys included, through fn. A string that fn leaves as it was keeps its
// original bytes (escapes and all); so do numbers, literals, white space
// and key order: only the strings fn changes differ from raw.
func rewriteStrings(raw []byte, fn stringRewriter) ([]byte, error) {
	if !json.Valid(raw) {
		return nil, errors.New("not valid JSON")
	}
	w := &walker{in: raw, fn: fn}
	w.out.Grow(len(raw))
	if err := w.value(); err != nil {
		return nil, err
	}
	w.out.Write(raw[w.pos:]) // Trailing white space.
	return w.out.Bytes(), nil
}

type walker struct {
	in   []byte
	pos  int
	out  bytes.Buffer
	fn   stringRewriter
	path []any
}

func (w *walker) space() {
	start := w.pos
	for w.pos < len(w.in) && (w.in[w.pos] == ' ' || w.in[w.pos] == '\t' || w.in[w.pos] == '\n' || w.in[w.pos] == '\r') {
		w.pos++
	}
	w.out.Write(w.in[start:w.pos])
}

// take copies the byte at pos, which must be c.
func (w *walker) take(c byte) error {
	if w.pos >= len(w.in) || w.in[w.pos] != c {
		return errors.New("unexpected JSON")
	}
	w.out.WriteByte(c)
	w.pos++
	return nil
}

func (w *walker) value() error {
	w.space()
	if w.pos >= len(w.in) {
		return errors.New("unexpected end of JSON")
	}
	switch w.in[w.pos] {
	case '{':
		w.out.WriteByte('{')
		w.pos++
		for first := true; ; first = false {
			w.space()
			if w.in[w.pos] == '}' {
				break
			}
			if !first {
				if err := w.take(','); err != nil {
					return err
				}
				w.space()
			}
			w.path = append(w.path, nil)
			key, err := w.str(true)
			if err != nil {
				return err
			}
			w.path[len(w.path)-1] = key
			w.space()
			if err := w.take(':'); err != nil {
				return err
			}
			if err := w.value(); err != nil {
				return err
			}
			w.path = w.path[:len(w.path)-1]
			w.space()
		}
		return w.take('}')
	case '[':
		w.out.WriteByte('[')
		w.pos++
		for i := 0; ; i++ {
			w.space()
			if w.in[w.pos] == ']' {
				break
			}
			if i > 0 {
				if err := w.take(','); err != nil {
					return err
				}
			}
			w.path = append(w.path, i)
			if err := w.value(); err != nil {
				return err
			}
			w.path = w.path[:len(w.path)-1]
			w.space()
		}
		return w.take(']')
	case '"':
		_, err := w.str(false)
		return err
	}
	start := w.pos // A number or a literal.
	for w.pos < len(w.in) && !bytes.ContainsRune([]byte(",]} \t\n\r"), rune(w.in[w.pos])) {
		w.pos++
	}
	w.out.Write(w.in[start:w.pos])
	return nil
}

// str copies the string at pos, rewritten by fn, and returns its decoded
// (original) text. For a key, the path's last element is not yet set.
func (w *walker) str(isKey bool) (string, error) {
	if w.in[w.pos] != '"' {
		return "", errors.New("unexpected JSON: a string was expected")
	}
	end := w.pos + 1
	for end < len(w.in) && w.in[end] != '"' {
		if w.in[end] == '\\' {
			end++
		}
		end++
	}
	if end >= len(w.in) {
		return "", errors.New("unexpected end of JSON")
	}
	seg := w.in[w.pos : end+1]
	w.pos = end + 1
	var s string
	if err := json.Unmarshal(seg, &s); err != nil {
		return "", err
	}
	path := w.path
	if isKey {
		path = append(append([]any(nil), w.path[:len(w.path)-1]...), s)
	}
	if out := w.fn(path, s, isKey); out != s {
		w.out.Write(encodeString(out))
	} else {
		w.out.Write(seg)
	}
	return s, nil
}

// encodeString is s as a JSON string, without HTML escaping.
func encodeString(s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return bytes.TrimRight(b.Bytes(), "\n")
}

// lookup finds the value at path in a document decoded with UseNumber.
func lookup(doc any, path ...any) (any, bool) {
	for _, p := range path {
		switch node := doc.(type) {
		case map[string]any:
			k, ok := p.(string)
			if !ok {
				return nil, false
			}
			if doc, ok = node[k]; !ok {
				return nil, false
			}
		case []any:
			i, ok := p.(int)
			if !ok || i < 0 || i >= len(node) {
				return nil, false
			}
			doc = node[i]
		default:
			return nil, false
		}
	}
	return doc, true
}
