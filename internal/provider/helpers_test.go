package provider

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	provschema "github.com/hashicorp/terraform-plugin-framework/provider/schema"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/fakeportal"
	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/planharness"
)

// The demo portal's credentials. They exist only in the fake portal.
const (
	testWebhookCode = "demowebhookcode1"
	testAccessToken = "demo-access-token-1"
)

var testProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"bitrix24": providerserver.NewProtocol6WithError(New("test")()),
}

// TestMain leaves finding a Terraform CLI to the first test that runs one
// (terraformShim): the TestUnit… tests need none.
func TestMain(m *testing.M) {
	if os.Getenv("TF_ACC_TERRAFORM_PATH") == "" {
		shim, err := terraformShim()
		if err != nil {
			fmt.Fprintf(os.Stderr, "cannot write the Terraform CLI shim: %v\n", err)
			os.Exit(1)
		}
		_ = os.Setenv("TF_ACC_TERRAFORM_PATH", shim)
	}
	dir, err := os.MkdirTemp("", "tf-bitrix24-provider-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "cannot make a directory for the provider binary: %v\n", err)
		os.Exit(1)
	}
	providerDir = dir
	code := m.Run()
	if providerDir != "" {
		_ = os.RemoveAll(providerDir)
	}
	if shimDir != "" {
		_ = os.RemoveAll(shimDir)
	}
	os.Exit(code)
}

var shimDir string

// terraformShim writes a script that terraform-plugin-testing and runPlan
// use as the Terraform CLI. On its first run it finds one without network
// (.ci/terraform.sh: TF_ACC_TERRAFORM_PATH, a terraform >= 1.8 on PATH, or
// one it installs once) and remembers it; it then runs that CLI. So a test
// run that starts no Terraform never looks for one.
func terraformShim() (string, error) {
	dir, err := os.MkdirTemp("", "tf-bitrix24-terraform-")
	if err != nil {
		return "", err
	}
	shimDir = dir
	script, _ := filepath.Abs("../../.ci/terraform.sh")
	found := filepath.Join(dir, "found")
	shim := filepath.Join(dir, "terraform")
	body := fmt.Sprintf(`#!/usr/bin/env bash
set -euo pipefail
if [ ! -s %[1]q ]; then
  tf=$(TF_ACC_TERRAFORM_PATH= bash %[2]q) || { echo "cannot find or install a Terraform CLI" >&2; exit 1; }
  tmp=$(mktemp %[1]q.XXXXXX)
  printf '%%s' "$tf" >"$tmp"
  mv -f "$tmp" %[1]q
fi
exec "$(cat %[1]q)" "$@"
`, found, script)
	if err := os.WriteFile(shim, []byte(body), 0o700); err != nil {
		return "", err
	}
	return shim, nil
}

// startPortal serves the demo portal for one test.
func startPortal(t *testing.T) (*fakeportal.Portal, *httptest.Server) {
	t.Helper()
	p := fakeportal.New(fakeportal.DefaultFixtures())
	srv := p.Start()
	t.Cleanup(func() {
		p.Close()
		srv.Close()
	})
	return p, srv
}

// webhookProvider is a provider block with the demo webhook URL and any
// extra settings.
func webhookProvider(srv *httptest.Server, extra ...string) string {
	return fmt.Sprintf("provider \"bitrix24\" {\n  webhook_url = %q\n  %s\n}\n", srv.URL+"/rest/1/"+testWebhookCode+"/", strings.Join(extra, "\n  "))
}

// errorRe matches the parts in order, with any text between them, and any
// white space (Terraform wraps diagnostics) wherever a part has a space.
func errorRe(parts ...string) *regexp.Regexp {
	quoted := make([]string, len(parts))
	for i, p := range parts {
		words := strings.Fields(p)
		for j, w := range words {
			words[j] = regexp.QuoteMeta(w)
		}
		quoted[i] = strings.Join(words, `\s+`)
	}
	return regexp.MustCompile(`(?s)` + strings.Join(quoted, `.*`))
}

// clearBitrix24Env empties every BITRIX24_* variable for one test, so that a
// developer's live credentials cannot change its outcome.
func clearBitrix24Env(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "BITRIX24_") {
			t.Setenv(name, "")
		}
	}
}

