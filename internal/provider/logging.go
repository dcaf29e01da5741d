package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/bitrix24"
)

// tflogLogger sends the client's log lines to Terraform's log. The client
// masks secrets itself; maskSecrets adds tflog's own masking on top.
type tflogLogger struct{}

func (tflogLogger) Debug(ctx context.Context, msg string, fields map[string]any) {
	tflog.Debug(ownFields(ctx), msg, fields)
}

func (tflogLogger) Warn(ctx context.Context, msg string, fields map[string]any) {
	tflog.Warn(ownFields(ctx), msg, fields)
}

// ownFields gives one log line its own copy of the context's logger
// options. tflog applies masks by rewriting the context's field map in
// place, so goroutines that log with one context (the client's concurrent
// batch calls) would otherwise write one map at once and crash the
// provider with "concurrent map writes".
func ownFields(ctx context.Context) context.Context {
	return tflog.SetField(ctx, "component", "bitrix24_client")
}

// maskSecrets makes tflog mask every secret the client knows when it is
// called, in messages and field values. A token refreshed later in the same
// read is not in tflog's list; the client's own log lines pass its
// Redactor, which knows it.
func maskSecrets(ctx context.Context, r *bitrix24.Redactor) context.Context {
	if secrets := r.Secrets(); len(secrets) > 0 {
		ctx = tflog.MaskLogStrings(ctx, secrets...)
	}
	return ctx
}
