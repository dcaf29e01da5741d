package recorder

import (
	"fmt"
	"strings"
	"testing"
)

// TestRewriteStrings keeps every byte but those of the strings it changes.
func TestRewriteStrings(t *testing.T) {
	in := ` {"id" : "21191", "n":1.50e2,"x":[],"m":{} ,"s":"a\/b \u00e9 <&>", "l":[{"user_name":"Anna","user_id":"503"}, null, true],"k\u0065y":"SECRET"}` + "\n"
	var paths []string
	out, err := rewriteStrings([]byte(in), func(path []any, s string, isKey bool) string {
		paths = append(paths, fmt.Sprint(path, isKey))
		switch {
		case s == "SECRET" && !isKey:
			return "***"
		case s == "Anna":
			if v, ok := lookup(nil, path...); ok {
				t.Errorf("lookup on nil: %v", v)
			}
			return "User 503 <x>"
		}
		return s
	})
	if err != nil {
		t.Fatal(err)
	}
	want := strings.NewReplacer(`"SECRET"`, `"***"`, `"Anna"`, `"User 503 <x>"`).Replace(in)
	if string(out) != want {
		t.Errorf("got  %s\nwant %s", out, want)
	}
	wantPaths := "[id] true|[id] false|[n] true|[x] true|[m] true|[s] true|[s] false|[l] true|[l 0 user_name] true|[l 0 user_name] false|" +
		"[l 0 user_id] true|[l 0 user_id] false|[key] true|[key] false"
	if got := strings.Join(paths, "|"); got != wantPaths {
		t.Errorf("paths\n%s\nwant\n%s", got, wantPaths)
	}
	if _, err := rewriteStrings([]byte(`{"a":`), func(_ []any, s string, _ bool) string { return s }); err == nil {
		t.Error("invalid JSON: no error")
	}
}
