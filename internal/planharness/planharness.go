// Package planharness runs `terraform plan` with a locally built provider
// under dev_overrides, as a user would: the one recipe that the acceptance
// tests, the benchmark and the offline demo share.
package planharness

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// ProviderSource is the provider's registry address.
const ProviderSource = "tf-bitrix24/bitrix24"

// BinaryName is the provider binary's file name.
const BinaryName = "terraform-provider-bitrix24"

// BuildProvider builds the provider from the module at root into
// dir/BinaryName, with the race detector when race is set.
func BuildProvider(root, dir string, race bool) error {
	args := []string{"build"}
	if race {
		args = append(args, "-race")
	}
	args = append(args, "-o", filepath.Join(dir, BinaryName), ".")
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	return nil
}

// CLIConfig is a Terraform CLI configuration that takes the provider from
// providerDir (dev_overrides) and every other provider as usual.
func CLIConfig(providerDir string) string {
	return fmt.Sprintf("provider_installation {\n  dev_overrides {\n    %q = %q\n  }\n  direct {}\n}\n", ProviderSource, providerDir)
}

// WriteCLIConfig writes CLIConfig into dir and returns the file's path.
func WriteCLIConfig(dir, providerDir string) (string, error) {
	path := filepath.Join(dir, "terraformrc")
	return path, os.WriteFile(path, []byte(CLIConfig(providerDir)), 0o600)
}

// Env is this process's environment without what would change a plan
// behind its back (BITRIX24_* settings, TF_LOG*, TF_CLI_* and proxy
// variables), plus the CLI configuration at cliConfig and extra.
func Env(cliConfig string, extra map[string]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "BITRIX24_") || strings.HasPrefix(name, "TF_LOG") || strings.HasPrefix(name, "TF_CLI_") ||
			strings.HasSuffix(strings.ToUpper(name), "_PROXY") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "TF_CLI_CONFIG_FILE="+cliConfig, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
	for k, v := range extra {
		env = append(env, k+"="+v)
	}
	return env
}

// Result is one plan's combined output, error and wall time.
type Result struct {
	Output string
	Err    error
	Took   time.Duration
}

// Plan runs `terraform plan` in dir with env. Its output is returned and,
// when echo is not nil, copied there as it comes.
func Plan(ctx context.Context, terraform, dir string, env []string, echo io.Writer) Result {
	cmd := exec.CommandContext(ctx, terraform, "plan", "-input=false", "-no-color", "-lock=false")
	cmd.Dir = dir
	cmd.Env = env
	var out bytes.Buffer
	var w io.Writer = &out
	if echo != nil {
		w = io.MultiWriter(&out, echo)
	}
	cmd.Stdout, cmd.Stderr = w, w
	start := time.Now()
	err := cmd.Run()
	return Result{Output: out.String(), Err: err, Took: time.Since(start)}
}
