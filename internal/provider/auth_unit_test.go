package provider

import (
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/bitrix24"
)

// The tests named TestUnit… check plain logic and need no Terraform CLI:
// go test ./internal/provider/ -run Unit

// testSettings resolves the settings as readSettings does, from a
// configuration (attribute → value) and an environment (variable → value).
func testSettings(config, env map[string]string) settings {
	out := make(settings, len(settingSpecs))
	for _, spec := range settingSpecs {
		v, inConfig := config[spec.attr]
		out[spec.attr] = newSetting(spec, v, inConfig, func(name string) string { return env[name] })
	}
	return out
}

// sameSettings compares two settings maps by value and source.
func sameSettings(a, b settings) bool {
	return maps.EqualFunc(a, b, func(x, y setting) bool { return x.attr == y.attr && x.value == y.value && x.fromConfig == y.fromConfig })
}

func diagText(diags diag.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		fmt.Fprintf(&b, "%s: %s | %s\n", d.Severity(), d.Summary(), d.Detail())
	}
	return b.String()
}

// One value per setting and source, so that the test can tell which
// source a built auth took each value from.
var (
	authConfigValues = map[string]string{
		attrWebhookURL: "https://cfg.example.com/rest/1/cfgwebhookcode/", attrUserID: "3", attrWebhookCode: "cfgpartscode",
		attrAccessToken: "cfg-access-token", attrRefreshToken: "cfg-refresh-token", attrClientID: "cfg.app", attrClientSecret: "cfg-client-secret",
	}
	authEnvValues = map[string]string{
		attrWebhookURL: "https://env.example.com/rest/2/envwebhookcode/", attrUserID: "4", attrWebhookCode: "envpartscode",
		attrAccessToken: "env-access-token", attrRefreshToken: "env-refresh-token", attrClientID: "env.app", attrClientSecret: "env-client-secret",
	}
)

// authSource is where one mode's settings come from in a test case.
type authSource int

const (
	sourceNone   authSource = iota
	sourceConfig            // every setting of the mode in the configuration
	sourceEnv               // every setting of the mode in the environment
	sourceSplit             // the mode's first setting in the configuration, the others in the environment
	sourceBoth              // every setting in both; the configuration wins
)

var authSourceNames = []string{"none", "config", "env", "split", "both"}

// place puts mode m's settings where src says.
func place(m authMode, src authSource, config, env map[string]string) {
	for i, a := range m.settings() {
		envName := settingByAttr(a).env
		switch {
		case src == sourceConfig, src == sourceSplit && i == 0:
			config[a] = authConfigValues[a]
		case src == sourceEnv, src == sourceSplit:
			env[envName] = authEnvValues[a]
		case src == sourceBoth:
			config[a] = authConfigValues[a]
			env[envName] = authEnvValues[a]
		}
	}
}

func settingByAttr(attr string) settingSpec {
	for _, s := range settingSpecs {
		if s.attr == attr {
			return s
		}
	}
	panic("no setting " + attr)
}

// TestUnitPickAuthMode_everyCombination places each auth mode's settings in
// no source, the configuration, the environment, split across both, or in
// both, for every combination of the three modes, and checks the rule:
// the modes the configuration names are the candidates when there are
// any, else the environment's; one candidate is built from its settings
// wherever they come from (the configuration winning per setting), two or
// more conflict, none is missing credentials.
func TestUnitPickAuthMode_everyCombination(t *testing.T) {
	for combo := 0; combo < 5*5*5; combo++ {
		srcs := []authSource{authSource(combo % 5), authSource(combo / 5 % 5), authSource(combo / 25)}
		var label []string
		for i, m := range authModes {
			label = append(label, m.name+"="+authSourceNames[srcs[i]])
		}
		t.Run(strings.Join(label, ","), func(t *testing.T) {
			config, env := map[string]string{}, map[string]string{"BITRIX24_PORTAL_URL": "https://portal.example.com"}
			var inConfig, inEnv []int
			for i, m := range authModes {
				place(m, srcs[i], config, env)
				switch srcs[i] {
				case sourceConfig, sourceSplit, sourceBoth:
					inConfig = append(inConfig, i)
				case sourceEnv:
					inEnv = append(inEnv, i)
				}
			}
			candidates := inConfig
			if len(candidates) == 0 {
				candidates = inEnv
			}
			s := testSettings(config, env)
			before := maps.Clone(s)
			auth, diags := resolveAuth(s)
			if !sameSettings(before, s) {
				t.Fatal("resolveAuth changed its input")
			}
			text := diagText(diags)
			switch len(candidates) {
			case 0:
				if !strings.Contains(text, "Missing Bitrix24 credentials") {
					t.Fatalf("want missing credentials, got %s", text)
				}
				return
			case 1:
			default:
				if !strings.Contains(text, "Conflicting Bitrix24 credentials") {
					t.Fatalf("want a conflict, got %s", text)
				}
				for _, i := range candidates {
					if !strings.Contains(text, authModes[i].keysNamed(s)) {
						t.Errorf("the conflict does not name %s: %s", authModes[i].name, text)
					}
				}
				return
			}
			if diags.HasError() {
				t.Fatalf("want mode %s, got %s", authModes[candidates[0]].name, text)
			}
			m, src := authModes[candidates[0]], srcs[candidates[0]]
			want := func(a string) string {
				if src == sourceEnv || (src == sourceSplit && a != m.settings()[0]) {
					return authEnvValues[a]
				}
				return authConfigValues[a]
			}
			switch m.name {
			case "webhook_url":
				hook, _ := bitrix24.ParseWebhookURL(want(attrWebhookURL))
				if auth.Webhook == nil || *auth.Webhook != hook {
					t.Fatalf("want webhook %+v, got %+v", hook, auth)
				}
			case "user_id + webhook_code":
				if auth.Webhook == nil || fmt.Sprint(auth.Webhook.UserID) != want(attrUserID) || auth.Webhook.Code != want(attrWebhookCode) ||
					auth.Webhook.PortalURL != "https://portal.example.com" {
					t.Fatalf("want user %s and code %s, got %+v", want(attrUserID), want(attrWebhookCode), auth.Webhook)
				}
			default:
				o := auth.OAuth
				if o == nil || o.AccessToken != want(attrAccessToken) || o.RefreshToken != want(attrRefreshToken) ||
					o.ClientID != want(attrClientID) || o.ClientSecret != want(attrClientSecret) {
					t.Fatalf("want OAuth from %s, got %+v", authSourceNames[src], o)
				}
			}
		})
	}
}

