package fakeportal

import (
	"fmt"
	"net"
	"net/http"
	"time"
)

// Faults make the portal behave like a busy or broken one. Counters named
// …Next apply to that many of the next REST requests, then stop.
type Faults struct {
	// RateLimit and RateBurst turn on the portal's leaky bucket: each
	// request adds one, the bucket drains RateLimit per second, and a
	// request that would overflow RateBurst gets 503 QUERY_LIMIT_EXCEEDED.
	RateLimit float64
	RateBurst int
	// OperatingLimit turns on the operating-time limit: when a method's
	// accumulated time over OperatingWindow (default 10 minutes) reaches
	// it, calls get 429 OPERATION_TIME_LIMIT. Each call adds OperatingCost
	// seconds (default 0.01).
	OperatingLimit  float64
	OperatingCost   float64
	OperatingWindow time.Duration
	// FailNext requests answer FailStatus (500 INTERNAL_SERVER_ERROR, or
	// 502/503/504 with an empty error code).
	FailNext   int
	FailStatus int
	// OverloadNext requests answer 401 OVERLOAD_LIMIT: the app or webhook
	// is on the portal's hold list (rest/lib/oauth/auth.php,
	// rest/lib/apauth/auth.php), answered through OAuthException as 401.
	OverloadNext int
	// ConnectionErrorNext requests answer 401 CONNECTION_ERROR: the portal
	// could not reach its authorization server (rest/lib/oauth/auth.php).
	ConnectionErrorNext int
	// CreateChatBetweenPages: after that many im.search.chat.list answers
	// of a first page (no OFFSET or start) that have a next page, the
	// portal adds a group chat that the same search finds, with the caller
	// as its only member, a title of FIND + " (new)" and an id above every
	// other; later pages of the search shift by one, as on a live portal.
	CreateChatBetweenPages int
	// HTMLNext requests answer a 503 HTML maintenance page.
	HTMLNext int
	// TruncateNext requests answer a cut-off JSON body.
	TruncateNext int
	// ResetNext requests have their connection reset.
	ResetNext int
	// SlowNext requests wait Slow before answering.
	SlowNext int
	Slow     time.Duration
	// Hang makes every request wait until the client gives up.
	Hang bool
	// Latency is added to every request, like a portal across a WAN.
	Latency time.Duration
	// TokenTTL is the life of access tokens issued by /oauth/token/
	// (default one hour).
	TokenTTL time.Duration
	// LoseChatAddAnswer im.chat.add calls create their chat and then lose
	// the answer: the connection is dropped without one, or, when
	// LoseChatAddStatus is set, the answer is that status without an error
	// code (a 504 from a proxy that gave up waiting).
	LoseChatAddAnswer int
	LoseChatAddStatus int
	// EchoSecrets, from 1 to EchoShapes, makes every REST answer and every
	// /oauth/token/ answer echo the request's credentials in that shape,
	// as a broken or hostile server would; EchoOAuthOnly, only the
	// /oauth/token/ answers.
	EchoSecrets int
}

// SetFaults replaces the portal's faults and empties its leaky bucket.
func (p *Portal) SetFaults(f Faults) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.faults = f
	p.bucket = 0
	p.drained = time.Time{}
	p.operating = map[string]map[int64]float64{}
}

func take(n *int) bool {
	if *n > 0 {
		*n--
		return true
	}
	return false
}

// injectFault plays the next fault, if any, and reports whether it answered.
func (p *Portal) injectFault(w http.ResponseWriter, r *http.Request) bool {
	p.mu.Lock()
	f := &p.faults
	latency, hang := f.Latency, f.Hang
	var slow time.Duration
	if take(&f.SlowNext) {
		slow = f.Slow
	}
	var fault string
	switch {
	case take(&f.ResetNext):
		fault = "reset"
	case take(&f.HTMLNext):
		fault = "html"
	case take(&f.TruncateNext):
		fault = "truncate"
	case take(&f.OverloadNext):
		fault = "overload"
	case take(&f.ConnectionErrorNext):
		fault = "connection"
	case take(&f.FailNext):
		fault = "fail"
	}
	status := f.FailStatus
	p.mu.Unlock()

	if wait := latency + slow; wait > 0 {
		if !p.pause(r, wait) {
			return true
		}
	}
	if hang {
		p.pause(r, 24*time.Hour)
		return true
	}
	switch fault {
	case "reset":
		resetConnection(w)
	case "html":
		writeHTML(w, http.StatusServiceUnavailable, "<!DOCTYPE html><html><head><title>Maintenance</title></head><body><h1>The portal is being updated</h1><p>Please come back in a few minutes.</p></body></html>")
	case "truncate":
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = fmt.Fprint(w, `{"result":{"id":1439,"name":"Deal ch`)
	case "overload":
		p.writeError(w, errOverload, nil)
	case "connection":
		p.writeError(w, errConnection, nil)
	case "fail":
		switch status {
		case 0, http.StatusInternalServerError:
			p.writeError(w, errInternal, nil)
		default:
			p.writeError(w, &restError{status, "", http.StatusText(status)}, nil)
		}
	default:
		return false
	}
	return true
}

