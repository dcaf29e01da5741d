package provider

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/fakeportal"
)

// faultCase is one fault or bad input, planned with the real Terraform CLI
// at TF_LOG=trace.
type faultCase struct {
	name   string
	faults fakeportal.Faults
	// provider returns the provider block's body for the portal at url.
	provider func(url string) string
	// env returns BITRIX24_* variables for the portal at url.
	env func(url string) map[string]string
	// reads is the data sources; by default one read of chat42.
	reads string
	// wantOK says whether the plan succeeds.
	wantOK bool
	// want are texts the output must hold, in order.
	want []string
	// bound is the longest the plan may take.
	bound time.Duration
	// check looks at the portal after the plan.
	check func(t *testing.T, p *fakeportal.Portal)
}

const (
	expiredAccessToken = "expired-access-token-7c1d"
	usedRefreshToken   = "used-refresh-token-55aa"
	liveRefreshToken   = "live-refresh-token-9b2e"
	oauthClientSecret  = "oauth-client-secret-31f0"
	wrongWebhookCode   = "wrongwebhookcode77"
)

const readChat42Output = `
data "bitrix24_dialog" "x" {
  dialog_id = "chat42"
}
output "id" {
  value = data.bitrix24_dialog.x.id
}
`

// Two reads, the second after the first, so that the first learns the
// operating-time figures.
const twoSequentialReads = `
data "bitrix24_dialog" "first" {
  dialog_id = "chat42"
}
data "bitrix24_dialog" "x" {
  dialog_id = data.bitrix24_dialog.first.id == 42 ? "chat42" : "chat1439"
}
output "id" {
  value = data.bitrix24_dialog.x.id
}
`

