package bitrix24

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/clock"
	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/fakeportal"
)

// readConcurrently reads one dialog n times at once; every read must succeed.
func readConcurrently(t *testing.T, c *Client, n int, id string) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.GetDialog(context.Background(), id); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("read of %s failed: %v", id, err)
	}
}

func fakeResponse(status int) *http.Response {
	return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}}}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// autoAdvance moves a fake clock to each sleep or timer as soon as one is
// pending, so that code that waits runs at once while the fake time adds up
// what it waited. It stops at the end of the test.
func autoAdvance(t *testing.T, clk *clock.Fake) {
	t.Helper()
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if d, ok := clk.NextDue(); ok {
				clk.Advance(d)
				continue
			}
			time.Sleep(100 * time.Microsecond)
		}
	}()
	t.Cleanup(func() { close(stop); <-done })
}

// cannedPortal answers each request with the next of answers (the last one
// repeats), and counts requests by path.
type cannedPortal struct {
	mu      sync.Mutex
	answers []cannedAnswer
	paths   []string
	bodies  []string
}

type cannedAnswer struct {
	status  int
	headers map[string]string
	body    string
}

func newCannedPortal(t *testing.T, answers ...cannedAnswer) (*cannedPortal, *httptest.Server) {
	t.Helper()
	p := &cannedPortal{answers: answers}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		p.mu.Lock()
		n := len(p.paths)
		p.paths = append(p.paths, r.URL.Path)
		p.bodies = append(p.bodies, string(body))
		a := p.answers[min(n, len(p.answers)-1)]
		p.mu.Unlock()
		for k, v := range a.headers {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json")
		if a.status == 0 {
			a.status = 200
		}
		w.WriteHeader(a.status)
		_, _ = w.Write([]byte(a.body))
	}))
	t.Cleanup(srv.Close)
	return p, srv
}

func (p *cannedPortal) requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.paths...)
}

// fakeClockClient is a webhook client of srv on a fake clock that advances
// by itself.
func fakeClockClient(t *testing.T, srv *httptest.Server, mod func(*Config)) (*Client, *clock.Fake) {
	t.Helper()
	clk := clock.NewFake(time.Unix(1_700_000_000, 0))
	autoAdvance(t, clk)
	c, _ := webhookClient(t, srv, func(cfg *Config) {
		cfg.Clock = clk
		cfg.RetryBaseDelay = 500 * time.Millisecond
		cfg.RetryMaxDelay = 10 * time.Second
		if mod != nil {
			mod(cfg)
		}
	})
	return c, clk
}

const testCode = "demowebhookcode1"

func newPortal(t *testing.T, f fakeportal.Faults) (*fakeportal.Portal, *httptest.Server) {
	t.Helper()
	p := fakeportal.New(fakeportal.DefaultFixtures())
	p.SetFaults(f)
	srv := p.Start()
	t.Cleanup(func() {
		p.Close()
		srv.Close()
	})
	return p, srv
}

// recordingLogger keeps every line the client logs.
type recordingLogger struct {
	mu    sync.Mutex
	lines []string
}

func (l *recordingLogger) log(level, msg string, fields map[string]any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf("%s %s %v", level, msg, fields))
}

func (l *recordingLogger) Debug(_ context.Context, msg string, f map[string]any) {
	l.log("DEBUG", msg, f)
}

func (l *recordingLogger) Warn(_ context.Context, msg string, f map[string]any) {
	l.log("WARN", msg, f)
}

func (l *recordingLogger) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

func webhookClient(t *testing.T, srv *httptest.Server, mod func(*Config)) (*Client, *recordingLogger) {
	t.Helper()
	hook, err := ParseWebhookURL(srv.URL + "/rest/1/" + testCode + "/")
	if err != nil {
		t.Fatal(err)
	}
	log := &recordingLogger{}
	cfg := Config{Auth: Auth{Webhook: &hook}, MaxRetries: 3, RetryBaseDelay: time.Millisecond, RetryMaxDelay: 5 * time.Millisecond, Logger: log}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if strings.Contains(log.text(), testCode) {
			t.Errorf("the client logged the webhook code:\n%s", log.text())
		}
	})
	return c, log
}
