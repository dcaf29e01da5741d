package provider

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/bitrix24"
)

// Environment variables, one per provider attribute.
const (
	envPortalURL      = "BITRIX24_PORTAL_URL"
	envWebhookURL     = "BITRIX24_WEBHOOK_URL"
	envUserID         = "BITRIX24_USER_ID"
	envWebhookCode    = "BITRIX24_WEBHOOK_CODE"
	envAccessToken    = "BITRIX24_ACCESS_TOKEN"
	envRefreshToken   = "BITRIX24_REFRESH_TOKEN"
	envClientID       = "BITRIX24_CLIENT_ID"
	envClientSecret   = "BITRIX24_CLIENT_SECRET"
	envOAuthURL       = "BITRIX24_OAUTH_URL"
	envRateLimit      = "BITRIX24_RATE_LIMIT"
	envRateLimitBurst = "BITRIX24_RATE_LIMIT_BURST"
	envMaxRetries     = "BITRIX24_MAX_RETRIES"
	envRequestTimeout = "BITRIX24_REQUEST_TIMEOUT"
	envBatchWindow    = "BITRIX24_BATCH_WINDOW"
)

// providerData is what the provider hands its data sources.
type providerData struct {
	client *bitrix24.Client
}

// dataSourceProviderData is the providerData handed to a data source's
// Configure, or nil before the provider is configured.
func dataSourceProviderData(req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) *providerData {
	if req.ProviderData == nil {
		return nil
	}
	data, ok := req.ProviderData.(*providerData)
	if !ok {
		resp.Diagnostics.AddError("Unexpected Data Source Configure Type",
			fmt.Sprintf("Expected *provider.providerData, got %T. Please report this issue to the provider developers.", req.ProviderData))
		return nil
	}
	return data
}

// setting is one resolved provider setting and where it came from.
type setting struct {
	attr  string
	env   string
	value string
	// fromConfig is true when the value came from the configuration.
	fromConfig bool
}

func (s setting) set() bool { return s.value != "" }

// source names where a setting came from, for diagnostics.
func (s setting) source() string {
	if s.fromConfig {
		return fmt.Sprintf("%q in the provider configuration", s.attr)
	}
	return fmt.Sprintf("%q from the environment variable %s", s.attr, s.env)
}

func (s setting) path() path.Path { return path.Root(s.attr) }

// resolve takes the configuration value when set, else the environment.
func resolve(attrName, env string, v attr.Value) setting {
	s := setting{attr: attrName, env: env}
	if !v.IsNull() {
		switch tv := v.(type) {
		case types.String:
			s.value, s.fromConfig = tv.ValueString(), true
		case types.Int64:
			s.value, s.fromConfig = strconv.FormatInt(tv.ValueInt64(), 10), true
		case types.Float64:
			s.value, s.fromConfig = strconv.FormatFloat(tv.ValueFloat64(), 'g', -1, 64), true
		}
	}
	if !s.fromConfig {
		s.value = strings.TrimSpace(os.Getenv(env))
	}
	return s
}

