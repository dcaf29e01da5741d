package provider

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/bitrix24"
)

// settingKind is how a provider setting is written.
type settingKind int

const (
	kindString settingKind = iota
	kindInt
	kindFloat
	kindDuration
)

// settingSpec is one provider setting: the one place that names its
// attribute, environment variable, kind, bounds and description. The
// schema, the environment lookup and the parsing are built from it.
type settingSpec struct {
	attr      string
	env       string
	kind      settingKind
	sensitive bool
	// min and max bound numbers; durations are bounded in nanoseconds.
	min, max float64
	// zeroOff allows 0 besides min to max: 0 turns the feature off.
	zeroOff     bool
	description string
	// apply stores a parsed value in the client's configuration; nil for
	// the auth and TLS settings, which are read as a whole.
	apply func(cfg *bitrix24.Config, v settingValue)
}

// settingValue is a parsed setting.
type settingValue struct {
	text     string
	number   float64
	duration time.Duration
}

func dur(d time.Duration) float64 { return float64(d) }

// Settings names, for the code that reads them as a group.
const (
	attrPortalURL    = "portal_url"
	attrWebhookURL   = "webhook_url"
	attrUserID       = "user_id"
	attrWebhookCode  = "webhook_code"
	attrAccessToken  = "access_token"
	attrRefreshToken = "refresh_token"
	attrClientID     = "client_id"
	attrClientSecret = "client_secret"
	attrOAuthURL     = "oauth_url"
	attrCACertPEM    = "ca_cert_pem"
	attrCACertFile   = "ca_cert_file"
)

// designLink points the descriptions at the one text that explains the rules.
const designLink = "See [DESIGN.md](https://github.com/tf-bitrix24/terraform-provider-bitrix24/blob/main/DESIGN.md)"