// pause waits for d, the client going away, or Close; it reports whether
// the request should go on.
func (p *Portal) pause(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
	case <-p.closing:
	}
	return false
}

// resetConnection closes the TCP connection with RST instead of FIN.
func resetConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "cannot reset", http.StatusInternalServerError)
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}

// takeFromBucket applies the leaky bucket to one request.
func (p *Portal) takeFromBucket() *restError {
	p.mu.Lock()
	defer p.mu.Unlock()
	f := p.faults
	if f.RateLimit <= 0 || f.RateBurst <= 0 {
		return nil
	}
	now := p.now()
	if !p.drained.IsZero() {
		p.bucket -= now.Sub(p.drained).Seconds() * f.RateLimit
		if p.bucket < 0 {
			p.bucket = 0
		}
	}
	p.drained = now
	if p.bucket+1 > float64(f.RateBurst)+1e-9 {
		return errQueryLimit
	}
	p.bucket++
	return nil
}

func (p *Portal) operatingWindow() (time.Duration, time.Duration) {
	window := p.faults.OperatingWindow
	if window <= 0 {
		window = 10 * time.Minute
	}
	return window, window / 10
}

// spendOperating charges one call of method to the operating-time limit,
// or refuses it when the method is blocked.
func (p *Portal) spendOperating(method string) *restError {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.faults.OperatingLimit <= 0 {
		return nil
	}
	total, _ := p.operatingLocked(method)
	if total >= p.faults.OperatingLimit {
		return errOperatingLimit
	}
	cost := p.faults.OperatingCost
	if cost <= 0 {
		cost = 0.01
	}
	_, slot := p.operatingWindow()
	b := p.operating[method]
	if b == nil {
		b = map[int64]float64{}
		p.operating[method] = b
	}
	b[p.now().UnixNano()/int64(slot)] += cost
	return nil
}

// operatingLocked sums the method's time over the window and says when the
// oldest slot drops out of it.
func (p *Portal) operatingLocked(method string) (float64, time.Time) {
	window, slot := p.operatingWindow()
	now := p.now().UnixNano() / int64(slot)
	oldest := int64(-1)
	total := 0.0
	for s, v := range p.operating[method] {
		if s <= now-int64(window/slot) {
			delete(p.operating[method], s)
			continue
		}
		total += v
		if oldest < 0 || s < oldest {
			oldest = s
		}
	}
	if oldest < 0 {
		return total, time.Time{}
	}
	return total, time.Unix(0, (oldest+1)*int64(slot)+int64(window)-int64(slot))
}

// timeBlock is the "time" object of an answer.
func (p *Portal) timeBlock(method string, start time.Time) map[string]any {
	finish := p.now()
	tb := map[string]any{
		"start":       float64(start.UnixNano()) / 1e9,
		"finish":      float64(finish.UnixNano()) / 1e9,
		"duration":    finish.Sub(start).Seconds(),
		"processing":  finish.Sub(start).Seconds(),
		"date_start":  start.Format(time.RFC3339),
		"date_finish": finish.Format(time.RFC3339),
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.faults.OperatingLimit > 0 {
		total, reset := p.operatingLocked(method)
		tb["operating"] = total
		if !reset.IsZero() {
			tb["operating_reset_at"] = (reset.UnixNano() + int64(time.Second) - 1) / int64(time.Second)
		}
	}
	return tb
}