func faultCases() []faultCase {
	ok := []string{"Read complete", "id = 42"}
	return []faultCase{
		// The credential check (scope) is the first request: it takes the
		// first faults, retries them and the read then goes through.
		{name: "500 INTERNAL_SERVER_ERROR twice", faults: fakeportal.Faults{FailNext: 2, FailStatus: 500}, provider: hookBody(), wantOK: true, want: ok, bound: 20 * time.Second,
			check: requests(map[string]int{"scope": 3, "im.dialog.get": 1})},
		{name: "502 without code once", faults: fakeportal.Faults{FailNext: 1, FailStatus: 502}, provider: hookBody(), wantOK: true, want: ok, bound: 20 * time.Second},
		{name: "503 without code twice", faults: fakeportal.Faults{FailNext: 2, FailStatus: 503}, provider: hookBody(), wantOK: true, want: ok, bound: 20 * time.Second},
		{name: "504 without code once", faults: fakeportal.Faults{FailNext: 1, FailStatus: 504}, provider: hookBody(), wantOK: true, want: ok, bound: 20 * time.Second},
		{name: "500 on every request", faults: fakeportal.Faults{FailNext: 1000, FailStatus: 500}, provider: hookBody("max_retries = 2"),
			want: []string{`Cannot read Bitrix24 dialog "chat42"`, "HTTP 500", "INTERNAL_SERVER_ERROR", "after 3 attempts", "Run Terraform again"}, bound: 20 * time.Second,
			// The check fails for a passing reason: logged, and the read reports it.
			check: requests(map[string]int{"scope": 3, "im.dialog.get": 3})},
		{name: "HTML maintenance page twice", faults: fakeportal.Faults{HTMLNext: 2}, provider: hookBody(), wantOK: true, want: ok, bound: 20 * time.Second},
		{name: "HTML maintenance page on every request", faults: fakeportal.Faults{HTMLNext: 1000}, provider: hookBody("max_retries = 1"),
			want: []string{`dialog "chat42"`, "HTTP 503", "text/html", "HTML page", "after 2 attempts", "Maintenance", "portal_url"}, bound: 20 * time.Second},
		{name: "truncated JSON once", faults: fakeportal.Faults{TruncateNext: 1}, provider: hookBody(), wantOK: true, want: ok, bound: 20 * time.Second},
		{name: "connection reset twice", faults: fakeportal.Faults{ResetNext: 2}, provider: hookBody(), wantOK: true, want: ok, bound: 20 * time.Second},
		{name: "slow answer (3s) over a 1s request_timeout, once", faults: fakeportal.Faults{SlowNext: 1, Slow: 3 * time.Second}, provider: hookBody(`request_timeout = "1s"`),
			wantOK: true, want: ok, bound: 20 * time.Second},
		{name: "portal hangs", faults: fakeportal.Faults{Hang: true}, provider: hookBody(`request_timeout = "1s"`, "max_retries = 1"),
			want: []string{`dialog "chat42"`, "did not answer im.dialog.get within request_timeout (1s)", "after 2 attempts", "request_timeout"}, bound: 20 * time.Second},
		{name: "QUERY_LIMIT_EXCEEDED (portal's bucket smaller than configured)", faults: fakeportal.Faults{RateLimit: 2, RateBurst: 1},
			provider: hookBody("rate_limit = 100", "rate_limit_burst = 100", `batch_window = "0s"`),
			reads: `
data "bitrix24_dialog" "x" {
  for_each  = toset(["chat42", "chat1439", "5"])
  dialog_id = each.value
}
output "id" {
  value = data.bitrix24_dialog.x["chat42"].id
}`,
			wantOK: true, want: ok, bound: 30 * time.Second,
			check: func(t *testing.T, p *fakeportal.Portal) {
				if p.ErrorCount("QUERY_LIMIT_EXCEEDED") == 0 {
					t.Errorf("the portal never answered QUERY_LIMIT_EXCEEDED")
				}
			}},
		// Refusals of the auth layer fail the provider's configuration, once,
		// and no data source is read.
		{name: "OVERLOAD_LIMIT", faults: fakeportal.Faults{OverloadNext: 1}, provider: hookBody(),
			want: []string{"Bitrix24 portal refused the credentials", "HTTP 401", "OVERLOAD_LIMIT", "REST API is blocked due to overload", "Retrying does not help"}, bound: 10 * time.Second,
			check: requests(map[string]int{"scope": 1})},
		{name: "OPERATION_TIME_LIMIT, unblocks in 2s", faults: fakeportal.Faults{OperatingLimit: 0.01, OperatingCost: 0.01, OperatingWindow: 2 * time.Second},
			provider: hookBody(), reads: twoSequentialReads, wantOK: true, want: ok, bound: 20 * time.Second,
			check: func(t *testing.T, p *fakeportal.Portal) {
				if p.ErrorCount("OPERATION_TIME_LIMIT") == 0 {
					t.Errorf("the portal never blocked the method")
				}
			}},
		{name: "OPERATION_TIME_LIMIT, unblocks in 10 minutes", faults: fakeportal.Faults{OperatingLimit: 0.01, OperatingCost: 0.01},
			provider: hookBody(), reads: twoSequentialReads,
			want: []string{`dialog "chat42"`, "HTTP 429", "OPERATION_TIME_LIMIT", "Method is blocked due to operation time limit", "unblocks at", "run Terraform again after that"}, bound: 10 * time.Second},
		{name: "expired OAuth token, refresh configured", provider: oauthBody(liveRefreshToken), wantOK: true, want: ok, bound: 10 * time.Second,
			check: func(t *testing.T, p *fakeportal.Portal) {
				if n := p.Stats().TokenRefreshes; n != 1 {
					t.Errorf("want one refresh, got %d", n)
				}
				// The check leaves the refresh to the first read (checkCredentials).
				requests(map[string]int{"scope": 1, "oauth/token": 1, "im.dialog.get": 2})(t, p)
			}},
		{name: "expired OAuth token, refresh token already used", provider: oauthBody(usedRefreshToken),
			want: []string{`dialog "chat42"`, "refreshing it failed", "HTTP 400", "invalid_grant", "already used",
				"update access_token and refresh_token"}, bound: 10 * time.Second,
			check: requests(map[string]int{"scope": 1, "oauth/token": 1, "im.dialog.get": 1})},
		{name: "expired OAuth token, no refresh settings",
			provider: func(url string) string {
				return fmt.Sprintf("portal_url = %q\naccess_token = %q", url, expiredAccessToken)
			},
			want:  []string{"Bitrix24 portal refused the credentials", `"access_token" in the provider configuration`, "HTTP 401", "expired_token", "refresh_token"},
			bound: 10 * time.Second, check: requests(map[string]int{"scope": 1})},
		{name: "wrong webhook code",
			provider: func(url string) string { return fmt.Sprintf("webhook_url = %q", url+"/rest/1/"+wrongWebhookCode+"/") },
			want: []string{"Bitrix24 portal refused the credentials", `"webhook_url" in the provider configuration`, "HTTP 401", "INVALID_CREDENTIALS",
				"Invalid request credentials", "Copy the webhook URL again"},
			bound: 10 * time.Second, check: requests(map[string]int{"scope": 1})},
		{name: "webhook code from the environment, without im scope",
			env: func(url string) map[string]string {
				return map[string]string{"BITRIX24_PORTAL_URL": url, "BITRIX24_USER_ID": "9", "BITRIX24_WEBHOOK_CODE": "crmonlywebhook9"}
			},
			want: []string{"Bitrix24 credentials lack the im scope", `"user_id" from the environment variable BITRIX24_USER_ID`,
				`"webhook_code" from the environment variable BITRIX24_WEBHOOK_CODE`, `the scopes "crm", but not im`, "tick"},
			bound: 10 * time.Second, check: requests(map[string]int{"scope": 1})},
		{name: "webhook URL from the environment, not a member of the chat",
			env: func(url string) map[string]string {
				return map[string]string{"BITRIX24_WEBHOOK_URL": url + "/rest/1/" + testWebhookCode + "/"}
			},
			reads: `data "bitrix24_dialog" "x" { dialog_id = "chat99" }`,
			want:  []string{`dialog "chat99"`, "HTTP 403", "ACCESS_ERROR", "must be a member of the chat"}, bound: 10 * time.Second},
		{name: "OAuth token from the environment",
			env: func(url string) map[string]string {
				return map[string]string{"BITRIX24_PORTAL_URL": url, "BITRIX24_ACCESS_TOKEN": testAccessToken}
			},
			wantOK: true, want: ok, bound: 10 * time.Second},
		{name: "invalid dialog_id", provider: hookBody(), reads: `data "bitrix24_dialog" "x" { dialog_id = "general" }`,
			want: []string{"dialog_id", "must be chatN"}, bound: 10 * time.Second, check: requests(nil)},
		{name: "malformed webhook URL", provider: func(string) string {
			return `webhook_url = "https://example.bitrix24.com/rest/1/` + wrongWebhookCode + `/im.dialog.get"`
		},
			want: []string{"Invalid Bitrix24 webhook URL", "nothing after the code"}, bound: 10 * time.Second},
		{name: "portal down (connection refused)", provider: func(string) string {
			return fmt.Sprintf("webhook_url = %q\nmax_retries = 1", "http://"+closedAddress()+"/rest/1/"+testWebhookCode+"/")
		}, want: []string{`dialog "chat42"`, "could not reach the portal", "connection refused", "Check portal_url"}, bound: 10 * time.Second},
	}
}

