// Package fakeportal is an in-memory Bitrix24 portal that speaks the REST
// wire format: webhook and OAuth auth, scope, im.dialog.get, im.chat.get,
// im.search.chat.list, user.get, batch, the time block, the portal's error
// codes and HTTP statuses, its leaky-bucket and operating-time limits, and
// injected faults.
//
// Each behaviour follows the Bitrix server source, release 26.250.100 (the
// unofficial module mirror yuliai/bitrix-modules, 2026-05), and its comment
// names the server file and function it follows; where the source says
// nothing (cloud-only limits, the OAuth server's own answers, database
// collations) the docs (bitrix24/b24restdocs) are followed, and what neither
// settles is marked "Guess:". It does not import the client, so that one
// misunderstanding cannot hide in both.
package fakeportal

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Portal is a fake Bitrix24 portal. It is an http.Handler; Start serves it.
type Portal struct {
	mu       sync.Mutex
	fixtures Fixtures
	faults   Faults
	stats    Stats
	bucket   float64   // leaky bucket level
	drained  time.Time // when the bucket level was last computed
	// operating[method] holds per-minute buckets of method execution time.
	operating map[string]map[int64]float64
	closing   chan struct{}
	msgs      messageStore // message.go
	now       func() time.Time
}

// Stats counts what the portal received and answered.
type Stats struct {
	// Requests counts HTTP requests by method ("batch", "im.dialog.get", …).
	Requests map[string]int
	// Commands counts the commands run inside batch calls, by method.
	Commands map[string]int
	// Errors counts error answers by code, including those inside batches.
	Errors map[string]int
	// TokenRefreshes counts successful refreshes at /oauth/token/.
	TokenRefreshes int
}

// New returns a portal seeded with f.
func New(f Fixtures) *Portal {
	p := &Portal{fixtures: f, operating: map[string]map[int64]float64{}, closing: make(chan struct{}), now: time.Now}
	p.ResetStats()
	return p
}

// Start serves the portal on a loopback port until the returned server is
// closed. Call the portal's Close first: the server's Close waits for
// requests that the Hang fault holds.
func (p *Portal) Start() *httptest.Server {
	return httptest.NewServer(p)
}

// Close releases requests held by the Hang fault.
func (p *Portal) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.closing:
	default:
		close(p.closing)
	}
}

// Stats returns a copy of the counters.
func (p *Portal) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return Stats{Requests: clone(p.stats.Requests), Commands: clone(p.stats.Commands), Errors: clone(p.stats.Errors), TokenRefreshes: p.stats.TokenRefreshes}
}

// Requests returns how many HTTP requests the portal received for method.
func (p *Portal) Requests(method string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats.Requests[method]
}

// TotalRequests returns how many REST requests the portal received.
func (p *Portal) TotalRequests() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, v := range p.stats.Requests {
		n += v
	}
	return n
}

// ErrorCount returns how many times the portal answered code.
func (p *Portal) ErrorCount(code string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats.Errors[code]
}

// ResetStats zeroes the counters.
func (p *Portal) ResetStats() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stats = Stats{Requests: map[string]int{}, Commands: map[string]int{}, Errors: map[string]int{}}
}

// AddDialogs adds dialogs to the portal.
func (p *Portal) AddDialogs(d ...Dialog) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fixtures.Dialogs = append(p.fixtures.Dialogs, d...)
}

// AddToken adds an OAuth access token.
func (p *Portal) AddToken(t Token) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fixtures.Tokens = append(p.fixtures.Tokens, t)
}

// AddOAuthClient adds an application that may refresh tokens.
func (p *Portal) AddOAuthClient(c OAuthClient) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fixtures.OAuthClients = append(p.fixtures.OAuthClients, c)
}

