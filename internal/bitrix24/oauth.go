package bitrix24

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// tokenSource holds the current OAuth access token and refreshes it. Reads
// that hit expired_token (or invalid_token) together share one refresh; no
// lock is held while the OAuth server answers.
type tokenSource struct {
	client       *Client
	tokenURL     string
	clientID     string
	clientSecret string

	mu       sync.Mutex
	access   string
	refresh  string
	expired  string       // the access token the portal called expired
	failed   error        // a refresh that failed for good (invalid_grant)
	inflight *refreshCall // the refresh under way, which other reads wait for
}

// refreshCall is one refresh that several reads wait for.
type refreshCall struct {
	done chan struct{}
	err  error
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
// expired_token or invalid_token, unless another read already did. Reads
// that arrive while a refresh is under way wait for it instead of sending
// their own.
func (t *tokenSource) refreshAfter(ctx context.Context) error {
	for {
		t.mu.Lock()
		if t.failed != nil {
			t.mu.Unlock()
			return t.failed
		}
		if t.expired != t.access {
			t.mu.Unlock()
			return nil // Someone else refreshed while this read waited.
		}
		if call := t.inflight; call != nil {
			t.mu.Unlock()
			select {
			case <-call.done:
			case <-ctx.Done():
				return ctx.Err()
			}
			if isContextError(call.err) && ctx.Err() == nil {
				continue // The read that refreshed was cancelled; this one is not.
			}
			return call.err
		}
		call := &refreshCall{done: make(chan struct{})}
		t.inflight = call
		refresh := t.refresh
		t.mu.Unlock()

		access, newRefresh, err := t.fetch(ctx, refresh)

		t.mu.Lock()
		switch {
		case err == nil:
			t.access = access
			if newRefresh != "" {
				t.refresh = newRefresh
			}
		case HasOAuthCode(err, CodeInvalidGrant), HasOAuthCode(err, CodeInvalidClient):
			t.failed = err
		}
		t.inflight = nil
		call.err = err
		close(call.done)
		t.mu.Unlock()
		return err
	}
}

func isContextError(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// HasOAuthCode reports whether err is an OAuthError with the given code.
func HasOAuthCode(err error, code string) bool {
	var oerr *OAuthError
	return errors.As(err, &oerr) && SameCode(oerr.Code, code)
}

// fetch asks the OAuth server for a new access token. It holds no lock.
func (t *tokenSource) fetch(ctx context.Context, refresh string) (access, newRefresh string, err error) {
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
		"refresh_token": {refresh},
	}
	reqCtx, cancel := context.WithTimeout(ctx, c.cfg.RequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(reqCtx, http.MethodGet, t.tokenURL+"?"+q.Encode(), nil)
	if err != nil {
		return "", "", &OAuthError{Description: c.redactor.Clean(err.Error())}
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	if _, err := c.flow.Wait(ctx); err != nil {
		return "", "", err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		terr := c.transportError(ctx, reqCtx, "oauth/token", err)
		if isContextError(terr) {
			return "", "", terr
		}
		return "", "", &OAuthError{Description: terr.Error()}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", "", &OAuthError{HTTPStatus: resp.StatusCode, Description: c.redactor.Clean(err.Error())}
	}
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return "", "", &OAuthError{HTTPStatus: resp.StatusCode, Description: "the OAuth server redirected the request, which is not followed so that the " +
			"client secret stays where it was sent; check oauth_url"}
	case len(bytes.TrimSpace(data)) == 0:
		return "", "", &OAuthError{HTTPStatus: resp.StatusCode, Description: "the OAuth server's answer is empty"}
	}
	var answer struct {
		AccessToken      String `json:"access_token"`
		RefreshToken     String `json:"refresh_token"`
		Error            String `json:"error"`
		ErrorDescription String `json:"error_description"`
	}
	if err := json.Unmarshal(data, &answer); err != nil {
		return "", "", &OAuthError{HTTPStatus: resp.StatusCode, Description: "the OAuth server's answer is not JSON: " + snippet(data, c.redactor)}
	}
	// An answer with an error is not a source of tokens: nothing of it is
	// registered as a secret, and it is cleaned like any text from outside.
	if answer.Error.Value != "" || answer.Error.Bad != "" || resp.StatusCode != http.StatusOK {
		oerr := &OAuthError{HTTPStatus: resp.StatusCode, Code: c.redactor.Clean(answer.Error.Value), Description: c.redactor.Clean(answer.ErrorDescription.Value)}
		if oerr.Code == "" && oerr.Description == "" {
			oerr.Description = "the OAuth server answered with an error status and no error code"
		}
		return "", "", oerr
	}
	access, newRefresh = answer.AccessToken.Value, answer.RefreshToken.Value
	if access == "" || answer.AccessToken.Bad != "" {
		return "", "", &OAuthError{HTTPStatus: resp.StatusCode, Description: "the answer has no access_token"}
	}
	// A token this short is a broken answer, not a token; registering it
	// would mask every occurrence of its characters.
	for _, tok := range []string{access, newRefresh} {
		if tok != "" && len(strings.TrimSpace(tok)) < MinSecretLen {
			return "", "", &OAuthError{HTTPStatus: resp.StatusCode, Description: fmt.Sprintf("the answer holds a token of %d characters, "+
				"too short to be one; check oauth_url", len(tok))}
		}
	}
	// Mask the new secrets before anything can log them.
	c.redactor.Add(access, newRefresh)
	c.debug(ctx, "Bitrix24 access token refreshed", nil)
	return access, newRefresh, nil
}
