package provider

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The tests in this file's callers run the real provider binary under a
// real `terraform plan`, as a user does, so that everything Terraform and
// the provider print can be searched and timed.

var (
	buildOnce   sync.Once
	providerDir string
	buildErr    error
	buildOutput []byte
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
		// With the race detector: these plans run the provider's
		// concurrent paths for real.
		cmd := exec.Command("go", "build", "-race", "-o", filepath.Join(providerDir, "terraform-provider-bitrix24"), ".")
		cmd.Dir = root
		buildOutput, buildErr = cmd.CombinedOutput()
	})
	if buildErr != nil {
		t.Fatalf("building the provider: %v\n%s", buildErr, buildOutput)
	}
	return providerDir
}

type planResult struct {
	output string
	err    error
	took   time.Duration
}

// runPlan runs `terraform plan` on config with the provider under
// dev_overrides and no BITRIX24_* variables but those in env.
func runPlan(t *testing.T, config string, env map[string]string) planResult {
	t.Helper()
	bin := providerBinaryDir(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	rc := filepath.Join(dir, "terraformrc")
	if err := os.WriteFile(rc, []byte(`provider_installation {
  dev_overrides {
    "tf-bitrix24/bitrix24" = "`+bin+`"
  }
  direct {}
}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Getenv("TF_ACC_TERRAFORM_PATH"), "plan", "-input=false", "-no-color", "-lock=false")
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "BITRIX24_") || strings.HasPrefix(name, "TF_LOG") || strings.HasPrefix(name, "TF_CLI_") ||
			strings.HasSuffix(strings.ToUpper(name), "_PROXY") {
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	cmd.Env = append(cmd.Env, "TF_CLI_CONFIG_FILE="+rc, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	start := time.Now()
	err := cmd.Run()
	res := planResult{output: out.String(), err: err, took: time.Since(start)}
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
