package provider

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/bitrix24"
)

// providerData is what the provider hands its data sources.
type providerData struct {
	client *bitrix24.Client
}

// dataSourceProviderData is the providerData handed to a data source's
// Configure, or nil before the provider is configured.
func dataSourceProviderData(req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) *providerData {
	if req.ProviderData == nil {
		return nil
	}
	data, ok := req.ProviderData.(*providerData)
	if !ok {
		resp.Diagnostics.AddError("Unexpected Data Source Configure Type",
			fmt.Sprintf("Expected *provider.providerData, got %T. Please report this issue to the provider developers.", req.ProviderData))
		return nil
	}
	return data
}

// configuredClient is the provider's client for a data source's Read, or
// nil with an error when the provider was not configured first.
func configuredClient(data *providerData, diags interface{ AddError(string, string) }) *bitrix24.Client {
	if data == nil {
		diags.AddError("Bitrix24 provider not configured",
			"The provider was not configured before the data source was read. Please report this issue to the provider developers.")
		return nil
	}
	return data.client
}

// setting is one provider setting's value and where it came from.
type setting struct {
	settingSpec
	value string
	// fromConfig is true when the value came from the configuration.
	fromConfig bool
}

// settings are the resolved provider settings by attribute name.
type settings map[string]setting

func (s setting) set() bool { return s.value != "" }

// source names where a setting came from, for diagnostics.
func (s setting) source() string {
	if s.fromConfig {
		return fmt.Sprintf("%q in the provider configuration", s.attr)
	}
	return fmt.Sprintf("%q from the environment variable %s", s.attr, s.env)
}

// readSettings takes each setting from the configuration when it is set
// there, else from its environment variable. A value unknown until apply
// cannot configure a client.
func readSettings(ctx context.Context, config tfsdk.Config) (settings, diag.Diagnostics) {
	var diags diag.Diagnostics
	out := make(settings, len(settingSpecs))
	for _, spec := range settingSpecs {
		s := setting{settingSpec: spec}
		p := path.Root(spec.attr)
		var unknown, null bool
		switch spec.kind {
		case kindInt, kindFloat:
			var v types.Float64
			diags.Append(config.GetAttribute(ctx, p, &v)...)
			unknown, null = v.IsUnknown(), v.IsNull()
			s.value = strconv.FormatFloat(v.ValueFloat64(), 'f', -1, 64)
		default:
			var v types.String
			diags.Append(config.GetAttribute(ctx, p, &v)...)
			unknown, null = v.IsUnknown(), v.IsNull()
			s.value = v.ValueString()
		}
		if unknown {
			diags.AddAttributeError(p, "Unknown Bitrix24 "+spec.attr,
				fmt.Sprintf("The provider cannot create the Bitrix24 API client because %q is unknown until apply. "+
					"Set it to a value known at plan time, or leave it out of the configuration and use the %s environment variable.", spec.attr, spec.env))
			continue
		}
		out[spec.attr] = newSetting(spec, s.value, !null, os.Getenv)
	}
	return out, diags
}

// newSetting is one setting's value: the configuration's when inConfig,
// else its environment variable's. Surrounding white space is trimmed
// either way, so that a secret read with file() loses its trailing newline
// as one from the environment does, and what is sent is what is masked. A
// configuration value that is empty once trimmed (a variable whose default
// is "") is no value: the environment variable applies, as for null.
func newSetting(spec settingSpec, configValue string, inConfig bool, getenv func(string) string) setting {
	value := strings.TrimSpace(configValue)
	if !inConfig || value == "" {
		value, inConfig = strings.TrimSpace(getenv(spec.env)), false
	}
	return setting{settingSpec: spec, value: value, fromConfig: inConfig}
}

func (p *bitrix24Provider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	s, diags := readSettings(ctx, req.Config)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	auth, diags := resolveAuth(s)
	resp.Diagnostics.Append(diags...)
	clientCfg, diags := resolveTuning(s)
	resp.Diagnostics.Append(diags...)
	rootCAs, diags := resolveCAs(ctx, s)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(plainHTTPWarning(auth)...)
	clientCfg.Auth = auth
	clientCfg.RootCAs = rootCAs
	clientCfg.Logger = tflogLogger{}
	clientCfg.UserAgent = "terraform-provider-bitrix24/" + p.version

	client, err := bitrix24.New(clientCfg)
	if err != nil {
		resp.Diagnostics.AddError("Cannot create the Bitrix24 API client", err.Error())
		return
	}
	ctx = maskSecrets(ctx, client.Redactor())
	mode := "webhook"
	if auth.OAuth != nil {
		mode = "oauth"
	}
	tflog.Debug(ctx, "Configured the Bitrix24 client", map[string]any{
		"auth": mode, "rate_limit": clientCfg.RateLimit, "rate_limit_burst": clientCfg.RateLimitBurst,
		"max_retries": clientCfg.MaxRetries, "busy_timeout": clientCfg.BusyTimeout.String(),
		"request_timeout": clientCfg.RequestTimeout.String(), "batch_window": clientCfg.BatchWindow.String(),
		"custom_ca": rootCAs != nil,
	})
	// One request per configuration: a refused webhook or token fails here
	// once instead of in every read.
	resp.Diagnostics.Append(checkCredentials(ctx, client, clientCfg, s)...)
	if resp.Diagnostics.HasError() {
		return
	}
	data := &providerData{client: client}
	resp.DataSourceData = data
	resp.ResourceData = data
	resp.ActionData = data
	resp.ListResourceData = data
}

// resolveTuning parses the settings that tune the client, with the table's
// bounds.
func resolveTuning(s settings) (bitrix24.Config, diag.Diagnostics) {
	var diags diag.Diagnostics
	cfg := bitrix24.Config{
		RateLimit:      bitrix24.DefaultRateLimit,
		RateLimitBurst: bitrix24.DefaultRateLimitBurst,
		MaxRetries:     bitrix24.DefaultMaxRetries,
		BusyTimeout:    bitrix24.DefaultBusyTimeout,
		RequestTimeout: bitrix24.DefaultRequestTimeout,
		BatchWindow:    bitrix24.DefaultBatchWindow,
	}
	for _, spec := range settingSpecs {
		st := s[spec.attr]
		if spec.apply == nil || !st.set() {
			continue
		}
		v, err := spec.parse(st.value)
		if err != nil {
			addSettingError(&diags, st, "Invalid Bitrix24 "+spec.attr,
				fmt.Sprintf("The value of %s %s; got %s.", st.source(), err, quoteSetting(spec, st.value)))
			continue
		}
		spec.apply(&cfg, v)
	}
	return cfg, diags
}

// addSettingError reports a bad setting. Terraform prints the
// configuration line an attribute error points at, literal and all, so
// errors about a secret point at the provider block instead; errors about a
// value from the environment have no configuration line to point at.
func addSettingError(diags *diag.Diagnostics, s setting, summary, detail string) {
	switch {
	case s.sensitive && s.fromConfig:
		diags.AddError(summary, detail+"\n\n(Setting: "+s.attr+". The configuration line is not shown because it holds a secret.)")
	case s.sensitive:
		diags.AddError(summary, detail)
	default:
		diags.AddAttributeError(path.Root(s.attr), summary, detail)
	}
}