// TestFaults plans against each fault and bad input at TF_LOG=trace. Each
// plan must succeed where a retry can succeed and otherwise fail with its
// diagnostic, within its bound, and nothing it prints may hold a secret.
func TestFaults(t *testing.T) {
	t.Parallel()
	for _, tc := range faultCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			portal, srv := faultPortal(t, tc.faults)
			config := providerRequirement
			if tc.provider != nil {
				config += "provider \"bitrix24\" {\n" + tc.provider(srv.URL) + "\n}\n"
			}
			reads := tc.reads
			if reads == "" {
				reads = readChat42Output
			}
			env := map[string]string{"TF_LOG": "trace"}
			if tc.env != nil {
				for k, v := range tc.env(srv.URL) {
					env[k] = v
				}
			}
			res := runPlan(t, config+reads, env)
			if (res.err == nil) != tc.wantOK {
				t.Fatalf("plan error = %v, want success = %v\n%s", res.err, tc.wantOK, tail(res.output))
			}
			if !errorRe(tc.want...).MatchString(res.output) {
				t.Fatalf("the output lacks %q:\n%s", tc.want, tail(res.output))
			}
			if res.took > tc.bound {
				t.Errorf("the plan took %s, more than %s", res.took.Round(time.Millisecond), tc.bound)
			}
			secrets := append(portal.Secrets(), expiredAccessToken, usedRefreshToken, liveRefreshToken, oauthClientSecret, wrongWebhookCode)
			for _, secret := range secrets {
				if strings.Contains(res.output, secret) {
					t.Errorf("the output of TF_LOG=trace holds a secret (%d chars, starts %q)", len(secret), secret[:3])
				}
			}
			if tc.check != nil {
				tc.check(t, portal)
			}
			outcome := "plan succeeded"
			if !tc.wantOK {
				outcome = "diagnostic: " + strings.Join(tc.want, " … ")
			}
			t.Logf("FAULT-TABLE | %s | %v | %s | %s | %d lines of trace output searched", tc.name, portal.Stats().Requests, outcome,
				res.took.Round(10*time.Millisecond), strings.Count(res.output, "\n"))
		})
	}
}
