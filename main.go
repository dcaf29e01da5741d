// Command terraform-provider-bitrix24 serves the Bitrix24 provider to
// Terraform and OpenTofu.
package main

import (
	"context"
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/provider"
)

// version is set by goreleaser at build time.
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "set to true to run the provider with support for debuggers like delve")
	flag.Parse()

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/tf-bitrix24/bitrix24",
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}
