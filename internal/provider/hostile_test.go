package provider

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/fakeportal"
)

// TestHostilePortal plans against a server that echoes the request's
// credentials in every field it answers (result, error, error_description,
// a batch's result_error, the Content-Type, an HTML page, the OAuth
// server's answer), in several encodings and with terminal escapes, for
// every auth form. Nothing that Terraform and the provider print at
// TF_LOG=trace may hold a secret or a terminal escape.
func TestHostilePortal(t *testing.T) {
	t.Parallel()
	forms := map[string]func(url string) string{
		"webhook URL": hookBody("max_retries = 1"),
		"webhook in parts": func(u string) string {
			return fmt.Sprintf("portal_url = %q\nuser_id = 1\nwebhook_code = %q\nmax_retries = 1", u, testWebhookCode)
		},
		"OAuth token": func(u string) string {
			return fmt.Sprintf("portal_url = %q\naccess_token = %q\nmax_retries = 1", u, testAccessToken)
		},
		"OAuth refresh": oauthBody(liveRefreshToken, "max_retries = 1"),
	}
	reads := `
data "bitrix24_dialog" "one" {
  dialog_id = "chat42"
}
data "bitrix24_dialogs" "two" {
  dialog_ids = ["chat42", "chat1439"]
}
`
	for name, form := range forms {
		for shape := 1; shape <= fakeportal.EchoOAuthOnly; shape++ {
			if (name == "OAuth refresh") != (shape == fakeportal.EchoOAuthOnly) && shape == fakeportal.EchoOAuthOnly {
				continue
			}
			t.Run(fmt.Sprintf("%s, shape %d", name, shape), func(t *testing.T) {
				t.Parallel()
				portal, srv := faultPortal(t, fakeportal.Faults{EchoSecrets: shape})
				config := providerRequirement + "provider \"bitrix24\" {\n" + form(srv.URL) + "\n}\n" + reads
				res := runPlan(t, config, map[string]string{"TF_LOG": "trace"})
				if res.err == nil {
					t.Fatalf("the plan succeeded against a hostile portal:\n%s", tail(res.output))
				}
				if portal.Requests("echo") == 0 {
					t.Fatal("the hostile portal never answered: the test proves nothing")
				}
				secrets := append(portal.Secrets(), expiredAccessToken, liveRefreshToken, oauthClientSecret)
				for _, secret := range secrets {
					for _, form := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret)} {
						if strings.Contains(res.output, form) {
							t.Errorf("the output holds a secret (%d chars, starts %q)", len(secret), secret[:3])
						}
						// Nor any piece of 8 bytes: a secret cut inside an
						// error or a log line leaks as much.
						if p := secretPiece(res.output, form); p != "" {
							t.Errorf("the output holds %q, 8 bytes of a secret (%d chars)", p, len(secret))
						}
					}
				}
				if strings.Contains(res.output, "\x1b") {
					t.Error("the output holds a terminal escape")
				}
				if !strings.Contains(res.output, "Error: ") {
					t.Fatalf("no diagnostic:\n%s", tail(res.output))
				}
				t.Logf("%s, shape %d: %d bytes of trace output searched", name, shape, len(res.output))
			})
		}
	}
}

// secretPiece returns the first 8-byte piece of secret that output holds,
// or "".
func secretPiece(output, secret string) string {
	for i := 0; i+8 <= len(secret); i++ {
		if p := secret[i : i+8]; strings.Contains(output, p) {
			return p
		}
	}
	return ""
}