func (p *bitrix24Provider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}

	all := []struct {
		name, env string
		v         attr.Value
	}{
		{"portal_url", envPortalURL, cfg.PortalURL}, {"webhook_url", envWebhookURL, cfg.WebhookURL},
		{"user_id", envUserID, cfg.UserID}, {"webhook_code", envWebhookCode, cfg.WebhookCode},
		{"access_token", envAccessToken, cfg.AccessToken}, {"refresh_token", envRefreshToken, cfg.RefreshToken},
		{"client_id", envClientID, cfg.ClientID}, {"client_secret", envClientSecret, cfg.ClientSecret},
		{"oauth_url", envOAuthURL, cfg.OAuthURL}, {"rate_limit", envRateLimit, cfg.RateLimit},
		{"rate_limit_burst", envRateLimitBurst, cfg.RateLimitBurst}, {"max_retries", envMaxRetries, cfg.MaxRetries},
		{"request_timeout", envRequestTimeout, cfg.RequestTimeout}, {"batch_window", envBatchWindow, cfg.BatchWindow},
	}
	// As in the HashiCups tutorial: a value that is unknown until apply
	// cannot configure a client.
	s := map[string]setting{}
	for _, a := range all {
		if a.v.IsUnknown() {
			resp.Diagnostics.AddAttributeError(path.Root(a.name), "Unknown Bitrix24 "+a.name,
				fmt.Sprintf("The provider cannot create the Bitrix24 API client because %q is unknown until apply. "+
					"Set it to a value known at plan time, or leave it out of the configuration and use the %s environment variable.", a.name, a.env))
			continue
		}
		s[a.name] = resolve(a.name, a.env, a.v)
	}
	if resp.Diagnostics.HasError() {
		return
	}

	auth, diags := resolveAuth(s)
	resp.Diagnostics.Append(diags...)
	clientCfg, diags := resolveTuning(s)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	clientCfg.Auth = auth
	clientCfg.Logger = tflogLogger{}
	clientCfg.UserAgent = "terraform-provider-bitrix24/" + p.version

	client, err := bitrix24.New(clientCfg)
	if err != nil {
		resp.Diagnostics.AddError("Cannot create the Bitrix24 API client", err.Error())
		return
	}
	ctx = maskSecrets(ctx, client.Redactor())
	mode := "webhook"
	if auth.OAuth != nil {
		mode = "oauth"
	}
	tflog.Debug(ctx, "Configured the Bitrix24 client", map[string]any{
		"auth": mode, "rate_limit": clientCfg.RateLimit, "rate_limit_burst": clientCfg.RateLimitBurst,
		"max_retries": clientCfg.MaxRetries, "request_timeout": clientCfg.RequestTimeout.String(), "batch_window": clientCfg.BatchWindow.String(),
	})
	data := &providerData{client: client}
	resp.DataSourceData = data
	resp.ResourceData = data
}

// authModes groups the auth settings by the mode they belong to.
var authModes = []struct {
	name  string
	attrs []string
}{
	{"webhook_url", []string{"webhook_url"}},
	{"user_id + webhook_code", []string{"user_id", "webhook_code"}},
	{"access_token", []string{"access_token", "refresh_token", "client_id", "client_secret"}},
}

const authHelp = "Configure exactly one way to authenticate:\n" +
	"  - webhook_url (or " + envWebhookURL + "): the inbound webhook URL that Bitrix24 shows, https://PORTAL/rest/USER_ID/CODE/\n" +
	"  - portal_url + user_id + webhook_code (or " + envPortalURL + ", " + envUserID + ", " + envWebhookCode + ")\n" +
	"  - portal_url + access_token (or " + envPortalURL + ", " + envAccessToken + ") for an OAuth 2.0 application"

