// Package bitrix24 is a small client for the Bitrix24 REST API: auth by
// inbound webhook or OAuth token, the wire format, typed errors, retries,
// client-side rate limiting and batching of concurrent reads. It has no
// Terraform imports.
package bitrix24

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/clock"
)

// Defaults match a standard (non-Enterprise) cloud portal.
const (
	DefaultRateLimit      = 2.0
	DefaultRateLimitBurst = 50
	DefaultMaxRetries     = 5
	DefaultRequestTimeout = 30 * time.Second
	DefaultMaxBodyBytes   = 8 << 20
	DefaultBatchWindow    = 10 * time.Millisecond
	DefaultBusyTimeout    = 5 * time.Minute
	// MinRateLimit is the lowest pacing rate, one request in 100 seconds:
	// Config.RateLimit below it (but above 0) is raised to it, since the
	// pacing maths of smaller rates waits for ever or overflows.
	MinRateLimit = 0.01
	// MaxBatchCommands is the portal's limit on commands in one batch call.
	MaxBatchCommands = 50
)

// Logger receives the client's log lines. Every message and field value has
// its secrets masked before it gets here.
type Logger interface {
	Debug(ctx context.Context, msg string, fields map[string]any)
	Warn(ctx context.Context, msg string, fields map[string]any)
}

// Config configures a Client. Zero values take the defaults above, except
// MaxRetries (0 means no retries) and BatchWindow (0 disables batching).
type Config struct {
	Auth Auth
	// HTTPClient sends the requests; a client with its own transport is
	// made when nil.
	HTTPClient *http.Client
	// RootCAs are the CAs the client's own transport trusts; the system's
	// when nil (see CertPool).
	RootCAs *x509.CertPool
	// RateLimit is how many requests per second the portal drains; 0 turns
	// client-side pacing off until the portal first refuses a request.
	RateLimit float64
	// RateLimitBurst is how many requests the portal accepts at once.
	RateLimitBurst int
	// MaxRetries bounds the retries of one call after a passing fault.
	MaxRetries int
	// BusyTimeout bounds how long one call keeps retrying while the portal
	// says it is busy (QUERY_LIMIT_EXCEEDED, 429 or 503 with Retry-After).
	// Default 5 minutes.
	BusyTimeout time.Duration
	// RequestTimeout bounds each HTTP request.
	RequestTimeout time.Duration
	// MaxBodyBytes caps the size of an answer.
	MaxBodyBytes int64
	// BatchWindow is how long a read waits for others to join one batch
	// call; 0 sends every read on its own.
	BatchWindow time.Duration
	// RetryBaseDelay is the first backoff delay; it doubles on each retry,
	// up to RetryMaxDelay. Defaults 500ms and 10s.
	RetryBaseDelay time.Duration
	RetryMaxDelay  time.Duration
	// MaxOperatingWait is the longest the client waits for a method blocked
	// by OPERATION_TIME_LIMIT to unblock. Default 2 minutes.
	MaxOperatingWait time.Duration
	// UserAgent is sent with every request.
	UserAgent string
	// Logger gets debug and warning lines; nil discards them.
	Logger Logger
	// Clock tells the time and waits; the system clock when nil.
	Clock clock.Clock
}

// Client calls the REST API of one portal. It is safe for concurrent use,
// and every call shares one rate limiter.
type Client struct {
	cfg      Config
	http     *http.Client
	redactor *Redactor
	clock    clock.Clock
	flow     *flowControl
	breaker  *breaker
	oauth    *tokenSource
	dialogs  *coalescer[*Dialog]

	mu      sync.Mutex
	resetAt map[string]time.Time // method -> last known operating_reset_at
	blocked map[string]bool      // methods blocked by OPERATION_TIME_LIMIT until resetAt
}

