package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/bitrix24"
)

// checkCredentials asks the portal once, when the provider is configured,
// which scopes the credentials have (the scope method, which needs no scope
// itself). Terraform prints every error of every data source read and
// consolidates only warnings, so a refused webhook or token is reported
// here, once, instead of once per read: the configuration fails and no data
// source is read.
//
// It fails the configuration only when the portal's auth layer refused the
// credentials (bitrix24.AuthRefused) or the answer lacks the im scope. A
// check that fails for any other reason (the portal busy, 5xx, resets,
// timeouts, an answer it cannot read) is logged as a warning and the reads
// go ahead: they retry on their own and report the fault if it lasts. The
// user scopes are not checked: only bitrix24_user needs them, and it says so.
//
// An expired (or unknown) access token with refresh settings is not
// refreshed for the check: the first read that needs it refreshes it.
// Bitrix24 replaces the refresh token on every refresh and the provider
// cannot store the new one, so a refresh in every configuration would use
// the configured refresh token up in the first: `terraform apply`
// configures the provider again for its apply walk, which then fails with
// invalid_grant although it has nothing to read.
func checkCredentials(ctx context.Context, client *bitrix24.Client, cfg bitrix24.Config, s settings) diag.Diagnostics {
	var diags diag.Diagnostics
	auth := cfg.Auth
	if o := auth.OAuth; o != nil && o.RefreshToken != "" {
		// The same settings without the refresh ones: a client that
		// reports expired_token instead of refreshing. It sends the one
		// request before any read, so its own flow control and breaker
		// see all there is to see.
		plain := *o
		plain.RefreshToken, plain.ClientID, plain.ClientSecret = "", "", ""
		cfg.Auth = bitrix24.Auth{OAuth: &plain}
		var err error
		if client, err = bitrix24.New(cfg); err != nil {
			tflog.Warn(ctx, "The Bitrix24 credential check was skipped", map[string]any{"error": err.Error()})
			return diags
		}
	}
	// The settings the auth mode was built from (pickAuthMode empties the
	// environment variables of the other modes), to name in diagnostics.
	if _, chosen, ok := pickAuthMode(s, &diag.Diagnostics{}); ok {
		s = chosen
	}
	scopes, err := client.Scopes(ctx)
	switch {
	case err == nil:
	case auth.OAuth != nil && auth.OAuth.RefreshToken != "" &&
		(bitrix24.HasCode(err, bitrix24.CodeExpiredToken) || bitrix24.HasCode(err, bitrix24.CodeInvalidToken)):
		tflog.Debug(ctx, "The Bitrix24 access token has expired or is unknown; the first read refreshes it", map[string]any{"error": err.Error()})
		return diags
	case bitrix24.AuthRefused(err):
		diags.AddError("Bitrix24 portal refused the credentials", cutDetail(refusedDetail(err, auth, s)))
		return diags
	default:
		if ctx.Err() == nil {
			tflog.Warn(ctx, "The Bitrix24 credential check (scope) failed for a reason that may pass; the reads go ahead and report it if it lasts",
				map[string]any{"error": err.Error()})
		}
		return diags
	}
	tflog.Debug(ctx, "Checked the Bitrix24 credentials", map[string]any{"scopes": strings.Join(scopes, ",")})
	if slices.Contains(scopes, bitrix24.ScopeIM) {
		return diags
	}
	// A token whose OAuth answer carries no scope is not checked for one
	// (rest/lib/oauth/auth.php::onRestCheckAuth: isset($tokenInfo['scope'])),
	// and answers [""]: only a webhook without scopes is certain to lack im.
	if len(scopes) == 0 && auth.OAuth != nil {
		tflog.Warn(ctx, "The Bitrix24 portal lists no scopes for the access token; the reads go ahead", nil)
		return diags
	}
	diags.AddError("Bitrix24 credentials lack the im scope", cutDetail(missingIMDetail(scopes, auth, s)))
	return diags
}

func cutDetail(detail string) string {
	if len(detail) > maxDetailBytes {
		detail = strings.ToValidUTF8(detail[:maxDetailBytes], "") + "…"
	}
	return detail
}

