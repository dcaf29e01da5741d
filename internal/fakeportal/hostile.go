package fakeportal

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// EchoShapes counts the shapes of a hostile REST answer
// (Faults.EchoSecrets); EchoOAuthOnly makes only /oauth/token/ echo.
const (
	EchoShapes    = 6
	EchoOAuthOnly = EchoShapes + 1
)

// requestSecrets collects the credentials a request carries: the webhook
// code of its path, its auth or access_token parameter, a Bearer token, and
// for /oauth/token/ the client secret and refresh token.
func requestSecrets(r *http.Request) []string {
	var out []string
	if rest, ok := strings.CutPrefix(r.URL.Path, "/rest/"); ok {
		if parts := strings.Split(strings.Trim(rest, "/"), "/"); len(parts) == 3 {
			out = append(out, parts[1])
		}
	}
	if bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		out = append(out, bearer)
	}
	_ = r.ParseForm()
	for _, k := range []string{"auth", "access_token", "client_secret", "refresh_token"} {
		if v := r.Form.Get(k); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// echoSecrets answers as a broken or hostile server in front of a portal
// would: it echoes the request's credentials, in several encodings and
// with terminal escapes, in the answer's shape number shape (1 to
// EchoShapes) or, for /oauth/token/, in the OAuth error.
func echoSecrets(w http.ResponseWriter, r *http.Request, secrets []string, shape int) {
	secret := strings.Join(secrets, ",")
	if secret == "" {
		secret = "none"
	}
	esc := "\x1b[2J\x1b[31m"
	forms := fmt.Sprintf(`/rest/1/%[1]s/im.dialog.get \/rest\/1\/%[1]s\/ %%2Frest%%2F1%%2F%[2]s auth=%[2]s`, secret, url.QueryEscape(secret))
	long := strings.Repeat("A", 100_000)
	if strings.HasPrefix(r.URL.Path, "/oauth/token") {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid_grant " + secret, "error_description": esc + forms + long + secret})
		return
	}
	raw := func(status int, body string) {
		w.Header().Set("Content-Type", "application/json"+esc+secret)
		w.WriteHeader(status)
		_, _ = fmt.Fprint(w, body)
	}
	quoted, _ := json.Marshal(forms)
	switch shape {
	case 1: // A result that is not an object.
		raw(http.StatusOK, `{"result":`+string(quoted)+`}`)
	case 2: // A result that is a list.
		raw(http.StatusOK, `{"result":["webhook code is `+secret+`"]}`)
	case 3: // The secret in the error code.
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "E_" + secret, "error_description": esc + forms})
	case 4: // A huge description with terminal escapes.
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "X", "error_description": esc + long + forms + long})
	case 5: // Inside a batch's result_error, and in an object result for im.dialog.get.
		if strings.HasSuffix(r.URL.Path, "/batch") || strings.HasSuffix(r.URL.Path, "/batch.json") {
			entry := map[string]any{"error": "E_" + secret, "error_description": esc + forms + long}
			writeJSON(w, http.StatusOK, map[string]any{"result": map[string]any{
				"result": []any{}, "result_error": map[string]any{"c0": entry, "c1": entry}}})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"result": map[string]any{"id": secret, "owner": forms, "name": esc + forms}})
	default: // An HTML page.
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = fmt.Fprintf(w, "<html><body>%s%s %s</body></html>", esc, forms, long)
	}
}
