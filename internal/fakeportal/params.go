package fakeportal

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// readParams merges query parameters and the body, JSON or form-encoded.
// Form keys in PHP's nested syntax, cmd[key]=value, become maps.
func readParams(r *http.Request) (map[string]any, error) {
	params := map[string]any{}
	mergeForm(params, r.URL.Query())
	if r.Body == nil {
		return params, nil
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		return nil, err
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		return params, nil
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case ct == "application/json" || (ct == "" && strings.HasPrefix(strings.TrimSpace(string(data)), "{")):
		var body map[string]any
		dec := json.NewDecoder(strings.NewReader(string(data)))
		dec.UseNumber()
		if err := dec.Decode(&body); err != nil {
			return nil, fmt.Errorf("the JSON body cannot be parsed: %v", err)
		}
		for k, v := range body {
			params[k] = v
		}
	case ct == "application/x-www-form-urlencoded" || ct == "":
		form, err := url.ParseQuery(string(data))
		if err != nil {
			return nil, errors.New("the form body cannot be parsed")
		}
		mergeForm(params, form)
	default:
		return nil, fmt.Errorf("unsupported Content-Type %q", ct)
	}
	return params, nil
}

func mergeForm(params map[string]any, form url.Values) {
	for key, values := range form {
		if len(values) == 0 {
			continue
		}
		value := values[len(values)-1]
		if open := strings.IndexByte(key, '['); open > 0 && strings.HasSuffix(key, "]") {
			outer, inner := key[:open], key[open+1:len(key)-1]
			m, _ := params[outer].(map[string]any)
			if m == nil {
				m = map[string]any{}
				params[outer] = m
			}
			if inner == "" {
				inner = fmt.Sprint(len(m))
			}
			m[inner] = value
			continue
		}
		params[key] = value
	}
}

// param finds a parameter case-insensitively, as the im module upper-cases
// its parameter keys.
func param(params map[string]any, name string) (any, bool) {
	if v, ok := params[name]; ok {
		return v, true
	}
	for k, v := range params {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return nil, false
}

func paramString(params map[string]any, name string) string {
	v, ok := param(params, name)
	if !ok || v == nil {
		return ""
	}
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	}
	return fmt.Sprint(v)
}
