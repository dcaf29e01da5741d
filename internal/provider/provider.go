// Package provider is the Terraform side of the Bitrix24 provider: the
// provider schema and configuration, and the data sources.
package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

var (
	_ provider.Provider              = (*bitrix24Provider)(nil)
	_ provider.ProviderWithFunctions = (*bitrix24Provider)(nil)
	// Actions and list resources need Terraform 1.14; older CLIs and
	// OpenTofu do not ask for them, and the rest works unchanged.
	_ provider.ProviderWithActions       = (*bitrix24Provider)(nil)
	_ provider.ProviderWithListResources = (*bitrix24Provider)(nil)
)

// bitrix24Provider is the bitrix24 provider.
type bitrix24Provider struct {
	version string
}

// New returns a function that makes the provider, for providerserver.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &bitrix24Provider{version: version}
	}
}

func (p *bitrix24Provider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "bitrix24"
	resp.Version = p.version
}

func (p *bitrix24Provider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	attrs := make(map[string]schema.Attribute, len(settingSpecs))
	for _, s := range settingSpecs {
		attrs[s.attr] = s.schemaAttribute()
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads Bitrix24 chats through the Bitrix24 REST API. " +
			"Authenticate with an inbound webhook (`webhook_url`, or `portal_url` + `user_id` + `webhook_code`) " +
			"or an OAuth 2.0 access token (`portal_url` + `access_token`); configure exactly one. " +
			"The webhook or application needs the `im` scope; the provider checks the credentials and the scope once, " +
			"when it is configured (one `scope` request), and fails with one error if the portal refuses them. Every setting can also come from a `BITRIX24_*` " +
			"environment variable; a value in the configuration wins. " + designLink + " for how the provider batches, paces " +
			"and retries its requests.",
		Attributes: attrs,
	}
}

func (p *bitrix24Provider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewDialogDataSource,
		NewDialogsDataSource,
		NewUserDataSource,
	}
}

func (p *bitrix24Provider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{NewChatResource}
}

func (p *bitrix24Provider) Functions(_ context.Context) []func() function.Function {
	return []func() function.Function{
		NewDialogIDFunction,
		NewParseDialogIDFunction,
	}
}

// Actions are the provider's actions (Terraform 1.14+).
func (p *bitrix24Provider) Actions(_ context.Context) []func() action.Action {
	return []func() action.Action{NewMessageAction}
}

// ListResources are the provider's list resources, for `terraform query`
// (Terraform 1.14+).
func (p *bitrix24Provider) ListResources(_ context.Context) []func() list.ListResource {
	return []func() list.ListResource{NewChatList}
}