// The plan tests run the real provider binary under a real `terraform
// plan`, as a user does, so that everything Terraform and the provider
// print can be searched and timed. internal/planharness is the recipe.

var (
	buildOnce   sync.Once
	providerDir string
	buildErr    error
)

// providerBinaryDir builds the provider once per test run.
func providerBinaryDir(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if providerDir == "" {
			buildErr = errors.New("TestMain made no directory for the provider binary")
			return
		}
		root, _ := filepath.Abs("../..")
		// With the race detector when cgo works: these plans run the
		// provider's concurrent paths for real.
		buildErr = planharness.BuildProvider(root, providerDir, raceAvailable())
	})
	if buildErr != nil {
		t.Fatalf("building the provider: %v", buildErr)
	}
	return providerDir
}

// raceAvailable tells whether `go build -race` can work here: it needs cgo
// and a C compiler. Without one the plans run a provider built without the
// race detector (make test says so).
func raceAvailable() bool {
	out, err := exec.Command("go", "env", "CGO_ENABLED", "CC").Output()
	if err != nil {
		return false
	}
	f := strings.Fields(string(out))
	if len(f) < 2 || f[0] != "1" {
		return false
	}
	_, err = exec.LookPath(f[1])
	return err == nil
}

type planResult struct {
	output string
	err    error
	took   time.Duration
}

// cliWorkdir is a new working directory holding config as main.tf, and a
// CLI configuration that puts the provider binary under dev_overrides.
func cliWorkdir(t *testing.T, config string) (dir, cliConfig string) {
	t.Helper()
	bin := providerBinaryDir(t)
	dir = t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	cliConfig, err := planharness.WriteCLIConfig(dir, bin)
	if err != nil {
		t.Fatal(err)
	}
	return dir, cliConfig
}

// runPlan runs `terraform plan` on config with the provider under
// dev_overrides and no BITRIX24_* variables but those in env.
func runPlan(t *testing.T, config string, env map[string]string) planResult {
	t.Helper()
	dir, rc := cliWorkdir(t, config)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	r := planharness.Plan(ctx, os.Getenv("TF_ACC_TERRAFORM_PATH"), dir, planharness.Env(rc, env), nil)
	res := planResult{output: r.Output, err: r.Err, took: r.Took}
	if strings.Contains(res.output, "DATA RACE") || strings.Contains(res.output, "plugin crashed") {
		t.Fatalf("the provider crashed or raced:\n%s", res.output)
	}
	return res
}

const providerRequirement = `
terraform {
  required_providers {
    bitrix24 = { source = "tf-bitrix24/bitrix24" }
  }
}
`

func providerSchema(t *testing.T, p provider.Provider) provschema.Schema {
	t.Helper()
	var resp provider.SchemaResponse
	p.Schema(context.Background(), provider.SchemaRequest{}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatalf("schema: %v", resp.Diagnostics)
	}
	return resp.Schema
}

func hookBody(extra ...string) func(string) string {
	return func(url string) string {
		return fmt.Sprintf("webhook_url = %q\n%s", url+"/rest/1/"+testWebhookCode+"/", strings.Join(extra, "\n"))
	}
}

func oauthBody(refresh string, extra ...string) func(string) string {
	return func(url string) string {
		return fmt.Sprintf("portal_url = %q\naccess_token = %q\nrefresh_token = %q\nclient_id = \"app.demo\"\nclient_secret = %q\noauth_url = %q\n%s",
			url, expiredAccessToken, refresh, oauthClientSecret, url+"/oauth/token/", strings.Join(extra, "\n"))
	}
}

// closedAddress is a loopback address where nothing listens.
func closedAddress() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "127.0.0.1:1"
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// faultPortal serves the demo portal with the OAuth fixtures these tests use.
func faultPortal(t *testing.T, f fakeportal.Faults) (*fakeportal.Portal, *httptest.Server) {
	t.Helper()
	p, srv := startPortal(t)
	p.AddToken(fakeportal.Token{AccessToken: expiredAccessToken, UserID: 1, Scopes: []string{"im"}, ExpiresAt: 1})
	p.AddOAuthClient(fakeportal.OAuthClient{ClientID: "app.demo", ClientSecret: oauthClientSecret, RefreshTokens: []fakeportal.RefreshToken{
		{RefreshToken: liveRefreshToken, UserID: 1, Scopes: []string{"im"}},
	}})
	p.SetFaults(f)
	return p, srv
}

