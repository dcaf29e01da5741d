package provider

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/bitrix24"
	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/fakeportal"
	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/planharness"
)

// Four data sources of three kinds, none of which can be read without
// credentials the portal accepts.
const fourReads = `
data "bitrix24_dialog" "a" {
  dialog_id = "chat42"
}
data "bitrix24_dialog" "b" {
  dialog_id = "chat1439"
}
data "bitrix24_dialogs" "c" {
  dialog_ids = ["chat42", "sg103"]
}
data "bitrix24_user" "d" {
  email = "olga@example.com"
}
`

// errorBlocks counts the error diagnostics Terraform printed.
func errorBlocks(output string) int {
	return strings.Count(output, "Error: ")
}

// Issue 18: a wrong webhook code gave the same error once per data source.
// The credentials are checked once when the provider is configured: one
// error, and one request.
func TestAuthOnce_wrongWebhookCodeIsOneError(t *testing.T) {
	t.Parallel()
	portal, srv := startPortal(t)
	config := providerRequirement + fmt.Sprintf("provider \"bitrix24\" {\n  webhook_url = %q\n}\n", srv.URL+"/rest/1/"+wrongWebhookCode+"/") + fourReads
	res := runPlan(t, config, nil)
	if res.err == nil {
		t.Fatalf("the plan succeeded with a wrong webhook code:\n%s", tail(res.output))
	}
	if n := errorBlocks(res.output); n != 1 {
		t.Fatalf("want exactly one error block, got %d:\n%s", n, tail(res.output))
	}
	if want := errorRe("Bitrix24 portal refused the credentials", `"webhook_url" in the provider configuration`, "HTTP 401",
		"INVALID_CREDENTIALS", "Copy the webhook URL again", "no data source was read"); !want.MatchString(res.output) {
		t.Fatalf("the output lacks %s:\n%s", want, tail(res.output))
	}
	if strings.Contains(res.output, wrongWebhookCode) {
		t.Fatal("the output holds the webhook code")
	}
	requests(map[string]int{"scope": 1})(t, portal)
}

// A webhook without im fails once with a diagnostic that names im; before,
// every read failed with insufficient_scope. bitrix24_user alone would not
// need im, but the provider's reads of chats all do.
func TestAuthOnce_missingIMScopeIsOneError(t *testing.T) {
	t.Parallel()
	portal, srv := startPortal(t)
	config := providerRequirement + fmt.Sprintf("provider \"bitrix24\" {\n  portal_url = %q\n  user_id = 9\n  webhook_code = \"crmonlywebhook9\"\n}\n", srv.URL) + fourReads
	res := runPlan(t, config, nil)
	if res.err == nil {
		t.Fatalf("the plan succeeded without the im scope:\n%s", tail(res.output))
	}
	if n := errorBlocks(res.output); n != 1 {
		t.Fatalf("want exactly one error block, got %d:\n%s", n, tail(res.output))
	}
	if want := errorRe("Bitrix24 credentials lack the im scope", `"user_id" in the provider configuration and "webhook_code" in the provider configuration`,
		`has the scopes "crm", but not im (Chat and notifications)`, `tick "Chat and notifications (im)"`); !want.MatchString(res.output) {
		t.Fatalf("the output lacks %s:\n%s", want, tail(res.output))
	}
	requests(map[string]int{"scope": 1})(t, portal)
}

// A passing fault of the check does not fail the plan: the check is
// retried like any call (here a 503 once), and a check that still fails for
// a passing reason lets the reads go ahead.
func TestAuthOnce_passingFaultsDoNotFailThePlan(t *testing.T) {
	t.Parallel()
	t.Run("503 once", func(t *testing.T) {
		t.Parallel()
		portal, srv := faultPortal(t, fakeportal.Faults{FailNext: 1, FailStatus: 503})
		res := runPlan(t, providerRequirement+webhookProvider(srv)+readChat42Output, nil)
		if res.err != nil || !strings.Contains(res.output, "id = 42") {
			t.Fatalf("plan error = %v:\n%s", res.err, tail(res.output))
		}
		requests(map[string]int{"scope": 2, "im.dialog.get": 1})(t, portal)
	})
	t.Run("503 for all the check's retries", func(t *testing.T) {
		t.Parallel()
		portal, srv := faultPortal(t, fakeportal.Faults{FailNext: 2, FailStatus: 503})
		res := runPlan(t, providerRequirement+webhookProvider(srv, "max_retries = 1")+readChat42Output, map[string]string{"TF_LOG_PROVIDER": "warn"})
		if res.err != nil || !strings.Contains(res.output, "id = 42") {
			t.Fatalf("plan error = %v:\n%s", res.err, tail(res.output))
		}
		if !strings.Contains(res.output, "The Bitrix24 credential check (scope) failed for a reason that may pass") {
			t.Fatalf("no warning was logged:\n%s", tail(res.output))
		}
		requests(map[string]int{"scope": 2, "im.dialog.get": 1})(t, portal)
	})
}

// A plan with good credentials sends the check once, besides its reads.
func TestAuthOnce_oneCheckPerPlan(t *testing.T) {
	t.Parallel()
	portal, srv := startPortal(t)
	res := runPlan(t, providerRequirement+webhookProvider(srv)+fourReads, nil)
	if res.err != nil {
		t.Fatalf("plan failed: %v\n%s", res.err, tail(res.output))
	}
	if n := portal.Requests("scope"); n != 1 {
		t.Fatalf("want one scope request, got %d: %s", n, portal.Stats().Summary())
	}
}

