package provider

import (
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/fakeportal"
)

// The demo portal's credentials. They exist only in the fake portal.
const (
	testWebhookCode = "demowebhookcode1"
	testAccessToken = "demo-access-token-1"
)

var testProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"bitrix24": providerserver.NewProtocol6WithError(New("test")()),
}

// TestMain finds a Terraform CLI for terraform-plugin-testing without
// network: TF_ACC_TERRAFORM_PATH, a terraform on PATH, or the one that
// .ci/terraform.sh installs.
func TestMain(m *testing.M) {
	if os.Getenv("TF_ACC_TERRAFORM_PATH") == "" {
		script, _ := filepath.Abs("../../.ci/terraform.sh")
		out, err := exec.Command("bash", script).Output()
		if err != nil {
			fmt.Fprintf(os.Stderr, "cannot find or install a Terraform CLI: %v\n", err)
			os.Exit(1)
		}
		_ = os.Setenv("TF_ACC_TERRAFORM_PATH", strings.TrimSpace(string(out)))
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
	os.Exit(code)
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