// tail returns the end of long output, for failure messages.
func tail(s string) string {
	lines := strings.Split(s, "\n")
	var keep []string
	for _, l := range lines {
		if !strings.Contains(l, "[TRACE]") && !strings.Contains(l, "[DEBUG]") {
			keep = append(keep, l)
		}
	}
	if len(keep) > 80 {
		keep = keep[len(keep)-80:]
	}
	return strings.Join(keep, "\n")
}

// requests checks the portal's requests by method: exactly those named,
// with those counts, and no other.
func requests(want map[string]int) func(*testing.T, *fakeportal.Portal) {
	return func(t *testing.T, p *fakeportal.Portal) {
		got := p.Stats().Requests
		for method, n := range got {
			if n != want[method] {
				t.Errorf("the portal received %d %s requests, want %d (all: %v)", n, method, want[method], got)
			}
		}
		for method, n := range want {
			if got[method] != n {
				t.Errorf("the portal received %d %s requests, want %d (all: %v)", got[method], method, n, got)
			}
		}
	}
}

// expectAttrs checks every attribute of a data source, in a stable order.
func expectAttrs(addr string, want map[string]knownvalue.Check) []statecheck.StateCheck {
	names := make([]string, 0, len(want))
	for name := range want {
		names = append(names, name)
	}
	sort.Strings(names)
	checks := make([]statecheck.StateCheck, 0, len(want))
	for _, name := range names {
		checks = append(checks, statecheck.ExpectKnownValue(addr, tfjsonpath.New(name), want[name]))
	}
	return checks
}

func str(s string) knownvalue.Check { return knownvalue.StringExact(s) }

func num(n int64) knownvalue.Check { return knownvalue.Int64Exact(n) }

func flag(b bool) knownvalue.Check { return knownvalue.Bool(b) }