// resolveAuth picks the one configured auth mode. Auth settings in the
// configuration win: when the configuration names a mode, environment
// variables of the other modes are ignored.
func resolveAuth(s map[string]setting) (bitrix24.Auth, diag.Diagnostics) {
	var diags diag.Diagnostics
	configured := map[string]bool{}
	for _, m := range authModes {
		for _, a := range m.attrs {
			if s[a].fromConfig && s[a].set() {
				configured[m.name] = true
			}
		}
	}
	if len(configured) > 0 {
		for _, m := range authModes {
			if configured[m.name] {
				continue
			}
			for _, a := range m.attrs {
				if !s[a].fromConfig {
					s[a] = setting{attr: a, env: s[a].env}
				}
			}
		}
	}
	var present []string
	var firstOf []setting
	for _, m := range authModes {
		for _, a := range m.attrs {
			if s[a].set() && (a != "refresh_token" && a != "client_id" && a != "client_secret") {
				present = append(present, m.name)
				firstOf = append(firstOf, s[a])
				break
			}
		}
	}
	switch {
	case len(present) == 0:
		if s["refresh_token"].set() || s["client_id"].set() || s["client_secret"].set() {
			addSettingError(&diags, path.Root("access_token"), "Missing Bitrix24 access token",
				"refresh_token, client_id and client_secret only refresh an access token; set access_token (or "+envAccessToken+") too.\n\n"+authHelp)
			return bitrix24.Auth{}, diags
		}
		addSettingError(&diags, path.Root("webhook_url"), "Missing Bitrix24 credentials",
			"No credentials are set in the provider configuration or in BITRIX24_* environment variables.\n\n"+authHelp)
		return bitrix24.Auth{}, diags
	case len(present) > 1:
		var names []string
		for _, f := range firstOf {
			names = append(names, f.source())
		}
		addSettingError(&diags, firstOf[1].path(), "Conflicting Bitrix24 credentials",
			"More than one way to authenticate is set: "+strings.Join(names, " and ")+". Remove all but one.\n\n"+authHelp)
		return bitrix24.Auth{}, diags
	}

	portal := s["portal_url"]
	var portalBase string
	if portal.set() {
		base, err := bitrix24.ParsePortalURL(portal.value, false)
		if err != nil {
			addSettingError(&diags, portal.path(), "Invalid Bitrix24 portal URL",
				fmt.Sprintf("The value of %s is not a portal URL: %s. Use the portal's address, for example https://example.bitrix24.com.", portal.source(), err))
			return bitrix24.Auth{}, diags
		}
		portalBase = base
	}
	requirePortal := func(mode string) bool {
		if portalBase != "" {
			return true
		}
		addSettingError(&diags, path.Root("portal_url"), "Missing Bitrix24 portal URL",
			fmt.Sprintf("%s needs portal_url (or the %s environment variable), for example https://example.bitrix24.com.", mode, envPortalURL))
		return false
	}

	switch present[0] {
	case "webhook_url":
		w := s["webhook_url"]
		hook, err := bitrix24.ParseWebhookURL(w.value)
		if err != nil {
			addSettingError(&diags, w.path(), "Invalid Bitrix24 webhook URL",
				fmt.Sprintf("The value of %s is not an inbound webhook URL: %s. Copy the URL Bitrix24 shows for the webhook, https://PORTAL/rest/USER_ID/CODE/.", w.source(), err))
			return bitrix24.Auth{}, diags
		}
		if portal.fromConfig && portalBase != "" && !strings.EqualFold(portalBase, hook.PortalURL) {
			addSettingError(&diags, portal.path(), "Conflicting Bitrix24 portal URL",
				fmt.Sprintf("portal_url is %s but webhook_url points at %s. Remove portal_url: webhook_url already names the portal.", portalBase, hook.PortalURL))
			return bitrix24.Auth{}, diags
		}
		return bitrix24.Auth{Webhook: &hook}, diags
	case "user_id + webhook_code":
		uid, code := s["user_id"], s["webhook_code"]
		for _, missing := range []setting{uid, code} {
			if !missing.set() {
				addSettingError(&diags, missing.path(), "Missing Bitrix24 "+missing.attr,
					fmt.Sprintf("user_id and webhook_code go together; set %s in the provider configuration or the %s environment variable.", missing.attr, missing.env))
			}
		}
		if diags.HasError() {
			return bitrix24.Auth{}, diags
		}
		id, err := strconv.ParseInt(uid.value, 10, 64)
		if err != nil || id <= 0 {
			addSettingError(&diags, uid.path(), "Invalid Bitrix24 user_id",
				fmt.Sprintf("The value of %s must be a positive whole number, the number after /rest/ in the webhook URL; got %q.", uid.source(), uid.value))
			return bitrix24.Auth{}, diags
		}
		if !webhookCodeOK(code.value) {
			addSettingError(&diags, code.path(), "Invalid Bitrix24 webhook_code",
				fmt.Sprintf("The value of %s must be the webhook's code: letters, digits, '-' and '_' only, the last part of the webhook URL.", code.source()))
			return bitrix24.Auth{}, diags
		}
		if !requirePortal("user_id + webhook_code") {
			return bitrix24.Auth{}, diags
		}
		return bitrix24.Auth{Webhook: &bitrix24.Webhook{PortalURL: portalBase, UserID: id, Code: code.value}}, diags
	default:
		if !requirePortal("access_token") {
			return bitrix24.Auth{}, diags
		}
		o := &bitrix24.OAuth{
			PortalURL: portalBase, AccessToken: s["access_token"].value, RefreshToken: s["refresh_token"].value,
			ClientID: s["client_id"].value, ClientSecret: s["client_secret"].value, TokenURL: s["oauth_url"].value,
		}
		refresh := []setting{s["refresh_token"], s["client_id"], s["client_secret"]}
		var set, unset []string
		for _, r := range refresh {
			if r.set() {
				set = append(set, r.attr)
			} else {
				unset = append(unset, fmt.Sprintf("%s (%s)", r.attr, r.env))
			}
		}
		if len(set) > 0 && len(unset) > 0 {
			addSettingError(&diags, path.Root(strings.SplitN(unset[0], " ", 2)[0]), "Incomplete Bitrix24 OAuth refresh settings",
				fmt.Sprintf("Refreshing the access token needs refresh_token, client_id and client_secret together; %s set, but not %s.",
					strings.Join(set, ", "), strings.Join(unset, ", ")))
			return bitrix24.Auth{}, diags
		}
		if u := s["oauth_url"]; u.set() {
			if _, err := bitrix24.ParsePortalURL(u.value, true); err != nil {
				addSettingError(&diags, u.path(), "Invalid Bitrix24 OAuth URL",
					fmt.Sprintf("The value of %s is not a URL: %s. The default is %s.", u.source(), err, bitrix24.DefaultOAuthTokenURL))
				return bitrix24.Auth{}, diags
			}
		}
		return bitrix24.Auth{OAuth: o}, diags
	}
}

