package provider

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/bitrix24"
)

// authMode is one way to authenticate.
type authMode struct {
	name string
	// keys are the settings that choose this mode when set.
	keys []string
	// extras belong to the mode without choosing it.
	extras []string
	build  func(s settings, diags *diag.Diagnostics) bitrix24.Auth
}

var authModes = []authMode{
	{name: "webhook_url", keys: []string{attrWebhookURL}, build: webhookURLAuth},
	{name: "user_id + webhook_code", keys: []string{attrUserID, attrWebhookCode}, build: webhookPartsAuth},
	{name: "access_token", keys: []string{attrAccessToken}, extras: []string{attrRefreshToken, attrClientID, attrClientSecret}, build: oauthAuth},
}

func (m authMode) settings() []string { return append(append([]string(nil), m.keys...), m.extras...) }

const authHelp = "Configure exactly one way to authenticate:\n" +
	"  - webhook_url (or BITRIX24_WEBHOOK_URL): the inbound webhook URL that Bitrix24 shows, https://PORTAL/rest/USER_ID/CODE/\n" +
	"  - portal_url + user_id + webhook_code (or BITRIX24_PORTAL_URL, BITRIX24_USER_ID, BITRIX24_WEBHOOK_CODE)\n" +
	"  - portal_url + access_token (or BITRIX24_PORTAL_URL, BITRIX24_ACCESS_TOKEN) for an OAuth 2.0 application"

// resolveAuth picks the one configured auth mode and builds it.
func resolveAuth(s settings) (bitrix24.Auth, diag.Diagnostics) {
	var diags diag.Diagnostics
	mode, chosen, ok := pickAuthMode(s, &diags)
	if !ok {
		return bitrix24.Auth{}, diags
	}
	auth := mode.build(chosen, &diags)
	return auth, diags
}

// pickAuthMode picks the auth mode and returns the settings to build it
// from. The settings of one mode combine across the configuration and the
// environment (the configuration wins per setting, as readSettings took
// them). When the configuration names a mode, only the environment
// variables of the other modes are ignored: in the returned copy they are
// empty. s itself is not changed.
func pickAuthMode(s settings, diags *diag.Diagnostics) (authMode, settings, bool) {
	// has reports whether mode m has a setting set, from the configuration
	// only or from anywhere.
	has := func(m authMode, configOnly bool) (setting, bool) {
		for _, a := range m.settings() {
			if st := s[a]; st.set() && (st.fromConfig || !configOnly) {
				return st, true
			}
		}
		return setting{}, false
	}
	var present []authMode
	var firstKeys []setting
	for _, configOnly := range []bool{true, false} {
		for _, m := range authModes {
			if st, ok := has(m, configOnly); ok {
				present = append(present, m)
				firstKeys = append(firstKeys, st)
			}
		}
		if len(present) > 0 {
			break // The configuration names a mode: the environment's other modes do not count.
		}
	}
	switch len(present) {
	case 0:
		diags.AddError("Missing Bitrix24 credentials", "The provider has no credentials for the Bitrix24 portal.\n\n"+authHelp)
		return authMode{}, nil, false
	case 1:
	default:
		names := make([]string, len(firstKeys))
		for i, k := range firstKeys {
			names[i] = k.source()
		}
		addSettingError(diags, firstKeys[1], "Conflicting Bitrix24 credentials",
			"More than one way to authenticate is set: "+strings.Join(names, " and ")+". Remove all but one.\n\n"+authHelp)
		return authMode{}, nil, false
	}
	chosen := present[0]
	out := make(settings, len(s))
	for k, v := range s {
		out[k] = v
	}
	for _, m := range authModes {
		if m.name == chosen.name {
			continue
		}
		for _, a := range m.settings() {
			if st := out[a]; !st.fromConfig {
				st.value = ""
				out[a] = st
			}
		}
	}
	return chosen, out, true
}

// portalBase parses portal_url; ok is false (with an error) when it is set
// but invalid, and base is "" when it is not set.
func portalBase(s settings, diags *diag.Diagnostics) (base string, ok bool) {
	portal := s[attrPortalURL]
	if !portal.set() {
		return "", true
	}
	if looksLikeWebhookURL(portal.value) {
		// The value holds a webhook code: the error must not point at
		// the configuration line, which Terraform would print.
		portal.sensitive = true
		addSettingError(diags, portal, "Bitrix24 webhook URL in portal_url",
			fmt.Sprintf("The value of %s is a whole inbound webhook URL (https://PORTAL/rest/USER_ID/CODE/), which holds the webhook's "+
				"secret code. Set it as webhook_url (BITRIX24_WEBHOOK_URL) instead, which is sensitive, and remove portal_url; or give "+
				"portal_url only the portal's address, for example https://example.bitrix24.com.", portal.source()))
		return "", false
	}
	base, err := bitrix24.ParsePortalURL(portal.value, false)
	if err != nil {
		addSettingError(diags, portal, "Invalid Bitrix24 portal URL",
			fmt.Sprintf("The value of %s is not a portal URL: %s. Use the portal's address, for example https://example.bitrix24.com.", portal.source(), err))
		return "", false
	}
	return base, true
}

// looksLikeWebhookURL reports whether a portal URL has a webhook's path,
// /rest/USER_ID/CODE.
func looksLikeWebhookURL(raw string) bool {
	_, err := bitrix24.ParseWebhookURL(raw)
	return err == nil || strings.Contains(strings.ToLower(raw), "/rest/")
}