var settingSpecs = []settingSpec{
	{attr: attrPortalURL, env: "BITRIX24_PORTAL_URL", description: "Portal address, for example `https://example.bitrix24.com`. " +
		"Required with `user_id` + `webhook_code` and with `access_token`; taken from `webhook_url` otherwise."},
	{attr: attrWebhookURL, env: "BITRIX24_WEBHOOK_URL", sensitive: true, description: "The full inbound webhook URL that Bitrix24 shows, " +
		"`https://PORTAL/rest/USER_ID/CODE/` (the trailing slash is optional). It holds the webhook code, so it is sensitive."},
	{attr: attrUserID, env: "BITRIX24_USER_ID", description: "Id of the user who created the inbound webhook, the number after `/rest/` " +
		"in its URL. Use with `webhook_code` and `portal_url`."},
	{attr: attrWebhookCode, env: "BITRIX24_WEBHOOK_CODE", sensitive: true, description: "The inbound webhook's secret code, the last part " +
		"of its URL. Use with `user_id` and `portal_url`."},
	{attr: attrAccessToken, env: "BITRIX24_ACCESS_TOKEN", sensitive: true, description: "OAuth 2.0 access token of a Bitrix24 application, " +
		"sent as the `auth` parameter. Use with `portal_url`."},
	{attr: attrRefreshToken, env: "BITRIX24_REFRESH_TOKEN", sensitive: true, description: "OAuth refresh token. With `client_id` and " +
		"`client_secret`, the provider refreshes an expired `access_token` once and retries. Bitrix24 rotates refresh tokens, and the " +
		"provider cannot store the new one, so a refresh token works for one refresh only."},
	{attr: attrClientID, env: "BITRIX24_CLIENT_ID", description: "OAuth application id (`client_id`), for refreshing the access token."},
	{attr: attrClientSecret, env: "BITRIX24_CLIENT_SECRET", sensitive: true, description: "OAuth application secret (`client_secret`), " +
		"for refreshing the access token."},
	{attr: attrOAuthURL, env: "BITRIX24_OAUTH_URL", description: "Token endpoint of the OAuth server that refreshes the access token. " +
		"By default the one the portal itself uses, chosen by the portal's domain zone: `" + bitrix24.OAuthTokenURLTech + "` for portals in " +
		"`.ru`, `.by`, `.kz`, `.am`, `.az`, `.ge`, `.kg` and `.uz`, `" + bitrix24.OAuthTokenURLInfo + "` for every other portal. The refresh " +
		"sends `client_secret` and `refresh_token` in its query, so use `https://`."},
	{attr: attrCACertPEM, env: "BITRIX24_CA_CERT_PEM", description: "PEM-encoded certificates of CAs to trust besides the system's, " +
		"for a self-hosted portal whose certificate comes from an internal CA or is self-signed."},
	{attr: attrCACertFile, env: "BITRIX24_CA_CERT_FILE", description: "Path of a PEM file of CAs to trust besides the system's; " +
		"like `ca_cert_pem`, and added to it when both are set."},
	{attr: "rate_limit", env: "BITRIX24_RATE_LIMIT", kind: kindFloat, min: bitrix24.MinRateLimit, max: 1000, zeroOff: true, description: "Requests per second the " +
		"provider sends once its burst is spent, matching the portal's leaky bucket: `2` (the default) for most plans, `5` for " +
		"Enterprise; at least `0.01` (one request in 100 seconds). `0` switches client-side pacing off, for self-hosted portals without limits; the provider still slows down " +
		"when the portal refuses requests. " + designLink + " (Flow control).",
		apply: func(c *bitrix24.Config, v settingValue) { c.RateLimit = v.number }},
	{attr: "rate_limit_burst", env: "BITRIX24_RATE_LIMIT_BURST", kind: kindInt, min: 1, max: 10000, description: "Requests the " +
		"provider may send at once before `rate_limit` applies: `50` (the default) for most plans, `250` for Enterprise.",
		apply: func(c *bitrix24.Config, v settingValue) { c.RateLimitBurst = int(v.number) }},
	{attr: "max_retries", env: "BITRIX24_MAX_RETRIES", kind: kindInt, min: 0, max: 20, description: "How many times a read is " +
		"retried after a passing fault (5xx, resets, timeouts), with exponential backoff. Default `5`; `0` disables these retries. " +
		"A busy portal is retried for `busy_timeout` instead. " + designLink + " (Retries).",
		apply: func(c *bitrix24.Config, v settingValue) { c.MaxRetries = int(v.number) }},
	{attr: "busy_timeout", env: "BITRIX24_BUSY_TIMEOUT", kind: kindDuration, min: dur(time.Second), max: dur(time.Hour),
		description: "How long a read keeps retrying while the portal says it is busy (`QUERY_LIMIT_EXCEEDED`, or HTTP 429 or 503 " +
			"with `Retry-After`), as a Go duration. Default `5m`. The portal's rate limit is shared with other plans and integrations.",
		apply: func(c *bitrix24.Config, v settingValue) { c.BusyTimeout = v.duration }},
	{attr: "request_timeout", env: "BITRIX24_REQUEST_TIMEOUT", kind: kindDuration, min: dur(time.Second), max: dur(time.Hour),
		description: "Time limit of one HTTP request, as a Go duration such as `30s` (the default) or `2m`.",
		apply:       func(c *bitrix24.Config, v settingValue) { c.RequestTimeout = v.duration }},
	{attr: "batch_window", env: "BITRIX24_BATCH_WINDOW", kind: kindDuration, min: 0, max: dur(time.Second),
		description: "How long a `bitrix24_dialog` read waits for others to share a `batch` call of up to 50 reads, as a Go " +
			"duration; default `10ms`; `0s` sends every read on its own. " + designLink + " (Batching).",
		apply: func(c *bitrix24.Config, v settingValue) { c.BatchWindow = v.duration }},
}

