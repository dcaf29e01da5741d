package provider_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/docschema"
	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/planharness"
	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/provider"
)

// The provider's address in the JSON of `terraform providers schema -json`.
const cliAddress = "registry.terraform.io/" + planharness.ProviderSource

// TestDocSchemaMatchesTerraform compares internal/docschema's JSON, which
// make generate hands to tfplugindocs, with what the Terraform CLI in
// TF_ACC_TERRAFORM_PATH prints for the provider built from this tree
// under dev_overrides. Only Terraform 1.14 and later print actions and
// list resources, so older CLIs and OpenTofu skip.
func TestDocSchemaMatchesTerraform(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 (and TF_ACC_TERRAFORM_PATH to Terraform 1.14 or later) to compare docschema with `terraform providers schema -json`")
	}
	provider.RequireActions(t)

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(provider.ProviderRequirement), 0o600); err != nil {
		t.Fatal(err)
	}
	rc, err := planharness.WriteCLIConfig(dir, provider.ProviderBinaryDir(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Getenv("TF_ACC_TERRAFORM_PATH"), "providers", "schema", "-json")
	cmd.Dir, cmd.Env = dir, planharness.Env(rc, nil)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("terraform providers schema -json: %v\n%s\n%s", err, stderr.String(), stdout.String())
	}

	got := providerEntry(t, "terraform providers schema -json", stdout.Bytes(), cliAddress)
	data, err := docschema.JSON(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := providerEntry(t, "docschema.JSON", data, docschema.Address)
	if path, detail := firstDifference("$", got, want); path != "" {
		t.Errorf("docschema's JSON for the provider differs from Terraform's at %s: %s", path, detail)
	}
}

// providerEntry is the JSON document's format version and the schemas
// of the provider at address, as generic JSON values.
func providerEntry(t *testing.T, source string, data []byte, address string) map[string]any {
	t.Helper()
	var doc struct {
		FormatVersion string         `json:"format_version"`
		Schemas       map[string]any `json:"provider_schemas"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("%s: not JSON: %v\n%s", source, err, data)
	}
	p, ok := doc.Schemas[address].(map[string]any)
	if !ok {
		keys := make([]string, 0, len(doc.Schemas))
		for k := range doc.Schemas {
			keys = append(keys, k)
		}
		t.Fatalf("%s: no provider %q among %q", source, address, keys)
	}
	return map[string]any{"format_version": doc.FormatVersion, "provider": p}
}

// firstDifference returns the JSON path of the first difference between
// got (Terraform's) and want (docschema's), in sorted key order, and what
// differs there; an empty path when they are equal.
func firstDifference(path string, got, want any) (string, string) {
	switch g := got.(type) {
	case map[string]any:
		w, ok := want.(map[string]any)
		if !ok {
			return path, fmt.Sprintf("Terraform has an object, docschema has %s", brief(want))
		}
		keys := map[string]bool{}
		for k := range g {
			keys[k] = true
		}
		for k := range w {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			gv, inG := g[k]
			wv, inW := w[k]
			at := path + "." + k
			switch {
			case !inW:
				return at, fmt.Sprintf("only Terraform has it: %s", brief(gv))
			case !inG:
				return at, fmt.Sprintf("only docschema has it: %s", brief(wv))
			}
			if p, d := firstDifference(at, gv, wv); p != "" {
				return p, d
			}
		}
		return "", ""
	case []any:
		w, ok := want.([]any)
		if !ok {
			return path, fmt.Sprintf("Terraform has an array, docschema has %s", brief(want))
		}
		for i := 0; i < len(g) && i < len(w); i++ {
			if p, d := firstDifference(fmt.Sprintf("%s[%d]", path, i), g[i], w[i]); p != "" {
				return p, d
			}
		}
		if len(g) != len(w) {
			return path, fmt.Sprintf("Terraform has %d elements, docschema %d", len(g), len(w))
		}
		return "", ""
	default:
		if !reflect.DeepEqual(got, want) {
			return path, fmt.Sprintf("Terraform has %s, docschema has %s", brief(got), brief(want))
		}
		return "", ""
	}
}

// brief is a JSON value in at most a line.
func brief(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	s := string(b)
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return strings.TrimSpace(s)
}
