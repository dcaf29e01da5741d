package bitrix24

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
)

// MethodScope answers the scopes of the webhook or access token that calls
// it. The portal lists it in the global scope (rest_provider.php
// getDescription, CRestUtil::GLOBAL_SCOPE), for which neither auth handler
// checks a scope (rest/lib/apauth/auth.php::checkPermission,
// rest/lib/oauth/auth.php::onRestCheckAuth): every webhook and token may
// call it, and a refused one is refused by the auth layer alone.
const MethodScope = "scope"

// ScopeIM is the scope of the im.* methods (Chat and notifications).
const ScopeIM = "im"

// maxScopes bounds the scopes read from one answer; a portal has a few
// dozen.
const maxScopes = 1000

// Scopes asks the portal once which scopes the client's webhook or token
// has (rest_provider.php::scopeList without "full": CRestServer::getAuthScope,
// the auth answer's "scope" split at commas). It goes through the flow
// control, the retries, the breaker and the token refresh like every call.
// Each scope has passed Clean; an empty scope (a webhook without
// permissions answers [""]) is dropped.
func (c *Client) Scopes(ctx context.Context) ([]string, error) {
	raw, err := c.Call(ctx, MethodScope, map[string]any{})
	if err != nil {
		return nil, err
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, &ValueError{Method: MethodScope, Key: "result", Value: snippet(raw, c.redactor), Want: "a list of scope names"}
	}
	if len(list) > maxScopes {
		return nil, &ValueError{Method: MethodScope, Key: "result", Value: snippet(raw, c.redactor), Want: "a list of at most 1000 scope names"}
	}
	out := make([]string, 0, len(list))
	for _, item := range list {
		var s string
		if err := json.Unmarshal(item, &s); err != nil {
			return nil, &ValueError{Method: MethodScope, Key: "result", Value: snippet(item, c.redactor), Want: "a scope name (text)"}
		}
		if s = strings.TrimSpace(c.redactor.Clean(s)); s != "" {
			out = append(out, s)
		}
	}
	return out, nil
}

// authRefusalCodes are the codes of the portal's auth layer: what
// CRestServer::checkAuth (rest/classes/general/rest.php) throws as
// OAuthException with the auth handler's answer (rest/lib/apauth/auth.php,
// rest/lib/oauth/auth.php, rest/classes/general/rest_util.php::checkAuth).
// No retry and no later call changes them.
var authRefusalCodes = []string{
	CodeNoAuthFound, CodeInvalidCredentials, CodeInvalidToken, CodeExpiredToken, CodeInsufficientScope,
	CodeOverloadLimit, CodeAccessDenied, CodePaymentRequired,
	"authorization_error", "user_access_error", "APPLICATION_NOT_FOUND",
}

// AuthRefused reports whether err is a refusal of the credentials
// themselves: an answer of the portal's auth layer (an OAuthException, HTTP
// 401 with a code, or one of its codes; not CONNECTION_ERROR, which means
// the portal could not reach its OAuth server), or the OAuth server's
// refusal to refresh the token (invalid_grant, invalid_client, any other
// 4xx answer but 408 and 429). Passing faults and everything else are not.
func AuthRefused(err error) bool {
	var oauthErr *OAuthError
	if errors.As(err, &oauthErr) {
		s := oauthErr.HTTPStatus
		return SameCode(oauthErr.Code, CodeInvalidGrant) || SameCode(oauthErr.Code, CodeInvalidClient) ||
			(s >= 400 && s < 500 && s != http.StatusRequestTimeout && s != http.StatusTooManyRequests)
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Code == "" || SameCode(apiErr.Code, CodeConnectionError) {
		return false
	}
	for _, code := range authRefusalCodes {
		if SameCode(apiErr.Code, code) {
			return true
		}
	}
	return apiErr.HTTPStatus == http.StatusUnauthorized
}