// An expired token with refresh settings is not refreshed by the check:
// Bitrix24 replaces the refresh token on every refresh, so a refresh in
// every configuration used the configured one up in the plan walk of
// `terraform apply`, and the apply walk, which reads nothing, failed with
// invalid_grant. The first read refreshes; the apply walk's check sees
// expired_token and leaves it.
func TestAuthOnce_applyWithRefreshSettings(t *testing.T) {
	t.Parallel()
	portal, srv := faultPortal(t, fakeportal.Faults{})
	bin := providerBinaryDir(t)
	dir := t.TempDir()
	config := providerRequirement + "provider \"bitrix24\" {\n" + oauthBody(liveRefreshToken)(srv.URL) + "\n}\n" + readChat42Output
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	rc, err := planharness.WriteCLIConfig(dir, bin)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Getenv("TF_ACC_TERRAFORM_PATH"), "apply", "-auto-approve", "-input=false", "-no-color", "-lock=false")
	cmd.Dir = dir
	cmd.Env = planharness.Env(rc, nil)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "id = 42") {
		t.Fatalf("apply error = %v:\n%s", err, tail(string(out)))
	}
	// One check per configuration (plan walk, apply walk), one refresh.
	requests(map[string]int{"scope": 2, "oauth/token": 1, "im.dialog.get": 2})(t, portal)
}

// checkCredentials against the fake portal, without Terraform: what fails
// the configuration and what does not.
func TestUnitCheckCredentials(t *testing.T) {
	portal, srv := startPortal(t)
	portal.AddToken(fakeportal.Token{AccessToken: "user-only-token-1", UserID: 1, Scopes: []string{"user"}})
	portal.AddToken(fakeportal.Token{AccessToken: "no-scope-token-1", UserID: 1})
	portal.AddToken(fakeportal.Token{AccessToken: expiredAccessToken, UserID: 1, Scopes: []string{"im"}, ExpiresAt: 1})
	config := func(values map[string]string) settings {
		s := settings{}
		for _, spec := range settingSpecs {
			v := values[spec.attr]
			s[spec.attr] = setting{settingSpec: spec, value: v, fromConfig: v != ""}
		}
		return s
	}
	token := func(tok string, extra ...string) map[string]string {
		m := map[string]string{attrPortalURL: srv.URL, attrAccessToken: tok}
		for i := 0; i+1 < len(extra); i += 2 {
			m[extra[i]] = extra[i+1]
		}
		return m
	}
	for _, tc := range []struct {
		name   string
		values map[string]string
		want   []string // nil: no diagnostic
	}{
		{"webhook with im", map[string]string{attrWebhookURL: srv.URL + "/rest/1/" + testWebhookCode + "/"}, nil},
		{"wrong webhook code", map[string]string{attrWebhookURL: srv.URL + "/rest/1/" + wrongWebhookCode + "/"},
			[]string{"Bitrix24 portal refused the credentials", "webhook set by \"webhook_url\"", "INVALID_CREDENTIALS"}},
		{"webhook without im", map[string]string{attrPortalURL: srv.URL, attrUserID: "9", attrWebhookCode: "crmonlywebhook9"},
			[]string{"Bitrix24 credentials lack the im scope", `"crm"`, "tick"}},
		{"token with im", token(testAccessToken), nil},
		{"token without im", token("user-only-token-1"), []string{"lack the im scope", `access token set by "access_token"`, `"user"`, "re-authorize"}},
		{"token whose answer has no scopes", token("no-scope-token-1"), nil},
		{"unknown token", token("unknown-token-12345"), []string{"refused", "invalid_token", "does not know the access token"}},
		{"expired token", token(expiredAccessToken), []string{"refused", "expired_token", "refresh_token, client_id and client_secret"}},
		{"expired token with refresh settings", token(expiredAccessToken, attrRefreshToken, liveRefreshToken, attrClientID, "app.demo",
			attrClientSecret, oauthClientSecret, attrOAuthURL, srv.URL+"/oauth/token/"), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := config(tc.values)
			auth, diags := resolveAuth(s)
			if diags.HasError() {
				t.Fatal(diags)
			}
			cfg, _ := resolveTuning(s)
			cfg.Auth = auth
			client, err := bitrix24.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			diags = checkCredentials(context.Background(), client, cfg, s)
			if tc.want == nil {
				if diags.HasError() {
					t.Fatalf("want no error, got %v", diags)
				}
				return
			}
			if diags.ErrorsCount() != 1 {
				t.Fatalf("want one error, got %v", diags)
			}
			text := diags[0].Summary() + "\n" + diags[0].Detail()
			if !errorRe(tc.want...).MatchString(text) {
				t.Fatalf("the diagnostic lacks %q:\n%s", tc.want, text)
			}
		})
	}
	if n := portal.Stats().TokenRefreshes; n != 0 {
		t.Fatalf("the check refreshed a token %d times", n)
	}
	// Passing faults do not fail the configuration.
	portal.SetFaults(fakeportal.Faults{FailNext: 1000, FailStatus: 500})
	s := config(map[string]string{attrWebhookURL: srv.URL + "/rest/1/" + testWebhookCode + "/", "max_retries": "0"})
	auth, _ := resolveAuth(s)
	cfg, _ := resolveTuning(s)
	cfg.Auth = auth
	client, _ := bitrix24.New(cfg)
	if diags := checkCredentials(context.Background(), client, cfg, s); diags.HasError() {
		t.Fatalf("a 500 failed the configuration: %v", diags)
	}
}