// schemaAttribute builds the setting's schema attribute.
func (s settingSpec) schemaAttribute() schema.Attribute {
	desc := s.description + " Environment variable `" + s.env + "`."
	switch s.kind {
	case kindInt, kindFloat:
		// Whole numbers are Float64 attributes too, so that `1.5` gets
		// this setting's message instead of the framework's conversion
		// error.
		return schema.Float64Attribute{Optional: true, MarkdownDescription: desc, Validators: []validator.Float64{settingValidator{s}}}
	case kindDuration:
		return schema.StringAttribute{Optional: true, MarkdownDescription: desc, Validators: []validator.String{settingValidator{s}}}
	}
	return schema.StringAttribute{Optional: true, Sensitive: s.sensitive, MarkdownDescription: desc}
}

// allowed says which values the setting takes, for its error messages.
func (s settingSpec) allowed() string {
	switch s.kind {
	case kindInt:
		return fmt.Sprintf("a whole number from %g to %g", s.min, s.max)
	case kindFloat:
		if s.zeroOff {
			return fmt.Sprintf("0 (off) or a number from %g to %g", s.min, s.max)
		}
		return fmt.Sprintf("a number from %g to %g", s.min, s.max)
	case kindDuration:
		return fmt.Sprintf("a duration from %s to %s, such as \"30s\", \"500ms\" or \"2m\"", shortDuration(time.Duration(s.min)), shortDuration(time.Duration(s.max)))
	}
	return "text"
}

// shortDuration writes d as Go does, without zero minutes and seconds:
// 1h, 2m, 1m30s, 10ms.
func shortDuration(d time.Duration) string {
	out := d.String()
	if strings.HasSuffix(out, "m0s") {
		out = strings.TrimSuffix(out, "0s")
	}
	if strings.HasSuffix(out, "h0m") {
		out = strings.TrimSuffix(out, "0m")
	}
	return out
}

// parse reads the setting's text, from the configuration or the
// environment, and checks its bounds. Its error says what the setting
// takes ("must be …"), without the value.
func (s settingSpec) parse(text string) (settingValue, error) {
	v := settingValue{text: text}
	bad := fmt.Errorf("must be %s", s.allowed())
	switch s.kind {
	case kindInt, kindFloat:
		f, err := strconv.ParseFloat(text, 64)
		if err != nil || !s.numberOK(f) {
			return v, bad
		}
		v.number = f
	case kindDuration:
		d, err := time.ParseDuration(text)
		if err != nil || float64(d) < s.min || float64(d) > s.max {
			return v, bad
		}
		v.duration = d
	}
	return v, nil
}

func (s settingSpec) numberOK(f float64) bool {
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return false
	case s.kind == kindInt && f != math.Trunc(f):
		return false
	case s.zeroOff && f == 0:
		return true
	}
	return f >= s.min && f <= s.max
}

// settingValidator checks a numeric or duration setting in the
// configuration with the setting's own message.
type settingValidator struct{ spec settingSpec }

var (
	_ validator.Float64 = settingValidator{}
	_ validator.String  = settingValidator{}
)

func (v settingValidator) Description(_ context.Context) string {
	return "value must be " + v.spec.allowed()
}

func (v settingValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v settingValidator) ValidateFloat64(_ context.Context, req validator.Float64Request, resp *validator.Float64Response) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	v.check(req.Path, strconv.FormatFloat(req.ConfigValue.ValueFloat64(), 'f', -1, 64), &resp.Diagnostics)
}

func (v settingValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	v.check(req.Path, req.ConfigValue.ValueString(), &resp.Diagnostics)
}

func (v settingValidator) check(p path.Path, text string, diags *diag.Diagnostics) {
	if _, err := v.spec.parse(strings.TrimSpace(text)); err != nil {
		diags.AddAttributeError(p, "Invalid Bitrix24 "+v.spec.attr, fmt.Sprintf("%s %s; got %s.", v.spec.attr, err, quoteSetting(v.spec, text)))
	}
}

// quoteSetting writes a setting's value for a message: numbers as they
// are, text quoted.
func quoteSetting(s settingSpec, text string) string {
	if s.kind == kindInt || s.kind == kindFloat {
		if _, err := strconv.ParseFloat(text, 64); err == nil {
			return text
		}
	}
	return strconv.Quote(text)
}
