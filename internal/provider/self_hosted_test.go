package provider

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/fakeportal"
)

func TestSelfHosted_customCA(t *testing.T) {
	t.Parallel()
	portal, srv, ca := startTLSPortal(t)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, ca.PEM, 0o600); err != nil {
		t.Fatal(err)
	}
	for name, setting := range map[string]string{
		"CA from PEM":  fmt.Sprintf("ca_cert_pem = %q", ca.PEM),
		"CA from file": fmt.Sprintf("ca_cert_file = %q", caFile),
	} {
		t.Run(name, func(t *testing.T) {
			before := portal.Requests("im.dialog.get") + portal.Stats().Commands["im.dialog.get"]
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testProviderFactories,
				Steps: []resource.TestStep{{
					Config:            webhookProvider(srv, setting) + readChat42,
					ConfigStateChecks: expectChat42,
				}},
			})
			// Each of Terraform's reads of the data source (plan, apply,
			// refresh, the final plan) reached the portal over TLS.
			reads := portal.Requests("im.dialog.get") + portal.Stats().Commands["im.dialog.get"] - before
			if reads < 3 {
				t.Fatalf("%d reads reached the portal over TLS, want one for each of Terraform's reads (at least 3)", reads)
			}
		})
	}
}

// Without the CA the read fails, and the diagnostic names the settings
// that fix it.
func TestSelfHosted_missingCANamesTheSetting(t *testing.T) {
	t.Parallel()
	portal, srv, _ := startTLSPortal(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config:      webhookProvider(srv) + readChat42,
			ExpectError: errorRe(`Cannot read Bitrix24 dialog "chat42"`, "TLS certificate is not trusted", "ca_cert_pem or ca_cert_file"),
		}},
	})
	if n := portal.Requests("im.dialog.get"); n != 0 {
		t.Fatalf("the portal answered %d reads over an untrusted connection", n)
	}
}

// rate_limit = 0: 120 reads one request each against an unlimited portal
// are not paced (with the default 2/s after a burst of 50 they take 35 s).
func TestSelfHosted_pacingOff(t *testing.T) {
	t.Parallel()
	portal, srv := startPortal(t)
	portal.AddDialogs(fakeportal.GroupChats(120, 30000, 1)...)
	res := planForEach(t, webhookProvider(srv, "rate_limit = 0", `batch_window = "0s"`), 30000, 120)
	if n := portal.Requests("im.dialog.get"); n != 120 {
		t.Fatalf("want 120 requests, got %d", n)
	}
	// The default pacing would hold the last 70 reads for 35 s; a bound of
	// 30 s leaves room for a busy machine and still fails if pacing is on.
	if res.took.Seconds() > 30 {
		t.Fatalf("120 reads with pacing off took %s", res.took)
	}
	t.Logf("120 reads, pacing off, unlimited portal: %s", res.took)
}

// With pacing off the provider still slows down when the portal refuses:
// a portal whose administrator turned limits on is respected.
func TestSelfHosted_pacingOffStillRespectsRefusals(t *testing.T) {
	t.Parallel()
	portal, srv := startPortal(t)
	portal.AddDialogs(fakeportal.GroupChats(60, 31000, 1)...)
	portal.SetFaults(fakeportal.Faults{RateLimit: 20, RateBurst: 10})
	res := planForEach(t, webhookProvider(srv, "rate_limit = 0", `batch_window = "0s"`), 31000, 60)
	qle := portal.ErrorCount("QUERY_LIMIT_EXCEEDED")
	if qle == 0 {
		t.Fatal("the portal never refused: the test proves nothing")
	}
	// Without flow control every one of Terraform's parallel reads would
	// retry on its own backoff; with it the refusals stay few.
	if qle > 30 {
		t.Fatalf("the portal refused %d of %d requests", qle, portal.Requests("im.dialog.get"))
	}
	t.Logf("pacing off against a 20/s burst-10 portal: %d refusals in %d requests, %s", qle, portal.Requests("im.dialog.get"), res.took)
}

// HTTPS_PROXY, HTTP_PROXY and NO_PROXY are honoured: the plan's requests
// to a portal host name reach the portal only through the proxy.
func TestSelfHosted_proxy(t *testing.T) {
	t.Parallel()
	portal := fakeportal.New(fakeportal.DefaultFixtures())
	var proxied atomic.Int64
	// A forward proxy for plain http: requests arrive in absolute form
	// (POST http://portal.test/rest/...) and are served by the portal.
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Host != "portal.test" {
			http.Error(w, "this proxy serves portal.test only", http.StatusBadGateway)
			return
		}
		proxied.Add(1)
		portal.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { portal.Close(); proxy.Close() })
	config := providerRequirement + `
provider "bitrix24" {
  webhook_url = "http://portal.test/rest/1/` + testWebhookCode + `/"
}
` + readChat42Output
	res := runPlan(t, config, map[string]string{"HTTP_PROXY": proxy.URL, "http_proxy": proxy.URL})
	if res.err != nil {
		t.Fatalf("plan through the proxy failed: %v\n%s", res.err, tail(res.output))
	}
	if !strings.Contains(res.output, "id = 42") || proxied.Load() == 0 {
		t.Fatalf("the read did not go through the proxy (%d proxied):\n%s", proxied.Load(), tail(res.output))
	}
	if !strings.Contains(res.output, "plain http") {
		t.Fatalf("a plain-http portal that is not loopback should get a warning:\n%s", tail(res.output))
	}
	// NO_PROXY sends the same host around the proxy: it then cannot be
	// resolved, so the plan fails without the proxy seeing a request.
	before := proxied.Load()
	res = runPlan(t, config, map[string]string{"HTTP_PROXY": proxy.URL, "NO_PROXY": "portal.test"})
	if res.err == nil || proxied.Load() != before {
		t.Fatalf("NO_PROXY was not honoured (proxied %d more):\n%s", proxied.Load()-before, tail(res.output))
	}
}