func webhookCodeOK(code string) bool {
	_, err := bitrix24.ParseWebhookURL("https://x/rest/1/" + code + "/")
	return err == nil
}

// resolveTuning reads the rate limit, retry, timeout and batch settings.
func resolveTuning(s map[string]setting) (bitrix24.Config, diag.Diagnostics) {
	var diags diag.Diagnostics
	cfg := bitrix24.Config{
		RateLimit:      bitrix24.DefaultRateLimit,
		RateLimitBurst: bitrix24.DefaultRateLimitBurst,
		MaxRetries:     bitrix24.DefaultMaxRetries,
		RequestTimeout: bitrix24.DefaultRequestTimeout,
		BatchWindow:    bitrix24.DefaultBatchWindow,
	}
	bad := func(st setting, want string) {
		addSettingError(&diags, st.path(), "Invalid Bitrix24 "+st.attr,
			fmt.Sprintf("The value of %s must be %s; got %q.", st.source(), want, st.value))
	}
	if st := s["rate_limit"]; st.set() {
		if v, err := strconv.ParseFloat(st.value, 64); err != nil || v < 0.01 || v > 1000 {
			bad(st, "a number of requests per second between 0.01 and 1000")
		} else {
			cfg.RateLimit = v
		}
	}
	if st := s["rate_limit_burst"]; st.set() {
		if v, err := strconv.Atoi(st.value); err != nil || v < 1 || v > 10000 {
			bad(st, "a whole number between 1 and 10000")
		} else {
			cfg.RateLimitBurst = v
		}
	}
	if st := s["max_retries"]; st.set() {
		if v, err := strconv.Atoi(st.value); err != nil || v < 0 || v > 20 {
			bad(st, "a whole number between 0 and 20")
		} else {
			cfg.MaxRetries = v
		}
	}
	if st := s["request_timeout"]; st.set() {
		if d, err := parseDuration(st.value, time.Second, time.Hour); err != nil {
			bad(st, "a duration between 1s and 1h such as \"30s\"")
		} else {
			cfg.RequestTimeout = d
		}
	}
	if st := s["batch_window"]; st.set() {
		if d, err := parseDuration(st.value, 0, time.Second); err != nil {
			bad(st, "a duration between 0s and 1s such as \"10ms\"")
		} else {
			cfg.BatchWindow = d
		}
	}
	return cfg, diags
}

// sensitiveSettings hold secrets. Terraform prints the configuration line an
// attribute error points at, literal and all, so errors about these
// settings point at the provider block instead.
var sensitiveSettings = map[string]bool{
	"webhook_url": true, "webhook_code": true, "access_token": true, "refresh_token": true, "client_secret": true,
}

func addSettingError(diags *diag.Diagnostics, p path.Path, summary, detail string) {
	name := p.String()
	if sensitiveSettings[name] {
		diags.AddError(summary, detail+"\n\n(Setting: "+name+". The configuration line is not shown because it holds a secret.)")
		return
	}
	diags.AddAttributeError(p, summary, detail)
}