// New returns a client for cfg.
func New(cfg Config) (*Client, error) {
	if (cfg.Auth.Webhook == nil) == (cfg.Auth.OAuth == nil) {
		return nil, errors.New("exactly one of webhook and OAuth auth must be set")
	}
	cfg = cfg.withDefaults()
	c := &Client{
		cfg:      cfg,
		http:     cfg.HTTPClient,
		redactor: NewRedactor(cfg.Auth.Secrets()...),
		clock:    cfg.Clock,
		flow:     newFlowControl(cfg.Clock, cfg.RateLimit, cfg.RateLimitBurst),
		breaker:  &breaker{clock: cfg.Clock},
		resetAt:  map[string]time.Time{},
		blocked:  map[string]bool{},
	}
	if c.http == nil {
		c.http = newHTTPClient(cfg.RootCAs)
	}
	if o := cfg.Auth.OAuth; o != nil {
		tokenURL := o.TokenURL
		if tokenURL == "" {
			tokenURL = DefaultOAuthTokenURL(o.PortalURL)
		}
		c.oauth = &tokenSource{client: c, access: o.AccessToken, refresh: o.RefreshToken, clientID: o.ClientID, clientSecret: o.ClientSecret, tokenURL: tokenURL}
	}
	if cfg.BatchWindow > 0 {
		c.dialogs = newCoalescer(c.clock, cfg.BatchWindow, c.flow.Delay, c.readDialogs)
	}
	return c, nil
}

// withDefaults fills in the zero values of cfg that take a default (see
// Config).
func (cfg Config) withDefaults() Config {
	switch {
	case cfg.RateLimit < 0 || math.IsNaN(cfg.RateLimit) || math.IsInf(cfg.RateLimit, 0):
		cfg.RateLimit = DefaultRateLimit
	case cfg.RateLimit > 0 && cfg.RateLimit < MinRateLimit:
		cfg.RateLimit = MinRateLimit
	}
	if cfg.RateLimitBurst <= 0 {
		cfg.RateLimitBurst = DefaultRateLimitBurst
	}
	if cfg.MaxRetries < 0 {
		cfg.MaxRetries = 0
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.RetryBaseDelay <= 0 {
		cfg.RetryBaseDelay = 500 * time.Millisecond
	}
	if cfg.RetryMaxDelay <= 0 {
		cfg.RetryMaxDelay = 10 * time.Second
	}
	if cfg.BusyTimeout <= 0 {
		cfg.BusyTimeout = DefaultBusyTimeout
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real()
	}
	if cfg.MaxOperatingWait <= 0 {
		cfg.MaxOperatingWait = 2 * time.Minute
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "terraform-provider-bitrix24"
	}
	return cfg
}

// newHTTPClient is the client's own HTTP client: the default transport's
// settings (proxies from the environment), rootCAs when set, and no
// redirects.
func newHTTPClient(rootCAs *x509.CertPool) *http.Client {
	transport := &http.Transport{Proxy: http.ProxyFromEnvironment}
	if def, ok := http.DefaultTransport.(*http.Transport); ok {
		transport = def.Clone()
	}
	transport.MaxIdleConnsPerHost = 16
	if rootCAs != nil {
		transport.TLSClientConfig = &tls.Config{RootCAs: rootCAs, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{
		Transport: transport,
		// A redirect would resend the webhook code or token to wherever
		// it points; report it instead.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Redactor returns the redactor that masks this client's secrets, including
// tokens obtained by refresh.
func (c *Client) Redactor() *Redactor { return c.redactor }

func (c *Client) debug(ctx context.Context, msg string, fields map[string]any) {
	if c.cfg.Logger != nil {
		c.cfg.Logger.Debug(ctx, c.redactor.String(msg), c.redactFields(fields))
	}
}

func (c *Client) warn(ctx context.Context, msg string, fields map[string]any) {
	if c.cfg.Logger != nil {
		c.cfg.Logger.Warn(ctx, c.redactor.String(msg), c.redactFields(fields))
	}
}

func (c *Client) redactFields(fields map[string]any) map[string]any {
	for k, v := range fields {
		if s, ok := v.(string); ok {
			fields[k] = c.redactor.String(s)
		}
	}
	return fields
}
