package bitrix24

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"sync"
)

// tokenSource holds the current OAuth access token and refreshes it. Reads
// that hit expired_token together share one refresh.
type tokenSource struct {
	client       *Client
	tokenURL     string
	clientID     string
	clientSecret string

	mu      sync.Mutex // held during a refresh, so concurrent reads share it
	access  string
	refresh string
	expired string // the access token the portal called expired
	failed  error  // a refresh that failed for good (invalid_grant)
}

func (t *tokenSource) current() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.access
}

func (t *tokenSource) canRefresh() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.refresh != "" && t.clientID != "" && t.clientSecret != ""
}

func (t *tokenSource) markExpired(token string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if token == t.access {
		t.expired = token
	}
}

// refreshAfter gets a new access token after the portal answered
// expired_token, unless another read already did.
func (t *tokenSource) refreshAfter(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.failed != nil {
		return t.failed
	}
	if t.expired != t.access {
		return nil // Someone else refreshed while this read waited.
	}
	c := t.client
	c.warn(ctx, "Bitrix24 access token expired; refreshing it", map[string]any{"token_url": t.tokenURL})
	// The Bitrix24 docs (settings/oauth/auto-renewal.md) and the official
	// PHP SDK refresh with a GET and the parameters in the query; a POST
	// form body is not documented, so the GET stays. The URL is never
	// logged, and redirects are not followed.
	q := url.Values{
		"grant_type":    {"refresh_token"},
		"client_id":     {t.clientID},
		"client_secret": {t.clientSecret},
		"refresh_token": {t.refresh},
	}
	reqCtx, cancel := context.WithTimeout(ctx, c.cfg.RequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(reqCtx, http.MethodGet, t.tokenURL+"?"+q.Encode(), nil)
	if err != nil {
		return &OAuthError{Description: c.redactor.Clean(err.Error())}
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	if _, err := c.flow.Wait(ctx); err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		terr := c.transportError(ctx, reqCtx, "oauth/token", err)
		return &OAuthError{Description: terr.Error()}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return &OAuthError{HTTPStatus: resp.StatusCode, Description: c.redactor.Clean(err.Error())}
	}
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return &OAuthError{HTTPStatus: resp.StatusCode, Description: "the OAuth server redirected the request, which is not followed so that the " +
			"client secret stays where it was sent; check oauth_url"}
	case len(bytes.TrimSpace(data)) == 0:
		return &OAuthError{HTTPStatus: resp.StatusCode, Description: "the OAuth server's answer is empty"}
	}
	var answer struct {
		AccessToken      string `json:"access_token"`
		RefreshToken     string `json:"refresh_token"`
		Error            string `json:"error"`
		ErrorDescription string `json:"error_description"`
	}
	if err := json.Unmarshal(data, &answer); err != nil {
		return &OAuthError{HTTPStatus: resp.StatusCode, Description: "the OAuth server's answer is not JSON: " + snippet(data, c.redactor)}
	}
	// Mask the new secrets before anything can log them.
	c.redactor.Add(answer.AccessToken, answer.RefreshToken)
	if answer.Error != "" || answer.AccessToken == "" || resp.StatusCode != http.StatusOK {
		oerr := &OAuthError{HTTPStatus: resp.StatusCode, Code: c.redactor.Clean(answer.Error), Description: c.redactor.Clean(answer.ErrorDescription)}
		if oerr.Code == "" && answer.AccessToken == "" {
			oerr.Description = "the answer has no access_token"
		}
		if SameCode(answer.Error, CodeInvalidGrant) || SameCode(answer.Error, CodeInvalidClient) {
			t.failed = oerr
		}
		return oerr
	}
	t.access = answer.AccessToken
	if answer.RefreshToken != "" {
		t.refresh = answer.RefreshToken
	}
	c.debug(ctx, "Bitrix24 access token refreshed", nil)
	return nil
}
