package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

const readChat42 = `data "bitrix24_dialog" "x" { dialog_id = "chat42" }`

// expectChat42 checks that the read reached the portal and came back.
var expectChat42 = []statecheck.StateCheck{
	statecheck.ExpectKnownValue("data.bitrix24_dialog.x", tfjsonpath.New("id"), knownvalue.Int64Exact(42)),
	statecheck.ExpectKnownValue("data.bitrix24_dialog.x", tfjsonpath.New("name"), knownvalue.StringExact("Platform on-call")),
}

func TestProvider_authForms(t *testing.T) {
	t.Parallel()
	_, srv := startPortal(t)
	forms := map[string]string{
		"webhook URL with slash":      fmt.Sprintf(`webhook_url = %q`, srv.URL+"/rest/1/"+testWebhookCode+"/"),
		"webhook URL without slash":   fmt.Sprintf(`webhook_url = %q`, srv.URL+"/rest/1/"+testWebhookCode),
		"webhook in parts":            fmt.Sprintf("portal_url = %q\n user_id = 1\n webhook_code = %q", srv.URL, testWebhookCode),
		"portal URL with slash":       fmt.Sprintf("portal_url = %q\n user_id = \"1\"\n webhook_code = %q", srv.URL+"/", testWebhookCode),
		"OAuth token":                 fmt.Sprintf("portal_url = %q\n access_token = %q", srv.URL, testAccessToken),
		"webhook URL and same portal": fmt.Sprintf("portal_url = %q\n webhook_url = %q", srv.URL, srv.URL+"/rest/1/"+testWebhookCode+"/"),
	}
	for name, body := range forms {
		t.Run(name, func(t *testing.T) {
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testProviderFactories,
				Steps: []resource.TestStep{{
					Config:            "provider \"bitrix24\" {\n " + body + "\n}\n" + readChat42,
					ConfigStateChecks: expectChat42,
				}},
			})
		})
	}
}

