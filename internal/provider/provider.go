// Package provider is the Terraform side of the Bitrix24 provider: the
// provider schema and configuration, and the data sources.
package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/float64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var _ provider.Provider = (*bitrix24Provider)(nil)

// bitrix24Provider is the bitrix24 provider.
type bitrix24Provider struct {
	version string
}

// providerModel is the provider configuration.
type providerModel struct {
	PortalURL      types.String  `tfsdk:"portal_url"`
	WebhookURL     types.String  `tfsdk:"webhook_url"`
	UserID         types.String  `tfsdk:"user_id"`
	WebhookCode    types.String  `tfsdk:"webhook_code"`
	AccessToken    types.String  `tfsdk:"access_token"`
	RefreshToken   types.String  `tfsdk:"refresh_token"`
	ClientID       types.String  `tfsdk:"client_id"`
	ClientSecret   types.String  `tfsdk:"client_secret"`
	OAuthURL       types.String  `tfsdk:"oauth_url"`
	RateLimit      types.Float64 `tfsdk:"rate_limit"`
	RateLimitBurst types.Int64   `tfsdk:"rate_limit_burst"`
	MaxRetries     types.Int64   `tfsdk:"max_retries"`
	RequestTimeout types.String  `tfsdk:"request_timeout"`
	BatchWindow    types.String  `tfsdk:"batch_window"`
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
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads Bitrix24 chats through the Bitrix24 REST API. " +
			"Authenticate with an inbound webhook (`webhook_url`, or `portal_url` + `user_id` + `webhook_code`) " +
			"or an OAuth 2.0 access token (`portal_url` + `access_token`); configure exactly one. " +
			"The webhook or application needs the `im` scope. Every setting can also come from a `BITRIX24_*` " +
			"environment variable; a value in the configuration wins.",
		Attributes: map[string]schema.Attribute{
			"portal_url": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Portal address, for example `https://example.bitrix24.com`. Required with `user_id` + `webhook_code` " +
					"and with `access_token`; taken from `webhook_url` otherwise. Environment variable `" + envPortalURL + "`.",
			},
			"webhook_url": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				MarkdownDescription: "The full inbound webhook URL that Bitrix24 shows, `https://PORTAL/rest/USER_ID/CODE/` " +
					"(the trailing slash is optional). It holds the webhook code, so it is sensitive. Environment variable `" + envWebhookURL + "`.",
			},
			"user_id": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Id of the user who created the inbound webhook, the number after `/rest/` in its URL. Use with `webhook_code` and `portal_url`. Environment variable `" + envUserID + "`.",
			},
			"webhook_code": schema.StringAttribute{
				Optional:            true,
				Sensitive:           true,
				MarkdownDescription: "The inbound webhook's secret code, the last part of its URL. Use with `user_id` and `portal_url`. Environment variable `" + envWebhookCode + "`.",
			},
			"access_token": schema.StringAttribute{
				Optional:            true,
				Sensitive:           true,
				MarkdownDescription: "OAuth 2.0 access token of a Bitrix24 application, sent as the `auth` parameter. Use with `portal_url`. Environment variable `" + envAccessToken + "`.",
			},
			"refresh_token": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				MarkdownDescription: "OAuth refresh token. With `client_id` and `client_secret`, the provider refreshes an expired `access_token` once and retries. " +
					"Bitrix24 rotates refresh tokens, and the provider cannot store the new one, so a refresh token works for one refresh only. Environment variable `" + envRefreshToken + "`.",
			},
			"client_id": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "OAuth application id (`client_id`), for refreshing the access token. Environment variable `" + envClientID + "`.",
			},
			"client_secret": schema.StringAttribute{
				Optional:            true,
				Sensitive:           true,
				MarkdownDescription: "OAuth application secret (`client_secret`), for refreshing the access token. Environment variable `" + envClientSecret + "`.",
			},
			"oauth_url": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Token endpoint of the OAuth server. Defaults to `https://oauth.bitrix24.tech/oauth/token/`. Environment variable `" + envOAuthURL + "`.",
			},
			"rate_limit": schema.Float64Attribute{
				Optional: true,
				MarkdownDescription: "Requests per second the provider sends once its burst is spent, matching the portal's leaky bucket: `2` (the default) " +
					"for most plans, `5` for Enterprise. Environment variable `" + envRateLimit + "`.",
				Validators: []validator.Float64{float64validator.Between(0.01, 1000)},
			},
			"rate_limit_burst": schema.Int64Attribute{
				Optional:            true,
				MarkdownDescription: "Requests the provider may send at once before `rate_limit` applies: `50` (the default) for most plans, `250` for Enterprise. Environment variable `" + envRateLimitBurst + "`.",
				Validators:          []validator.Int64{int64validator.Between(1, 10000)},
			},
			"max_retries": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: "How many times a read is retried when the portal is busy or unreachable (QUERY_LIMIT_EXCEEDED, 5xx, resets, timeouts), " +
					"with exponential backoff. Default `5`; `0` disables retries. Environment variable `" + envMaxRetries + "`.",
				Validators: []validator.Int64{int64validator.Between(0, 20)},
			},
			"request_timeout": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Time limit of one HTTP request, as a Go duration such as `30s` (the default) or `2m`. Environment variable `" + envRequestTimeout + "`.",
				Validators:          []validator.String{durationBetween(time.Second, time.Hour)},
			},
			"batch_window": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "`bitrix24_dialog` reads that run at the same time share `batch` calls of up to 50 reads. A batch leaves once no " +
					"read has joined it for this long (at most 5 windows), or later while another batch is in flight or the rate limit would hold it " +
					"anyway (at most 20 windows after the batch in flight is answered). A Go duration; default `10ms`; `0s` sends every read on its own. " +
					"Environment variable `" + envBatchWindow + "`.",
				Validators: []validator.String{durationBetween(0, time.Second)},
			},
		},
	}
}

func (p *bitrix24Provider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewDialogDataSource,
		NewDialogsDataSource,
	}
}

func (p *bitrix24Provider) Resources(_ context.Context) []func() resource.Resource {
	return nil
}