func clone(m map[string]int) map[string]int {
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// restError is an error answer of the REST API.
type restError struct {
	status int
	code   string
	desc   string
}

// Auth-layer errors are raised as OAuthException (rest/lib/oauthexception.php),
// whose HTTP status is 401 unless the error carries its own error_status:
// CRestServer::checkAuth (rest/classes/general/rest.php) throws it with
// whatever CRestUtil::checkAuth left in $res.
var (
	// rest/classes/general/rest_util.php::checkAuth: no auth handler claimed
	// the request.
	errNoAuth = &restError{http.StatusUnauthorized, "NO_AUTH_FOUND", "Wrong authorization data"}
	// rest/lib/apauth/auth.php::check: a webhook whose user or code is wrong.
	errBadWebhook = &restError{http.StatusUnauthorized, "INVALID_CREDENTIALS", "Invalid request credentials"}
	// Guess: a token the portal does not know is checked with the OAuth
	// server (rest/lib/oauth/auth.php::check), whose error answer is passed
	// on as is; its text is not in the source. invalid_token is the code the
	// docs (settings/how-to-call-rest-api/authorization.md) and b24jssdk name.
	errInvalidToken = &restError{http.StatusUnauthorized, "invalid_token", "The access token provided is invalid."}
	// rest/lib/oauth/auth.php::onRestCheckAuth: $tokenInfo['expires'] <= time().
	errExpiredToken = &restError{http.StatusUnauthorized, "expired_token", "The access token provided has expired"}
	// rest/lib/apauth/auth.php::check (webhooks) and
	// rest/lib/oauth/auth.php::onRestCheckAuth (tokens): 401 through
	// OAuthException, not the docs' 403.
	errScopeWebhook = &restError{http.StatusUnauthorized, "insufficient_scope", "The request requires higher privileges than provided by the webhook token"}
	errScopeToken   = &restError{http.StatusUnauthorized, "insufficient_scope", "The request requires higher privileges than provided by the access token"}
	// rest/lib/oauth/auth.php::onRestCheckAuth and rest/lib/apauth/auth.php:
	// the app or webhook is on the hold list (HoldEntity); 401 through
	// OAuthException.
	errOverload = &restError{http.StatusUnauthorized, "OVERLOAD_LIMIT", "REST API is blocked due to overload."}
	// rest/lib/oauth/auth.php::check and ::onRestCheckAuth: the portal could
	// not reach its authorization server; 401 through OAuthException.
	errConnection = &restError{http.StatusUnauthorized, "CONNECTION_ERROR", "Error connecting to authorization server"}
	// rest/classes/general/rest.php (CRestServer, STATUS_NOT_FOUND).
	errMethodNotFound = &restError{http.StatusNotFound, "ERROR_METHOD_NOT_FOUND", "Method not found!"}
	// Cloud-only limits, not in the source: the docs' limits.md and
	// _includes/system-errors.md.
	errQueryLimit     = &restError{http.StatusServiceUnavailable, "QUERY_LIMIT_EXCEEDED", "Too many requests"}
	errOperatingLimit = &restError{http.StatusTooManyRequests, "OPERATION_TIME_LIMIT", "Method is blocked due to operation time limit."}
	errInternal       = &restError{http.StatusInternalServerError, "INTERNAL_SERVER_ERROR", "Internal server error"}
	// im/classes/general/im_rest.php::dialogGet.
	errDialogIDEmpty = &restError{http.StatusBadRequest, "DIALOG_ID_EMPTY", "Dialog ID can't be empty"}
	errNoAccess      = &restError{http.StatusForbidden, "ACCESS_ERROR", "You do not have access to the specified dialog"}
	errNoChat        = &restError{http.StatusBadRequest, "ACCESS_ERROR", "You don't have access to this chat"}
	// rest/classes/general/rest_provider.php::methodsBatch, per command.
	errBatchLength     = &restError{http.StatusBadRequest, "ERROR_BATCH_LENGTH_EXCEEDED", "Max batch length exceeded"}
	errBatchNotAllowed = &restError{http.StatusMethodNotAllowed, "ERROR_BATCH_METHOD_NOT_ALLOWED", "Method is not allowed for batch usage"}
)

// ServeHTTP implements http.Handler.
func (p *Portal) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	echo := p.faults.EchoSecrets
	p.mu.Unlock()
	if echo > 0 && (echo != EchoOAuthOnly || strings.HasPrefix(r.URL.Path, "/oauth/token")) {
		p.mu.Lock()
		p.stats.Requests["echo"]++
		p.mu.Unlock()
		echoSecrets(w, r, requestSecrets(r), echo)
		return
	}
	if strings.HasPrefix(r.URL.Path, "/oauth/token") {
		p.serveToken(w, r)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/rest/")
	if !ok {
		writeHTML(w, http.StatusNotFound, "<html><body><h1>404 Not Found</h1></body></html>")
		return
	}
	start := p.now()
	parts := strings.Split(strings.Trim(rest, "/"), "/")
	method := strings.TrimSuffix(strings.ToLower(parts[len(parts)-1]), ".json")

	p.mu.Lock()
	p.stats.Requests[method]++
	p.mu.Unlock()

	if p.injectFault(w, r) {
		return
	}
	if e := p.takeFromBucket(); e != nil {
		p.writeError(w, e, nil)
		return
	}
	params, err := readParams(r)
	if err != nil {
		p.writeError(w, &restError{http.StatusBadRequest, "INVALID_REQUEST", err.Error()}, nil)
		return
	}
	var c *caller
	var e *restError
	switch len(parts) {
	case 1: // OAuth: /rest/METHOD
		c, e = p.oauthCaller(r, params)
	case 3: // Webhook: /rest/USER_ID/CODE/METHOD
		c, e = p.webhookCaller(parts[0], parts[1])
	default:
		e = errMethodNotFound
	}
	if e != nil {
		p.writeError(w, e, nil)
		return
	}
	result, e := p.dispatch(c, method, params)
	tb := p.timeBlock(method, start)
	if e != nil {
		p.writeError(w, e, tb)
		return
	}
	body := map[string]any{"result": result, "time": tb}
	if pg, ok := result.(page); ok {
		body["result"] = pg.body()
		if !pg.noTotal {
			body["total"] = pg.total
		}
		if pg.next > 0 {
			body["next"] = pg.next
		}
	}
	writeJSON(w, http.StatusOK, body)
}

// dispatch runs one method for a caller.
func (p *Portal) dispatch(c *caller, method string, params map[string]any) (any, *restError) {
	switch method {
	case "batch":
		return p.batch(c, params)
	case "im.dialog.get":
		if !c.has("im") {
			return nil, c.scopeError()
		}
		if e := p.spendOperating(method); e != nil {
			return nil, e
		}
		return p.dialogGet(c, params)
	case "im.search.chat.list":
		if !c.has("im") {
			return nil, c.scopeError()
		}
		return p.searchChatList(c, params)
	case "im.chat.get":
		if !c.has("im") {
			return nil, c.scopeError()
		}
		return p.chatGet(c, params)
	case "user.get":
		if !c.has("user") && !c.has("user_basic") && !c.has("user_brief") {
			return nil, c.scopeError()
		}
		return p.userGet(c, params)
	case "im.chat.add", "im.chat.updatetitle", "im.chat.updatecolor", "im.chat.setowner",
		"im.chat.user.add", "im.chat.user.delete", "im.chat.leave", "im.chat.user.list":
		if !c.has("im") {
			return nil, c.scopeError()
		}
		return p.chatWrite(c, method, params)
	case "im.message.add", "im.recent.list":
		if !c.has("im") {
			return nil, c.scopeError()
		}
		return p.messageMethod(c, method, params)
	case "profile":
		return p.profile(c)
	case "scope":
		return p.scopeList(c, params)
	case "server.time":
		return p.now().Format(time.RFC3339), nil
	}
	return nil, errMethodNotFound
}

func (p *Portal) writeError(w http.ResponseWriter, e *restError, tb map[string]any) {
	p.mu.Lock()
	p.stats.Errors[e.code]++
	p.mu.Unlock()
	body := map[string]any{"error": e.code, "error_description": e.desc}
	if tb != nil {
		body["time"] = tb
	}
	writeJSON(w, e.status, body)
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	data, err := json.Marshal(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

func writeHTML(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = fmt.Fprint(w, body)
}

// Summary prints the counters for a person: requests, commands inside
// batches and error answers, each by method or code in name order.
func (s Stats) Summary() string {
	part := func(what string, m map[string]int) string {
		total := 0
		keys := make([]string, 0, len(m))
		for k, v := range m {
			total += v
			keys = append(keys, k)
		}
		if total == 0 {
			return "no " + what
		}
		sort.Strings(keys)
		items := make([]string, len(keys))
		for i, k := range keys {
			items[i] = fmt.Sprintf("%s %d", k, m[k])
		}
		return fmt.Sprintf("%d %s (%s)", total, what, strings.Join(items, ", "))
	}
	out := part("requests", s.Requests) + "; " + part("batch commands", s.Commands) + "; " + part("error answers", s.Errors)
	if s.TokenRefreshes > 0 {
		out += fmt.Sprintf("; %d token refreshes", s.TokenRefreshes)
	}
	return out
}
