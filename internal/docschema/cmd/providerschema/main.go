// Command providerschema writes the provider's schema as `terraform
// providers schema -json` (Terraform 1.15) writes it, without a Terraform
// CLI, for `tfplugindocs generate --providers-schema` (make generate):
//
//	go run ./internal/docschema/cmd/providerschema -o .tools/providers-schema.json
//
// Without -o it writes to standard output.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/docschema"
)

func main() {
	out := flag.String("o", "", "write the JSON to this file instead of standard output")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "providerschema:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	data, err := docschema.JSON(context.Background())
	if err != nil {
		return err
	}
	if out == "" {
		_, err = os.Stdout.Write(data)
		return err
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	return os.WriteFile(out, data, 0o644) //nolint:gosec // a schema, no secret
}