// cannedPortal answers every request with one fixed answer, for error codes
// the fake portal cannot be led to give with a valid request.
func cannedPortal(t *testing.T, status int, contentType, body string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// cannedReads is cannedPortal with the credential check (scope) answered
// ["im"], so that the canned answer reaches the reads and their
// diagnostics are what is tested.
func cannedReads(t *testing.T, status int, contentType, body string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := strings.TrimSuffix(r.URL.Path, ".json"); strings.HasSuffix(p, "/scope") {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"result":["im"]}`))
			return
		}
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// startTLSPortal serves the demo portal over HTTPS with a certificate from
// a throwaway CA, as a self-hosted portal with an internal CA does.
func startTLSPortal(t *testing.T) (*fakeportal.Portal, *httptest.Server, *fakeportal.TestCA) {
	t.Helper()
	ca, err := fakeportal.NewTestCA()
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Issue()
	if err != nil {
		t.Fatal(err)
	}
	p := fakeportal.New(fakeportal.DefaultFixtures())
	srv := p.StartTLS(cert)
	t.Cleanup(func() {
		p.Close()
		srv.Close()
	})
	return p, srv, ca
}

// forEachDialogs is a configuration of n bitrix24_dialog reads (for_each
// over chatFIRST …, the set in locals) with an output "ids" of their ids'
// sum, and the line the plan prints for it when every read came back with
// its own id.
func forEachDialogs(first, n int) (config, wantSum string) {
	config = fmt.Sprintf(`
locals {
  ids = toset([for i in range(%d, %d) : "chat${i}"])
}
data "bitrix24_dialog" "many" {
  for_each  = local.ids
  dialog_id = each.value
}
output "ids" {
  value = sum([for d in data.bitrix24_dialog.many : d.id])
}
`, first, first+n)
	return config, fmt.Sprintf("ids = %d", n*first+(n-1)*n/2)
}

// planForEach plans forEachDialogs under provider and fails the test
// unless every read came back.
func planForEach(t *testing.T, provider string, first, n int) planResult {
	t.Helper()
	config, wantSum := forEachDialogs(first, n)
	res := runPlan(t, providerRequirement+provider+config, nil)
	if res.err != nil {
		t.Fatalf("plan failed: %v\n%s", res.err, tail(res.output))
	}
	if !strings.Contains(res.output, wantSum) {
		t.Fatalf("the output lacks %q:\n%s", wantSum, tail(res.output))
	}
	// The portal is on loopback: plain http there is no risk and gets no warning.
	if strings.Contains(res.output, "plain http") {
		t.Fatalf("a loopback portal got the plain-http warning:\n%s", tail(res.output))
	}
	return res
}

// expectPlanError plans config with the in-process provider and expects an
// error whose text holds the parts of want in order (errorRe).
func expectPlanError(t *testing.T, config string, want ...string) {
	t.Helper()
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps:                    []resource.TestStep{{Config: config, ExpectError: errorRe(want...)}},
	})
}

// cliMinimums is the first release of Terraform and of OpenTofu ("": none
// yet) with each language feature that a test needs beyond what every
// supported CLI has. Tests that need one skip below it with skipBelowCLI
// in their TestCase's TerraformVersionChecks. OpenTofu (a CLI whose
// version says OpenTofu, or TF_ACC_PROVIDER_HOST=registry.opentofu.org) is
// compared with its own column. (OpenTofu 1.12.6 passes
// TestChatResource_identity; earlier releases are untested, hence 1.12.)
var cliMinimums = map[string]struct{ terraform, opentofu string }{
	"import blocks":              {"1.5", "1.6"},
	"provider-defined functions": {"1.8", "1.7"},
	"ephemeral resources":        {"1.10", "1.11"},
	"write-only attributes":      {"1.11", "1.11"},
	"resource identity":          {"1.12", "1.12"},
	"list resources":             {"1.14", ""},
	"actions":                    {"1.14", ""},
}

var (
	cliOnce     sync.Once
	cliOpenTofu bool
)

// testCLIIsOpenTofu tells whether TF_ACC_TERRAFORM_PATH is OpenTofu, once
// per run.
func testCLIIsOpenTofu() bool {
	cliOnce.Do(func() {
		cliOpenTofu = os.Getenv("TF_ACC_PROVIDER_HOST") == "registry.opentofu.org"
		cmd := exec.Command(os.Getenv("TF_ACC_TERRAFORM_PATH"), "version")
		cmd.Env = append(os.Environ(), "CHECKPOINT_DISABLE=1")
		if out, err := cmd.Output(); err == nil && strings.HasPrefix(string(out), "OpenTofu") {
			cliOpenTofu = true
		}
	})
	return cliOpenTofu
}

// cliLacks says why the CLI of this run, at version ver (major.minor…),
// lacks feature, or "" when it has it.
func cliLacks(feature, ver string) string {
	minimum, ok := cliMinimums[feature]
	if !ok {
		panic("cliMinimums has no " + feature)
	}
	name, want := "Terraform", minimum.terraform
	if testCLIIsOpenTofu() {
		name, want = "OpenTofu", minimum.opentofu
	}
	if want == "" {
		return fmt.Sprintf("%s: needs Terraform %s or later; no OpenTofu release has them", feature, minimum.terraform)
	}
	if versionBelow(ver, want) {
		return fmt.Sprintf("%s: needs %s %s or later; this is %s %s", feature, name, want, name, ver)
	}
	return ""
}

// versionBelow compares the major and minor numbers of "1.8.5-dev" style
// versions; an unreadable version is not below.
func versionBelow(ver, minimum string) bool {
	var a, b [2]int
	if _, err := fmt.Sscanf(ver, "%d.%d", &a[0], &a[1]); err != nil {
		return false
	}
	if _, err := fmt.Sscanf(minimum, "%d.%d", &b[0], &b[1]); err != nil {
		return false
	}
	return a[0] < b[0] || a[0] == b[0] && a[1] < b[1]
}

// skipBelowCLI is a TerraformVersionCheck that skips a TestCase whose CLI
// lacks feature.
func skipBelowCLI(feature string) tfversion.TerraformVersionCheck {
	return cliCheck(feature)
}

type cliCheck string

func (f cliCheck) CheckTerraformVersion(_ context.Context, req tfversion.CheckTerraformVersionRequest, resp *tfversion.CheckTerraformVersionResponse) {
	if req.TerraformVersion == nil {
		return
	}
	if why := cliLacks(string(f), req.TerraformVersion.String()); why != "" {
		resp.Skip = why
	}
}