func TestProvider_configErrors(t *testing.T) {
	t.Parallel()
	_, srv := startPortal(t)
	hook := srv.URL + "/rest/1/" + testWebhookCode + "/"
	cases := map[string]struct {
		body string
		want *regexp.Regexp
	}{
		"webhook URL and token": {
			fmt.Sprintf("webhook_url = %q\n portal_url = %q\n access_token = \"t\"", hook, srv.URL),
			errorRe("Conflicting Bitrix24 credentials", `"webhook_url" in the provider configuration`, `"access_token" in the provider configuration`, "Remove all but one"),
		},
		"webhook URL and parts": {
			fmt.Sprintf("webhook_url = %q\n user_id = 1\n webhook_code = \"abc\"", hook),
			errorRe("Conflicting Bitrix24 credentials", "webhook_url", "user_id"),
		},
		"user id without code": {
			fmt.Sprintf("portal_url = %q\n user_id = 1", srv.URL),
			errorRe("Missing Bitrix24 webhook_code", "BITRIX24_WEBHOOK_CODE"),
		},
		"code without user id": {
			fmt.Sprintf("portal_url = %q\n webhook_code = \"abc\"", srv.URL),
			errorRe("Missing Bitrix24 user_id", "BITRIX24_USER_ID"),
		},
		"parts without portal": {
			"user_id = 1\n webhook_code = \"abc\"",
			errorRe("Missing Bitrix24 portal URL", "BITRIX24_PORTAL_URL"),
		},
		"token without portal": {
			`access_token = "abc"`,
			errorRe("Missing Bitrix24 portal URL", "access_token needs portal_url", "BITRIX24_PORTAL_URL"),
		},
		"user id not a number": {
			fmt.Sprintf("portal_url = %q\n user_id = \"admin\"\n webhook_code = \"abc\"", srv.URL),
			errorRe("Invalid Bitrix24 user_id", "positive whole number", `"admin"`),
		},
		"webhook code with a slash": {
			fmt.Sprintf("portal_url = %q\n user_id = 1\n webhook_code = \"a/b\"", srv.URL),
			errorRe("Invalid Bitrix24 webhook_code", "letters, digits"),
		},
		"webhook URL not a URL": {
			`webhook_url = "not a url"`,
			errorRe("Invalid Bitrix24 webhook URL", "https://"),
		},
		"webhook URL without code": {
			`webhook_url = "https://example.bitrix24.com/rest/1/"`,
			errorRe("Invalid Bitrix24 webhook URL", "/rest/USER_ID/CODE/"),
		},
		"webhook URL with a method": {
			`webhook_url = "https://example.bitrix24.com/rest/1/abc/profile.json"`,
			errorRe("Invalid Bitrix24 webhook URL", "nothing after the code"),
		},
		"webhook URL with query": {
			`webhook_url = "https://example.bitrix24.com/rest/1/abc/?x=1"`,
			errorRe("Invalid Bitrix24 webhook URL", "query string"),
		},
		"portal URL ftp": {
			"portal_url = \"ftp://example.bitrix24.com\"\n access_token = \"abc\"",
			errorRe("Invalid Bitrix24 portal URL", "must start with https://"),
		},
		"portal URL with path": {
			"portal_url = \"https://example.bitrix24.com/crm/\"\n access_token = \"abc\"",
			errorRe("Invalid Bitrix24 portal URL", "no path"),
		},
		"portal URL differs from webhook": {
			fmt.Sprintf("portal_url = \"https://other.bitrix24.com\"\n webhook_url = %q", hook),
			errorRe("Conflicting Bitrix24 portal URL", "Remove portal_url"),
		},
		"half the refresh settings": {
			fmt.Sprintf("portal_url = %q\n access_token = \"abc\"\n refresh_token = \"r\"", srv.URL),
			errorRe("Incomplete Bitrix24 OAuth refresh settings", "refresh_token set", "client_id (BITRIX24_CLIENT_ID)", "client_secret (BITRIX24_CLIENT_SECRET)"),
		},
		"refresh without access token": {
			fmt.Sprintf("portal_url = %q\n refresh_token = \"r\"\n client_id = \"c\"\n client_secret = \"s\"", srv.URL),
			errorRe("Missing Bitrix24 access token", "access_token", "BITRIX24_ACCESS_TOKEN"),
		},
		"bad oauth URL": {
			fmt.Sprintf("portal_url = %q\n access_token = \"abc\"\n oauth_url = \"oauth.bitrix24.tech\"", srv.URL),
			errorRe("Invalid Bitrix24 OAuth URL", "https://oauth.bitrix24.tech/oauth/token/"),
		},
		"bad timeout": {
			fmt.Sprintf("webhook_url = %q\n request_timeout = \"thirty seconds\"", hook),
			errorRe("Invalid duration", "request_timeout", `"30s"`),
		},
		"timeout too short": {
			fmt.Sprintf("webhook_url = %q\n request_timeout = \"1ms\"", hook),
			errorRe("Invalid duration", "between 1s and 1h0m0s"),
		},
		"rate limit negative": {
			fmt.Sprintf("webhook_url = %q\n rate_limit = -1", hook),
			errorRe("rate_limit", "between 0.000000 and 1000.000000"),
		},
		"retries not whole": {
			fmt.Sprintf("webhook_url = %q\n max_retries = 1.5", hook),
			errorRe("Invalid whole number", "max_retries must be a whole number between 0 and 20, got 1.5"),
		},
		"busy timeout too long": {
			fmt.Sprintf("webhook_url = %q\n busy_timeout = \"2h\"", hook),
			errorRe("busy_timeout", "between 1s and 1h0m0s"),
		},
		"CA PEM not a certificate": {
			fmt.Sprintf("webhook_url = %q\n ca_cert_pem = \"hello\"", hook),
			errorRe("Invalid Bitrix24 CA certificate", `"ca_cert_pem" in the provider configuration holds no PEM certificate`),
		},
		"CA file missing": {
			fmt.Sprintf("webhook_url = %q\n ca_cert_file = \"/nonexistent/ca.pem\"", hook),
			errorRe("Cannot read the Bitrix24 CA file", `"ca_cert_file"`, "no such file"),
		},
		"burst zero": {
			fmt.Sprintf("webhook_url = %q\n rate_limit_burst = 0", hook),
			errorRe("rate_limit_burst", "between 1 and 10000"),
		},
		"negative retries": {
			fmt.Sprintf("webhook_url = %q\n max_retries = -1", hook),
			errorRe("max_retries", "between 0 and 20"),
		},
		"batch window too long": {
			fmt.Sprintf("webhook_url = %q\n batch_window = \"5s\"", hook),
			errorRe("batch_window", "between 0s and 1s"),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testProviderFactories,
				Steps: []resource.TestStep{{
					Config:      "provider \"bitrix24\" {\n " + tc.body + "\n}\n" + readChat42,
					ExpectError: tc.want,
				}},
			})
		})
	}
}

