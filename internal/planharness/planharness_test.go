package planharness

import (
	"slices"
	"strings"
	"testing"
)

func TestEnvLeavesOutWhatWouldChangeAPlan(t *testing.T) {
	for _, kv := range [][2]string{
		{"BITRIX24_ACCESS_TOKEN", "x"}, {"BITRIX24_RATE_LIMIT", "1"}, {"TF_LOG", "trace"}, {"TF_LOG_PROVIDER", "debug"},
		{"TF_CLI_CONFIG_FILE", "/elsewhere"}, {"HTTPS_PROXY", "http://proxy"}, {"no_proxy", "*"},
	} {
		t.Setenv(kv[0], kv[1])
	}
	t.Setenv("KEEP_ME", "1")
	env := Env("/tmp/rc", map[string]string{"BITRIX24_WEBHOOK_URL": "http://127.0.0.1/rest/1/c/"})
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if slices.Contains([]string{"BITRIX24_ACCESS_TOKEN", "BITRIX24_RATE_LIMIT", "TF_LOG", "TF_LOG_PROVIDER", "HTTPS_PROXY", "no_proxy"}, name) {
			t.Errorf("%s was passed on", name)
		}
	}
	for _, want := range []string{"KEEP_ME=1", "TF_CLI_CONFIG_FILE=/tmp/rc", "BITRIX24_WEBHOOK_URL=http://127.0.0.1/rest/1/c/", "CHECKPOINT_DISABLE=1"} {
		if !slices.Contains(env, want) {
			t.Errorf("%s is missing", want)
		}
	}
	if n := strings.Count(strings.Join(env, "\n"), "TF_CLI_CONFIG_FILE="); n != 1 {
		t.Errorf("TF_CLI_CONFIG_FILE appears %d times", n)
	}
}

func TestCLIConfig(t *testing.T) {
	rc := CLIConfig("/opt/bin")
	if !strings.Contains(rc, `"tf-bitrix24/bitrix24" = "/opt/bin"`) || !strings.Contains(rc, "direct {}") {
		t.Fatalf("got %s", rc)
	}
}