// keysNamed is how a conflict names the mode: its first set setting's
// source.
func (m authMode) keysNamed(s settings) string {
	for _, a := range m.settings() {
		if st := s[a]; st.set() {
			return fmt.Sprintf("%q", a)
		}
	}
	return m.name
}

// The cases of the issue, spelled out, with the diagnostics they give.
func TestUnitPickAuthMode_cases(t *testing.T) {
	const portal = "https://portal.example.com"
	for name, tc := range map[string]struct {
		config, env map[string]string
		want        string // "webhook", "oauth" or the start of the error summary
		detail      []string
	}{
		"user_id in the configuration, code in the environment": {
			config: map[string]string{attrPortalURL: portal, attrUserID: "1"},
			env:    map[string]string{"BITRIX24_WEBHOOK_CODE": "envcode1"},
			want:   "webhook",
		},
		"code in the configuration, user_id and portal in the environment": {
			config: map[string]string{attrWebhookCode: "cfgcode1"},
			env:    map[string]string{"BITRIX24_USER_ID": "7", "BITRIX24_PORTAL_URL": portal},
			want:   "webhook",
		},
		"access token in the configuration, refresh settings in the environment": {
			config: map[string]string{attrPortalURL: portal, attrAccessToken: "cfg-token-1"},
			env:    map[string]string{"BITRIX24_REFRESH_TOKEN": "env-refresh-1", "BITRIX24_CLIENT_ID": "app", "BITRIX24_CLIENT_SECRET": "env-secret-1"},
			want:   "oauth",
		},
		"refresh token in the configuration, access token in the environment": {
			config: map[string]string{attrPortalURL: portal, attrRefreshToken: "cfg-refresh-1", attrClientID: "app", attrClientSecret: "cfg-secret-1"},
			env:    map[string]string{"BITRIX24_ACCESS_TOKEN": "env-token-1"},
			want:   "oauth",
		},
		"configuration's mode wins over another mode in the environment": {
			config: map[string]string{attrPortalURL: portal, attrUserID: "1", attrWebhookCode: "cfgcode1"},
			env:    map[string]string{"BITRIX24_ACCESS_TOKEN": "env-token-1", "BITRIX24_WEBHOOK_URL": "https://x.example.com/rest/1/abc/"},
			want:   "webhook",
		},
		"two modes in the configuration": {
			config: map[string]string{attrPortalURL: portal, attrUserID: "1", attrAccessToken: "cfg-token-1"},
			want:   "Conflicting Bitrix24 credentials",
			detail: []string{`"user_id" in the provider configuration`, `"access_token" in the provider configuration`},
		},
		"two modes in the environment": {
			env:    map[string]string{"BITRIX24_WEBHOOK_URL": "https://x.example.com/rest/1/abc/", "BITRIX24_ACCESS_TOKEN": "t"},
			want:   "Conflicting Bitrix24 credentials",
			detail: []string{"BITRIX24_WEBHOOK_URL", "BITRIX24_ACCESS_TOKEN"},
		},
		"user_id alone": {
			config: map[string]string{attrPortalURL: portal, attrUserID: "1"},
			want:   "Missing Bitrix24 webhook_code",
			detail: []string{"BITRIX24_WEBHOOK_CODE"},
		},
		"code in the environment of another mode than the configuration's": {
			config: map[string]string{attrPortalURL: portal, attrAccessToken: "cfg-token-1"},
			env:    map[string]string{"BITRIX24_WEBHOOK_CODE": "envcode1", "BITRIX24_USER_ID": "1"},
			want:   "oauth",
		},
		"nothing": {want: "Missing Bitrix24 credentials", detail: []string{"BITRIX24_WEBHOOK_URL"}},
	} {
		t.Run(name, func(t *testing.T) {
			s := testSettings(tc.config, tc.env)
			before := maps.Clone(s)
			auth, diags := resolveAuth(s)
			if !sameSettings(before, s) {
				t.Fatal("resolveAuth changed its input")
			}
			text := diagText(diags)
			switch tc.want {
			case "webhook":
				if auth.Webhook == nil || diags.HasError() {
					t.Fatalf("want webhook auth, got %+v; %s", auth, text)
				}
			case "oauth":
				if auth.OAuth == nil || diags.HasError() {
					t.Fatalf("want OAuth auth, got %+v; %s", auth, text)
				}
			default:
				if !strings.Contains(text, "Error: "+tc.want) {
					t.Fatalf("want %q, got %s", tc.want, text)
				}
				for _, d := range tc.detail {
					if !strings.Contains(text, d) {
						t.Errorf("the diagnostic lacks %q: %s", d, text)
					}
				}
			}
		})
	}
}