// The tests below set environment variables, so they cannot run in
// parallel with each other.

func TestProvider_noCredentials(t *testing.T) {
	clearBitrix24Env(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config:      readChat42,
			ExpectError: errorRe("Missing Bitrix24 credentials", "BITRIX24_WEBHOOK_URL", "portal_url + user_id + webhook_code", "BITRIX24_ACCESS_TOKEN"),
		}},
	})
}

func TestProvider_environment(t *testing.T) {
	_, srv := startPortal(t)
	cases := map[string]map[string]string{
		"webhook URL": {"BITRIX24_WEBHOOK_URL": srv.URL + "/rest/1/" + testWebhookCode + "/"},
		"webhook parts": {
			"BITRIX24_PORTAL_URL": srv.URL, "BITRIX24_USER_ID": "1", "BITRIX24_WEBHOOK_CODE": testWebhookCode,
		},
		"OAuth token": {"BITRIX24_PORTAL_URL": srv.URL, "BITRIX24_ACCESS_TOKEN": testAccessToken},
		"tuning": {
			"BITRIX24_WEBHOOK_URL": srv.URL + "/rest/1/" + testWebhookCode + "/", "BITRIX24_RATE_LIMIT": "5",
			"BITRIX24_RATE_LIMIT_BURST": "250", "BITRIX24_MAX_RETRIES": "0", "BITRIX24_REQUEST_TIMEOUT": "10s", "BITRIX24_BATCH_WINDOW": "0s",
			"BITRIX24_BUSY_TIMEOUT": "30s",
		},
		"pacing off": {"BITRIX24_WEBHOOK_URL": srv.URL + "/rest/1/" + testWebhookCode + "/", "BITRIX24_RATE_LIMIT": "0"},
		"leftover portal URL of another portal": {
			"BITRIX24_WEBHOOK_URL": srv.URL + "/rest/1/" + testWebhookCode + "/", "BITRIX24_PORTAL_URL": "https://other.example.com",
		},
	}
	for name, env := range cases {
		t.Run(name, func(t *testing.T) {
			clearBitrix24Env(t)
			for k, v := range env {
				t.Setenv(k, v)
			}
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testProviderFactories,
				Steps: []resource.TestStep{{
					Config:            `provider "bitrix24" {}` + "\n" + readChat42,
					ConfigStateChecks: expectChat42,
				}},
			})
		})
	}
}

func TestProvider_configWinsOverEnvironment(t *testing.T) {
	_, srv := startPortal(t)
	clearBitrix24Env(t)
	// A broken webhook in the environment, and a token for another mode:
	// the configuration's webhook wins and the others are ignored.
	t.Setenv("BITRIX24_WEBHOOK_URL", srv.URL+"/rest/1/wrongcode/")
	t.Setenv("BITRIX24_ACCESS_TOKEN", "ignored")
	t.Setenv("BITRIX24_PORTAL_URL", "https://ignored.example.com")
	t.Setenv("BITRIX24_MAX_RETRIES", "not a number")
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config:            webhookProvider(srv, "max_retries = 1") + readChat42,
			ConfigStateChecks: expectChat42,
		}},
	})
}

