package fakeportal

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// caller is who a request runs as.
type caller struct {
	userID  int64
	scopes  []string
	webhook bool
}

var bearer = regexp.MustCompile(`(?i)^Bearer\s+(.*)$`)

func (c *caller) has(scope string) bool { return slices.Contains(c.scopes, scope) }

// scopeError is insufficient_scope in the words of the auth handler that
// refused: rest/lib/apauth/auth.php::check for webhooks,
// rest/lib/oauth/auth.php::onRestCheckAuth for tokens.
func (c *caller) scopeError() *restError {
	if c.webhook {
		return errScopeWebhook
	}
	return errScopeToken
}

// webhookCaller checks /rest/USER_ID/CODE/ as rest/lib/apauth/auth.php::check
// does: a wrong user or code is INVALID_CREDENTIALS. (The server also takes a
// login in place of the user id; the fake knows no logins.)
func (p *Portal) webhookCaller(userID, code string) (*caller, *restError) {
	id, err := strconv.ParseInt(userID, 10, 64)
	if err != nil {
		return nil, errBadWebhook
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, w := range p.fixtures.Webhooks {
		if w.UserID == id && w.Code == code {
			return &caller{userID: id, scopes: w.Scopes, webhook: true}, nil
		}
	}
	return nil, errBadWebhook
}

// oauthCaller finds the access token in the auth or access_token parameter
// (body or query) or in an Authorization: Bearer header
// (rest/lib/oauth/auth.php::getAuthKey), and checks it as
// ::onRestCheckAuth does; no token at all is NO_AUTH_FOUND
// (rest/classes/general/rest_util.php::checkAuth).
func (p *Portal) oauthCaller(r *http.Request, params map[string]any) (*caller, *restError) {
	// The header wins over the parameters.
	token := ""
	if m := bearer.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		token = m[1]
	}
	if token == "" {
		token = paramString(params, "auth")
	}
	if token == "" {
		token = paramString(params, "access_token")
	}
	if token == "" {
		return nil, errNoAuth
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, t := range p.fixtures.Tokens {
		if t.AccessToken != token {
			continue
		}
		if t.ExpiresAt != 0 && p.now().Unix() >= t.ExpiresAt {
			return nil, errExpiredToken
		}
		return &caller{userID: t.UserID, scopes: t.Scopes}, nil
	}
	return nil, errInvalidToken
}

// serveToken is the OAuth server's /oauth/token/ endpoint, for
// grant_type=refresh_token, by GET query or POST form.
func (p *Portal) serveToken(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.stats.Requests["oauth/token"]++
	p.mu.Unlock()
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid_request", "error_description": "cannot parse the request"})
		return
	}
	get := r.Form.Get
	if get("grant_type") != "refresh_token" {
		p.tokenError(w, http.StatusBadRequest, "invalid_request", "grant_type must be refresh_token")
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for ci := range p.fixtures.OAuthClients {
		client := &p.fixtures.OAuthClients[ci]
		if client.ClientID != get("client_id") {
			continue
		}
		if client.ClientSecret != get("client_secret") {
			p.tokenErrorLocked(w, http.StatusUnauthorized, "invalid_client", "Invalid client credentials")
			return
		}
		for ri, rt := range client.RefreshTokens {
			if rt.RefreshToken != get("refresh_token") || rt.RefreshToken == "" {
				continue
			}
			access, refresh := randomToken(), randomToken()
			ttl := p.faults.TokenTTL
			if ttl <= 0 {
				ttl = time.Hour
			}
			expires := p.now().Add(ttl).Unix()
			p.fixtures.Tokens = append(p.fixtures.Tokens, Token{AccessToken: access, UserID: rt.UserID, Scopes: rt.Scopes, ExpiresAt: expires})
			// The refresh token rotates: the old one stops working.
			client.RefreshTokens[ri].RefreshToken = refresh
			p.stats.TokenRefreshes++
			writeJSON(w, http.StatusOK, map[string]any{
				"access_token": access, "refresh_token": refresh, "expires": expires, "expires_in": int64(ttl.Seconds()),
				"client_endpoint": "http://" + r.Host + "/rest/", "server_endpoint": "http://" + r.Host + "/rest/",
				"domain": r.Host, "member_id": "fakeportal", "scope": strings.Join(rt.Scopes, ","),
				"status": "L", "user_id": rt.UserID,
			})
			return
		}
		p.tokenErrorLocked(w, http.StatusBadRequest, "invalid_grant", "Invalid refresh token")
		return
	}
	p.tokenErrorLocked(w, http.StatusUnauthorized, "invalid_client", "Invalid client credentials")
}

func (p *Portal) tokenError(w http.ResponseWriter, status int, code, desc string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tokenErrorLocked(w, status, code, desc)
}

func (p *Portal) tokenErrorLocked(w http.ResponseWriter, status int, code, desc string) {
	p.stats.Errors[code]++
	writeJSON(w, status, map[string]any{"error": code, "error_description": desc})
}

func randomToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Secrets returns every credential the portal knows: webhook codes, access
// tokens (including those it issued), refresh tokens and client secrets,
// so that tests can search output for them.
func (p *Portal) Secrets() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, w := range p.fixtures.Webhooks {
		out = append(out, w.Code)
	}
	for _, t := range p.fixtures.Tokens {
		out = append(out, t.AccessToken)
	}
	for _, c := range p.fixtures.OAuthClients {
		out = append(out, c.ClientSecret)
		for _, r := range c.RefreshTokens {
			out = append(out, r.RefreshToken)
		}
	}
	return out
}
