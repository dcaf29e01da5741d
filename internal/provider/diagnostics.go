package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/bitrix24"
)

// readErrorDiagnostic turns a failed read of one dialog into a diagnostic
// summary and detail: what failed, the portal's code and description, and
// what to do next.
func readErrorDiagnostic(dialogID string, err error) (summary, detail string) {
	summary = fmt.Sprintf("Cannot read Bitrix24 dialog %q", dialogID)
	var (
		apiErr       *bitrix24.APIError
		respErr      *bitrix24.ResponseError
		timeoutErr   *bitrix24.TimeoutError
		transportErr *bitrix24.TransportError
		oauthErr     *bitrix24.OAuthError
		exhausted    *bitrix24.RetriesExhaustedError
	)
	var tries string
	if errors.As(err, &exhausted) {
		tries = fmt.Sprintf(" (after %d attempts)", exhausted.Attempts)
	}
	switch {
	case errors.As(err, &oauthErr):
		detail = fmt.Sprintf("The access token expired and refreshing it failed: HTTP %d %s: %s.\n\n%s",
			oauthErr.HTTPStatus, oauthErr.Code, oauthErr.Description, oauthHint(oauthErr.Code))
	case errors.As(err, &apiErr):
		detail = fmt.Sprintf("The portal answered %s with HTTP %d, error %s%s%s.\n\n%s",
			apiErr.Method, apiErr.HTTPStatus, codeOrNone(apiErr.Code), describe(apiErr.Description), tries, codeHint(apiErr))
	case errors.As(err, &respErr):
		detail = fmt.Sprintf("The portal answered %s with HTTP %d%s that is not a Bitrix24 REST answer: %s%s.",
			respErr.Method, respErr.HTTPStatus, contentType(respErr.ContentType), respErr.Reason, tries)
		if respErr.Snippet != "" {
			detail += fmt.Sprintf("\nThe body starts with: %s", respErr.Snippet)
		}
		detail += "\n\nCheck that portal_url (or webhook_url) points at the Bitrix24 portal itself. " +
			"If the portal is being updated or a proxy failed, run Terraform again later."
	case errors.As(err, &timeoutErr):
		detail = fmt.Sprintf("The portal did not answer %s within request_timeout (%s)%s.\n\n"+
			"Check that the portal is up and reachable from here, or raise request_timeout (BITRIX24_REQUEST_TIMEOUT).",
			timeoutErr.Method, timeoutErr.Timeout, tries)
	case errors.As(err, &transportErr):
		detail = fmt.Sprintf("The provider could not reach the portal for %s%s: %s.\n\n"+
			"Check portal_url (or webhook_url), DNS, proxies and firewalls between here and the portal.",
			transportErr.Method, tries, transportErr.Message)
	case errors.Is(err, context.Canceled):
		detail = "The read was cancelled before the portal answered (Terraform was interrupted)."
	case errors.Is(err, context.DeadlineExceeded):
		detail = "The read ran out of time before the portal answered."
	default:
		detail = fmt.Sprintf("%s%s.", err, tries)
	}
	return summary, detail
}

func codeOrNone(code string) string {
	if code == "" {
		return `"" (no code)`
	}
	return code
}

func describe(desc string) string {
	if desc == "" {
		return ""
	}
	return ": " + strings.TrimSuffix(desc, ".")
}

func contentType(ct string) string {
	if ct == "" {
		return ""
	}
	return fmt.Sprintf(" (Content-Type %s)", ct)
}

// codeHint says what to do about a portal error code.
func codeHint(e *bitrix24.APIError) string {
	switch strings.ToUpper(e.Code) {
	case "ACCESS_ERROR":
		return "The user of the webhook or token cannot read this dialog. The webhook's user must be a member of the chat: " +
			"add that user to the chat, or use a webhook created by a member. A private dialog is reached by the other user's id " +
			"and exists only after the two users have exchanged messages."
	case "DIALOG_ID_EMPTY":
		return "The portal did not accept the dialog id. Use chatN for a chat (for example chat1439), sgN for a workgroup chat, " +
			"crmN, or a user id for a private dialog."
	case "NO_AUTH_FOUND", "INVALID_CREDENTIALS", "INVALID_TOKEN":
		return "The portal did not accept the credentials. The webhook may have been deleted or its code regenerated, or the token " +
			"belongs to another portal. Copy the webhook URL again from the portal (Developer resources → Inbound webhook) into " +
			"webhook_url (BITRIX24_WEBHOOK_URL), or set a valid access_token. The webhook needs the im scope."
	case "EXPIRED_TOKEN":
		return "The OAuth access token has expired (tokens live one hour). Set a fresh access_token, or set refresh_token, " +
			"client_id and client_secret so the provider refreshes it. The application needs the im scope."
	case "INSUFFICIENT_SCOPE":
		return "The webhook or application lacks the im scope (Chat and notifications). Edit the inbound webhook in the portal, " +
			"tick the im scope and save, then run Terraform again."
	case "ERROR_METHOD_NOT_FOUND":
		return "The portal does not offer im.dialog.get. Check that portal_url points at a Bitrix24 portal, and that the Chat (im) " +
			"module is installed on a self-hosted portal."
	case "QUERY_LIMIT_EXCEEDED":
		return "The portal's request rate limit was still exceeded after the retries. Other applications may share the limit: " +
			"lower rate_limit or rate_limit_burst, raise max_retries, or run Terraform with a lower -parallelism."
	case "OPERATION_TIME_LIMIT":
		when := "within 10 minutes"
		if !e.OperatingResetAt.IsZero() {
			when = fmt.Sprintf("at %s (in %s)", e.OperatingResetAt.UTC().Format(time.RFC3339),
				time.Until(e.OperatingResetAt).Round(time.Second))
		}
		return fmt.Sprintf("The portal blocked %s for this webhook or application because it used too much server time. "+
			"The method unblocks %s; run Terraform again after that.", e.Method, when)
	case "OVERLOAD_LIMIT":
		return "The portal's REST API is blocked because of overload. Retrying does not help: ask the portal's administrator or Bitrix24 support to lift the block."
	case "INTERNAL_SERVER_ERROR", "ERROR_UNEXPECTED_ANSWER", "":
		return "The portal failed while answering. Run Terraform again in a few minutes; raise max_retries if it keeps happening."
	case "PAYMENT_REQUIRED", "ACCESS_DENIED":
		return "The portal refused REST access. The portal's plan may not include the REST API, or the user may be blocked."
	}
	return "Look the code up in the Bitrix24 REST API documentation (error codes) and fix the cause."
}

func oauthHint(code string) string {
	switch code {
	case bitrix24.CodeInvalidGrant:
		return "The refresh token is invalid, expired (after 180 days) or already used: Bitrix24 replaces the refresh token on every refresh. " +
			"Obtain new tokens for the application and update access_token and refresh_token."
	case bitrix24.CodeInvalidClient:
		return "client_id or client_secret is wrong. Copy them from the application's settings in the portal."
	}
	return "Check oauth_url, client_id and client_secret, or set a fresh access_token."
}