func TestProvider_environmentErrors(t *testing.T) {
	_, srv := startPortal(t)
	cases := map[string]struct {
		env  map[string]string
		want *regexp.Regexp
	}{
		"two modes": {
			map[string]string{"BITRIX24_WEBHOOK_URL": srv.URL + "/rest/1/abc/", "BITRIX24_PORTAL_URL": srv.URL, "BITRIX24_ACCESS_TOKEN": "t"},
			errorRe("Conflicting Bitrix24 credentials", "BITRIX24_WEBHOOK_URL", "BITRIX24_ACCESS_TOKEN"),
		},
		"bad webhook URL": {
			map[string]string{"BITRIX24_WEBHOOK_URL": "https://example.bitrix24.com/rest/x/abc/"},
			errorRe("Invalid Bitrix24 webhook URL", "environment variable BITRIX24_WEBHOOK_URL", "positive whole number"),
		},
		"bad retries": {
			map[string]string{"BITRIX24_WEBHOOK_URL": srv.URL + "/rest/1/abc/", "BITRIX24_MAX_RETRIES": "many"},
			errorRe("Invalid Bitrix24 max_retries", "BITRIX24_MAX_RETRIES", "between 0 and 20", `"many"`),
		},
		"bad rate": {
			map[string]string{"BITRIX24_WEBHOOK_URL": srv.URL + "/rest/1/abc/", "BITRIX24_RATE_LIMIT": "fast"},
			errorRe("Invalid Bitrix24 rate_limit", "BITRIX24_RATE_LIMIT"),
		},
		"bad burst": {
			map[string]string{"BITRIX24_WEBHOOK_URL": srv.URL + "/rest/1/abc/", "BITRIX24_RATE_LIMIT_BURST": "0"},
			errorRe("Invalid Bitrix24 rate_limit_burst", "BITRIX24_RATE_LIMIT_BURST"),
		},
		"bad timeout": {
			map[string]string{"BITRIX24_WEBHOOK_URL": srv.URL + "/rest/1/abc/", "BITRIX24_REQUEST_TIMEOUT": "30"},
			errorRe("Invalid Bitrix24 request_timeout", "BITRIX24_REQUEST_TIMEOUT"),
		},
		"bad window": {
			map[string]string{"BITRIX24_WEBHOOK_URL": srv.URL + "/rest/1/abc/", "BITRIX24_BATCH_WINDOW": "-1s"},
			errorRe("Invalid Bitrix24 batch_window", "BITRIX24_BATCH_WINDOW"),
		},
		"retries not whole": {
			map[string]string{"BITRIX24_WEBHOOK_URL": srv.URL + "/rest/1/abc/", "BITRIX24_MAX_RETRIES": "1.5"},
			errorRe("Invalid Bitrix24 max_retries", "must be a whole number between 0 and 20", `"1.5"`),
		},
		"bad busy timeout": {
			map[string]string{"BITRIX24_WEBHOOK_URL": srv.URL + "/rest/1/abc/", "BITRIX24_BUSY_TIMEOUT": "forever"},
			errorRe("Invalid Bitrix24 busy_timeout", "BITRIX24_BUSY_TIMEOUT"),
		},
		"bad CA PEM": {
			map[string]string{"BITRIX24_WEBHOOK_URL": srv.URL + "/rest/1/abc/", "BITRIX24_CA_CERT_PEM": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"},
			errorRe("Invalid Bitrix24 CA certificate", "BITRIX24_CA_CERT_PEM", "cannot be parsed"),
		},
		// A webhook URL from the environment does not report the code's
		// configuration line, which does not exist.
		"bad webhook URL has no configuration-line note": {
			map[string]string{"BITRIX24_WEBHOOK_URL": "https://example.bitrix24.com/rest/1/abc/x/"},
			regexp.MustCompile(`(?s)nothing after the code[^(]*$`),
		},
		// portal_url from the environment is ignored in webhook_url mode,
		// even when invalid; the webhook's own error is what is reported.
		"leftover portal URL ignored": {
			map[string]string{"BITRIX24_WEBHOOK_URL": "https://example.bitrix24.com/rest/1/abc/x/", "BITRIX24_PORTAL_URL": "not a url"},
			errorRe("Invalid Bitrix24 webhook URL", "nothing after the code"),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			clearBitrix24Env(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testProviderFactories,
				Steps: []resource.TestStep{{
					Config:      `provider "bitrix24" {}` + "\n" + readChat42,
					ExpectError: tc.want,
				}},
			})
		})
	}
}

func TestProvider_unknownConfigValue(t *testing.T) {
	t.Parallel()
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: `
resource "terraform_data" "later" {
  input = "https://example.bitrix24.com"
}
provider "bitrix24" {
  portal_url   = terraform_data.later.output
  access_token = "abc"
}
` + readChat42,
			ExpectError: errorRe("Unknown Bitrix24 portal_url", "unknown until apply", "BITRIX24_PORTAL_URL"),
		}},
	})
}

func TestProvider_sensitiveAttributes(t *testing.T) {
	t.Parallel()
	var resp = providerSchema(t, New("test")())
	for name, want := range map[string]bool{
		"webhook_url": true, "webhook_code": true, "access_token": true, "refresh_token": true, "client_secret": true,
		"portal_url": false, "user_id": false, "client_id": false,
	} {
		attr, ok := resp.Attributes[name]
		if !ok {
			t.Fatalf("provider has no attribute %q", name)
		}
		if attr.IsSensitive() != want {
			t.Errorf("%s: Sensitive = %v, want %v", name, attr.IsSensitive(), want)
		}
		if !strings.Contains(attr.GetMarkdownDescription(), "BITRIX24_") {
			t.Errorf("%s: the description does not name its environment variable", name)
		}
	}
}