// requirePortal parses portal_url, which mode needs.
func requirePortal(s settings, mode string, diags *diag.Diagnostics) (string, bool) {
	base, ok := portalBase(s, diags)
	if ok && base == "" {
		addSettingError(diags, s[attrPortalURL], "Missing Bitrix24 portal URL",
			fmt.Sprintf("%s needs portal_url (or the BITRIX24_PORTAL_URL environment variable), for example https://example.bitrix24.com.", mode))
		return "", false
	}
	return base, ok
}

// webhookURLAuth: webhook_url names the portal itself, so portal_url
// matters only when the configuration sets it too, and then must agree. A
// BITRIX24_PORTAL_URL left in the environment is ignored.
func webhookURLAuth(s settings, diags *diag.Diagnostics) bitrix24.Auth {
	w := s[attrWebhookURL]
	hook, err := bitrix24.ParseWebhookURL(w.value)
	if err != nil {
		addSettingError(diags, w, "Invalid Bitrix24 webhook URL",
			fmt.Sprintf("The value of %s is not an inbound webhook URL: %s. Copy the URL Bitrix24 shows for the webhook, https://PORTAL/rest/USER_ID/CODE/.", w.source(), err))
		return bitrix24.Auth{}
	}
	if portal := s[attrPortalURL]; portal.fromConfig {
		base, ok := portalBase(s, diags)
		if !ok {
			return bitrix24.Auth{}
		}
		if !strings.EqualFold(base, hook.PortalURL) {
			addSettingError(diags, portal, "Conflicting Bitrix24 portal URL",
				fmt.Sprintf("portal_url is %s but webhook_url points at %s. Remove portal_url: webhook_url already names the portal.", base, hook.PortalURL))
			return bitrix24.Auth{}
		}
	}
	return bitrix24.Auth{Webhook: &hook}
}

func webhookPartsAuth(s settings, diags *diag.Diagnostics) bitrix24.Auth {
	uid, code := s[attrUserID], s[attrWebhookCode]
	for _, missing := range []setting{uid, code} {
		if !missing.set() {
			addSettingError(diags, missing, "Missing Bitrix24 "+missing.attr,
				fmt.Sprintf("user_id and webhook_code go together; set %s in the provider configuration or the %s environment variable.", missing.attr, missing.env))
		}
	}
	if diags.HasError() {
		return bitrix24.Auth{}
	}
	id, err := strconv.ParseInt(uid.value, 10, 64)
	if err != nil || id <= 0 {
		addSettingError(diags, uid, "Invalid Bitrix24 user_id",
			fmt.Sprintf("The value of %s must be a positive whole number, the number after /rest/ in the webhook URL; got %q.", uid.source(), uid.value))
		return bitrix24.Auth{}
	}
	if _, err := bitrix24.ParseWebhookURL("https://x/rest/1/" + code.value + "/"); err != nil {
		addSettingError(diags, code, "Invalid Bitrix24 webhook_code",
			fmt.Sprintf("The value of %s must be the webhook's code: letters, digits, '-' and '_' only, the last part of the webhook URL.", code.source()))
		return bitrix24.Auth{}
	}
	base, ok := requirePortal(s, "user_id + webhook_code", diags)
	if !ok {
		return bitrix24.Auth{}
	}
	return bitrix24.Auth{Webhook: &bitrix24.Webhook{PortalURL: base, UserID: id, Code: code.value}}
}

func oauthAuth(s settings, diags *diag.Diagnostics) bitrix24.Auth {
	token := s[attrAccessToken]
	if !token.set() {
		addSettingError(diags, token, "Missing Bitrix24 access token",
			"refresh_token, client_id and client_secret only refresh an access token: set access_token (or BITRIX24_ACCESS_TOKEN) too.")
		return bitrix24.Auth{}
	}
	base, ok := requirePortal(s, "access_token", diags)
	if !ok {
		return bitrix24.Auth{}
	}
	var set, unset []string
	var firstUnset setting
	for _, a := range []string{attrRefreshToken, attrClientID, attrClientSecret} {
		if r := s[a]; r.set() {
			set = append(set, r.attr)
		} else {
			if len(unset) == 0 {
				firstUnset = r
			}
			unset = append(unset, fmt.Sprintf("%s (%s)", r.attr, r.env))
		}
	}
	if len(set) > 0 && len(unset) > 0 {
		addSettingError(diags, firstUnset, "Incomplete Bitrix24 OAuth refresh settings",
			fmt.Sprintf("Refreshing the access token needs refresh_token, client_id and client_secret together; %s set, but not %s.",
				strings.Join(set, ", "), strings.Join(unset, ", ")))
		return bitrix24.Auth{}
	}
	u := s[attrOAuthURL]
	if u.set() {
		if _, err := bitrix24.ParsePortalURL(u.value, true); err != nil {
			addSettingError(diags, u, "Invalid Bitrix24 OAuth URL",
				fmt.Sprintf("The value of %s is not a URL: %s. Leave it out to use the portal's own OAuth server, %s.",
					u.source(), err, bitrix24.DefaultOAuthTokenURL(base)))
			return bitrix24.Auth{}
		}
	}
	return bitrix24.Auth{OAuth: &bitrix24.OAuth{
		PortalURL: base, AccessToken: token.value, RefreshToken: s[attrRefreshToken].value,
		ClientID: s[attrClientID].value, ClientSecret: s[attrClientSecret].value, TokenURL: u.value,
	}}
}
