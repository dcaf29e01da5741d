package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/fakeportal"
	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/recorder"
)

// TestRecordCommand runs the record subcommand against the demo portal with
// the provider's environment variables and loads the file it wrote.
func TestRecordCommand(t *testing.T) {
	p := fakeportal.New(fakeportal.DefaultFixtures())
	srv := p.Start()
	t.Cleanup(func() { p.Close(); srv.Close() })
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "BITRIX24_") {
			t.Setenv(name, "")
		}
	}
	t.Setenv("BITRIX24_WEBHOOK_URL", srv.URL+"/rest/1/demowebhookcode1/")
	out := filepath.Join(t.TempDir(), "recorded.json")
	if err := record([]string{"-ids", "chat42,5", "-ids", "sg103", "-search", "Release train", "-anonymize", "-out", out}); err != nil {
		t.Fatal(err)
	}
	f, err := fakeportal.LoadFixtures(out)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(out)
	if len(f.Dialogs) != 4 || len(f.Webhooks) != 1 || strings.Contains(string(data), "demowebhookcode1") || strings.Contains(string(data), "Olga") {
		t.Errorf("the recording:\n%s", data)
	}
	for args, want := range map[string]string{
		"-ids chat42":                   "-out FILE is required",
		"-out x.json":                   "give -ids or -search",
		"-out x.json -ids chat42 extra": "unexpected argument",
	} {
		if err := record(strings.Fields(args)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("record %s: %v, want %q", args, err, want)
		}
	}
	t.Setenv("BITRIX24_WEBHOOK_URL", "")
	err = record([]string{"-ids", "chat42", "-out", out})
	if err == nil || !strings.Contains(err.Error(), "no Bitrix24 credentials") {
		t.Errorf("without credentials: %v", err)
	} else if msg := errorMessage(err); !strings.Contains(msg, recorder.AuthHelp) {
		t.Errorf("without credentials, the command shows %q without the environment variables", msg)
	}
	if msg := errorMessage(errors.New("other")); msg != "bitrix24-fakeportal: other" {
		t.Errorf("another error shows as %q", msg)
	}
}
