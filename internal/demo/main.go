// Command demo is `make demo`: it builds the provider, serves the fake
// portal on 127.0.0.1, and runs `terraform plan` of examples/demo against it
// with the provider under dev_overrides. No credentials and no network are
// needed (after the first build, which fetches Go modules).
//
//	go run ./internal/demo -terraform "$(bash .ci/terraform.sh)"
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/fakeportal"
	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/planharness"
)

// demoWebhook is the demo portal's webhook; it exists only in the fake.
const demoWebhook = "/rest/1/demowebhookcode1/"

func main() {
	tf := flag.String("terraform", "terraform", "the Terraform CLI to run")
	example := flag.String("example", "examples/demo", "the configuration to plan")
	flag.Parse()
	if err := run(*tf, *example); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(tf, example string) error {
	work, err := os.MkdirTemp("", "tf-bitrix24-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	bin := filepath.Join(work, "bin")
	if err := os.MkdirAll(bin, 0o700); err != nil {
		return err
	}
	fmt.Println("==> Building the provider (the first run compiles its dependencies: a few minutes)")
	if err := planharness.BuildProvider(".", bin, false); err != nil {
		return err
	}
	portal := fakeportal.New(fakeportal.DefaultFixtures())
	srv := portal.Start()
	defer func() { portal.Close(); srv.Close() }()
	fmt.Println("==> The fake portal serves", srv.URL)

	dir := filepath.Join(work, "demo")
	if err := copyTF(example, dir); err != nil {
		return err
	}
	rc, err := planharness.WriteCLIConfig(work, bin)
	if err != nil {
		return err
	}
	fmt.Printf("==> terraform plan (%s)\n", example)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	env := planharness.Env(rc, map[string]string{"BITRIX24_WEBHOOK_URL": srv.URL + demoWebhook})
	r := planharness.Plan(ctx, tf, dir, env, os.Stdout)
	fmt.Println("==> The fake portal received:", portal.Stats().Summary())
	return r.Err
}

// copyTF copies the .tf files of src into a new directory dst.
func copyTF(src, dst string) error {
	if err := os.MkdirAll(dst, 0o700); err != nil {
		return err
	}
	files, err := filepath.Glob(filepath.Join(src, "*.tf"))
	if err != nil || len(files) == 0 {
		return fmt.Errorf("no .tf files in %s", src)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, filepath.Base(f)), data, 0o600); err != nil {
			return err
		}
	}
	return nil
}
