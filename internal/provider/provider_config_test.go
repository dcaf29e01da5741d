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
		// As file("token.txt") gives it: trimmed like an environment variable.
		"OAuth token with a newline": fmt.Sprintf("portal_url = %q\n access_token = %q", srv.URL, testAccessToken+"\n"),
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
			errorRe("Invalid Bitrix24 OAuth URL", "portal's own OAuth server, https://oauth.bitrix.info/oauth/token/"),
		},
		"bad timeout": {
			fmt.Sprintf("webhook_url = %q\n request_timeout = \"thirty seconds\"", hook),
			errorRe("Invalid Bitrix24 request_timeout", "request_timeout must be a duration from 1s to 1h", `"30s"`, `got "thirty seconds".`),
		},
		"timeout too short": {
			fmt.Sprintf("webhook_url = %q\n request_timeout = \"1ms\"", hook),
			errorRe("Invalid Bitrix24 request_timeout", "a duration from 1s to 1h", `got "1ms".`),
		},
		"rate limit negative": {
			fmt.Sprintf("webhook_url = %q\n rate_limit = -1", hook),
			errorRe("Invalid Bitrix24 rate_limit", "rate_limit must be 0 (off) or a number from 0.01 to 1000; got -1."),
		},
		"retries not whole": {
			fmt.Sprintf("webhook_url = %q\n max_retries = 1.5", hook),
			errorRe("Invalid Bitrix24 max_retries", "max_retries must be a whole number from 0 to 20; got 1.5."),
		},
		"busy timeout too long": {
			fmt.Sprintf("webhook_url = %q\n busy_timeout = \"2h\"", hook),
			errorRe("busy_timeout", "a duration from 1s to 1h", `got "2h"`),
		},
		"CA PEM not a certificate": {
			fmt.Sprintf("webhook_url = %q\n ca_cert_pem = \"hello\"", hook),
			errorRe("Invalid Bitrix24 CA certificate", `"ca_cert_pem" in the provider configuration holds no PEM certificate`, "The configuration line is not shown"),
		},
		"CA file missing": {
			fmt.Sprintf("webhook_url = %q\n ca_cert_file = \"/nonexistent/ca.pem\"", hook),
			errorRe("Cannot read the Bitrix24 CA file", `"ca_cert_file"`, "no such file"),
		},
		"burst zero": {
			fmt.Sprintf("webhook_url = %q\n rate_limit_burst = 0", hook),
			errorRe("rate_limit_burst", "a whole number from 1 to 10000; got 0."),
		},
		"negative retries": {
			fmt.Sprintf("webhook_url = %q\n max_retries = -1", hook),
			errorRe("max_retries", "a whole number from 0 to 20; got -1."),
		},
		"rate limit too small to pace": {
			fmt.Sprintf("webhook_url = %q\n rate_limit = 0.000000001", hook),
			errorRe("Invalid Bitrix24 rate_limit", "0 (off) or a number from 0.01 to 1000"),
		},
		"portal URL is a webhook URL": {
			"portal_url = \"https://example.bitrix24.com/rest/1/pastedcode123/\"\n user_id = 1\n webhook_code = \"abc\"",
			regexp.MustCompile(`(?s)Bitrix24 webhook URL in portal_url.*webhook_url \(BITRIX24_WEBHOOK_URL\) instead`),
		},
		"portal URL with an IPv6 zone": {
			"portal_url = \"http://[fe80::1%25eth0]:8080\"\n access_token = \"abc\"",
			errorRe("Invalid Bitrix24 portal URL", "zone"),
		},
		"CA PEM holds a private key": {
			fmt.Sprintf("webhook_url = %q\n ca_cert_pem = %q", hook, "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n"),
			errorRe("Private key in the Bitrix24 CA setting", "this is a private key, not a CA certificate"),
		},
		"CA file is a device": {
			fmt.Sprintf("webhook_url = %q\n ca_cert_file = \"/dev/zero\"", hook),
			errorRe("Cannot read the Bitrix24 CA file", "not a regular file"),
		},
		"batch window too long": {
			fmt.Sprintf("webhook_url = %q\n batch_window = \"5s\"", hook),
			errorRe("batch_window", "a duration from 0s to 1s", `got "5s"`),
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

// The settings of one auth mode combine across the configuration and the
// environment: portal_url and user_id in the configuration, the webhook
// code in BITRIX24_WEBHOOK_CODE.
func TestProvider_settingsCombineAcrossSources(t *testing.T) {
	_, srv := startPortal(t)
	clearBitrix24Env(t)
	t.Setenv("BITRIX24_WEBHOOK_CODE", testWebhookCode)
	t.Setenv("BITRIX24_ACCESS_TOKEN", "another-mode-ignored")
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config:            fmt.Sprintf("provider \"bitrix24\" {\n portal_url = %q\n user_id = 1\n}\n", srv.URL) + readChat42,
			ConfigStateChecks: expectChat42,
		}},
	})
}

// dialog_id() of a number that is not a chat id is a plain function error.
func TestProvider_dialogIDFunctionErrors(t *testing.T) {
	t.Parallel()
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config:      `output "x" { value = provider::bitrix24::dialog_id(1.5) }`,
			ExpectError: errorRe("Invalid function argument", "chat_id must be a positive whole number, got 1.5, which has a fraction"),
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
			errorRe("Invalid Bitrix24 max_retries", "BITRIX24_MAX_RETRIES", "a whole number from 0 to 20", `got "many"`),
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
			errorRe("Invalid Bitrix24 max_retries", "must be a whole number from 0 to 20; got 1.5."),
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

// Terraform prints the configuration line an attribute error points at:
// an error about ca_cert_pem points at the provider block, so a private
// key pasted there never shows, in the diagnostic or at TF_LOG=trace.
func TestProvider_caCertPEMIsNeverShown(t *testing.T) {
	t.Parallel()
	_, srv := startPortal(t)
	key := privateKeyPEM(t)
	config := providerRequirement + webhookProvider(srv, fmt.Sprintf("ca_cert_pem = %q", key)) + readChat42
	res := runPlan(t, config, map[string]string{"TF_LOG": "trace"})
	if res.err == nil || !strings.Contains(res.output, "this is a private key, not a CA certificate") {
		t.Fatalf("want the private-key error:\n%s", tail(res.output))
	}
	for _, line := range strings.Split(key, "\n")[1:] {
		if len(line) >= 16 && strings.Contains(res.output, line[:16]) {
			t.Fatalf("the output shows the private key:\n%s", tail(res.output))
		}
	}
}
