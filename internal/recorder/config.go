package recorder

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/bitrix24"
)

// AuthHelp says which environment variables ConfigFromEnv reads.
const AuthHelp = `Credentials come from the provider's environment variables, exactly one way:
  BITRIX24_WEBHOOK_URL=https://PORTAL/rest/USER_ID/CODE/
  BITRIX24_PORTAL_URL + BITRIX24_USER_ID + BITRIX24_WEBHOOK_CODE
  BITRIX24_PORTAL_URL + BITRIX24_ACCESS_TOKEN (OAuth; with BITRIX24_REFRESH_TOKEN, BITRIX24_CLIENT_ID,
    BITRIX24_CLIENT_SECRET and BITRIX24_OAUTH_URL to refresh it once)
The flow control follows BITRIX24_RATE_LIMIT (default 2), BITRIX24_RATE_LIMIT_BURST (50),
BITRIX24_MAX_RETRIES (5), BITRIX24_BUSY_TIMEOUT (5m) and BITRIX24_REQUEST_TIMEOUT (30s), as in the provider;
BITRIX24_CA_CERT_FILE and BITRIX24_CA_CERT_PEM add CAs to trust.`

// CredentialsError is ConfigFromEnv's error when the environment sets no
// way, or more than one way, to authenticate. Show AuthHelp with it.
type CredentialsError struct {
	Reason string
}

func (e *CredentialsError) Error() string { return e.Reason }

// ConfigFromEnv builds the client's configuration from the provider's
// BITRIX24_* environment variables (getenv; os.Getenv when nil), with the
// provider's defaults for the flow control. Its errors never repeat a
// secret; a *CredentialsError says the environment names no single way to
// authenticate.
func ConfigFromEnv(getenv func(string) string) (bitrix24.Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	env := func(name string) string { return strings.TrimSpace(getenv(name)) }
	cfg := bitrix24.Config{
		RateLimit:      bitrix24.DefaultRateLimit,
		RateLimitBurst: bitrix24.DefaultRateLimitBurst,
		MaxRetries:     bitrix24.DefaultMaxRetries,
		BusyTimeout:    bitrix24.DefaultBusyTimeout,
		RequestTimeout: bitrix24.DefaultRequestTimeout,
		UserAgent:      "bitrix24-fakeportal-record",
	}

	hook, parts, token := env("BITRIX24_WEBHOOK_URL"), env("BITRIX24_USER_ID") != "" || env("BITRIX24_WEBHOOK_CODE") != "", env("BITRIX24_ACCESS_TOKEN")
	modes := 0
	for _, set := range []bool{hook != "", parts, token != ""} {
		if set {
			modes++
		}
	}
	if modes != 1 {
		if modes == 0 {
			return cfg, &CredentialsError{"no Bitrix24 credentials in the environment"}
		}
		return cfg, &CredentialsError{"more than one way to authenticate is set in the environment"}
	}
	portal := func() (string, error) {
		p := env("BITRIX24_PORTAL_URL")
		if p == "" {
			return "", errors.New("BITRIX24_PORTAL_URL is not set")
		}
		base, err := bitrix24.ParsePortalURL(p, false)
		if err != nil {
			return "", fmt.Errorf("BITRIX24_PORTAL_URL: %w", err)
		}
		return base, nil
	}
	switch {
	case hook != "":
		w, err := bitrix24.ParseWebhookURL(hook)
		if err != nil {
			return cfg, fmt.Errorf("BITRIX24_WEBHOOK_URL: %w", err)
		}
		cfg.Auth.Webhook = &w
	case parts:
		base, err := portal()
		if err != nil {
			return cfg, err
		}
		id, err := strconv.ParseInt(env("BITRIX24_USER_ID"), 10, 64)
		if err != nil || id <= 0 {
			return cfg, errors.New("BITRIX24_USER_ID must be a positive whole number")
		}
		w, err := bitrix24.ParseWebhookURL(base + "/rest/" + strconv.FormatInt(id, 10) + "/" + env("BITRIX24_WEBHOOK_CODE") + "/")
		if err != nil {
			return cfg, errors.New("BITRIX24_WEBHOOK_CODE must be the webhook's code: letters, digits, '-' and '_'")
		}
		cfg.Auth.Webhook = &w
	default:
		base, err := portal()
		if err != nil {
			return cfg, err
		}
		cfg.Auth.OAuth = &bitrix24.OAuth{PortalURL: base, AccessToken: token, RefreshToken: env("BITRIX24_REFRESH_TOKEN"),
			ClientID: env("BITRIX24_CLIENT_ID"), ClientSecret: env("BITRIX24_CLIENT_SECRET"), TokenURL: env("BITRIX24_OAUTH_URL")}
	}

	number := func(name string, lo, hi float64, set func(float64)) error {
		v := env(name)
		if v == "" {
			return nil
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < lo || f > hi {
			return fmt.Errorf("%s must be a number between %g and %g; got %q", name, lo, hi, v)
		}
		set(f)
		return nil
	}
	duration := func(name string, set func(time.Duration)) error {
		v := env(name)
		if v == "" {
			return nil
		}
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second || d > time.Hour {
			return fmt.Errorf("%s must be a duration between 1s and 1h; got %q", name, v)
		}
		set(d)
		return nil
	}
	if err := errors.Join(
		number("BITRIX24_RATE_LIMIT", 0, 1000, func(f float64) { cfg.RateLimit = f }),
		number("BITRIX24_RATE_LIMIT_BURST", 1, 10000, func(f float64) { cfg.RateLimitBurst = int(f) }),
		number("BITRIX24_MAX_RETRIES", 0, 20, func(f float64) { cfg.MaxRetries = int(f) }),
		duration("BITRIX24_BUSY_TIMEOUT", func(d time.Duration) { cfg.BusyTimeout = d }),
		duration("BITRIX24_REQUEST_TIMEOUT", func(d time.Duration) { cfg.RequestTimeout = d }),
	); err != nil {
		return cfg, err
	}

	var pems [][]byte
	if p := getenv("BITRIX24_CA_CERT_PEM"); strings.TrimSpace(p) != "" {
		pems = append(pems, []byte(p))
	}
	if f := env("BITRIX24_CA_CERT_FILE"); f != "" {
		data, err := os.ReadFile(f)
		if err != nil {
			return cfg, fmt.Errorf("BITRIX24_CA_CERT_FILE: %w", err)
		}
		pems = append(pems, data)
	}
	if len(pems) > 0 {
		pool, err := bitrix24.CertPool(pems...)
		if err != nil {
			return cfg, fmt.Errorf("the CA certificates %w", err)
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}