// credentialSettings names the settings that hold the credentials, and
// where each came from: what a refused credential asks to fix.
func credentialSettings(auth bitrix24.Auth, s settings) string {
	var attrs []string
	switch {
	case auth.OAuth != nil:
		attrs = []string{attrAccessToken}
	case s[attrWebhookURL].set():
		attrs = []string{attrWebhookURL}
	default:
		attrs = []string{attrUserID, attrWebhookCode}
	}
	names := make([]string, len(attrs))
	for i, a := range attrs {
		names[i] = s[a].source()
	}
	return strings.Join(names, " and ")
}

// refusedDetail is the detail of the error that the portal refused the
// credentials: the portal's code, the setting to fix and what to do.
func refusedDetail(err error, auth bitrix24.Auth, s settings) string {
	where := credentialSettings(auth, s)
	const after = "\n\nThe provider checks the credentials once, when it is configured (the scope method), so no data source was read."
	var apiErr *bitrix24.APIError
	if !errors.As(err, &apiErr) {
		return err.Error() + after
	}
	what := "webhook"
	if auth.OAuth != nil {
		what = "access token"
	}
	answer := fmt.Sprintf("The portal refused the %s set by %s: it answered the credential check (%s) with HTTP %d, error %s%s.",
		what, where, apiErr.Method, apiErr.HTTPStatus, codeOrNone(apiErr.Code), describe(apiErr.Description))
	return answer + "\n\n" + refusedHint(apiErr, auth, where) + after
}

// refusedHint says what to do about a refusal, in the words of the auth
// mode; codes with nothing mode-specific to say get codeHint's advice.
func refusedHint(e *bitrix24.APIError, auth bitrix24.Auth, where string) string {
	switch {
	case auth.OAuth == nil && (bitrix24.SameCode(e.Code, bitrix24.CodeInvalidCredentials) || bitrix24.SameCode(e.Code, bitrix24.CodeNoAuthFound)):
		return "The webhook's user id or code is wrong: the webhook may have been deleted or its code regenerated. Copy the " +
			"webhook URL again from the portal (Developer resources → Inbound webhook) and set it in " + where + "."
	case auth.OAuth != nil && (bitrix24.SameCode(e.Code, bitrix24.CodeInvalidToken) || bitrix24.SameCode(e.Code, bitrix24.CodeNoAuthFound)):
		return "The portal does not know the access token: it may belong to another portal, or the application was removed. " +
			"Set a valid access token in " + where + "."
	case bitrix24.SameCode(e.Code, bitrix24.CodeExpiredToken):
		return "The OAuth access token has expired (tokens live one hour). Set a fresh one in " + where + ", or set " +
			"refresh_token, client_id and client_secret (BITRIX24_REFRESH_TOKEN, BITRIX24_CLIENT_ID, BITRIX24_CLIENT_SECRET) " +
			"so that the provider refreshes it."
	}
	return codeHint(e)
}

// maxListedScopes bounds the scopes a diagnostic lists.
const maxListedScopes = 20

// missingIMDetail says that the credentials lack im, lists the scopes they
// have, and says how to add it.
func missingIMDetail(scopes []string, auth bitrix24.Auth, s settings) string {
	what, fix := "webhook", "Edit the inbound webhook in the portal (Developer resources → Inbound webhook), tick "+
		"\"Chat and notifications (im)\" in its permissions, save, and run Terraform again."
	if auth.OAuth != nil {
		what, fix = "access token", "Add the im scope (Chat and notifications) to the application's permissions in the portal, "+
			"reinstall or re-authorize the application, and set the new access token."
	}
	has := "no scopes at all"
	if len(scopes) > 0 {
		shown := make([]string, 0, maxListedScopes)
		for i, sc := range scopes {
			if i == maxListedScopes {
				break
			}
			shown = append(shown, bitrix24.Visible(sc))
		}
		has = "the scopes " + strings.Join(shown, ", ")
		if len(scopes) > maxListedScopes {
			has += fmt.Sprintf(" and %d more", len(scopes)-maxListedScopes)
		}
	}
	return fmt.Sprintf("The portal says the %s set by %s has %s, but not im (Chat and notifications), which every read of a chat "+
		"needs.\n\n%s\n\nThe provider checks the credentials once, when it is configured (the scope method), so no data source was read.",
		what, credentialSettings(auth, s), has, fix)
}
