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
	summary, detail = readErrorText(dialogID, err)
	if len(detail) > maxDetailBytes {
		detail = strings.ToValidUTF8(detail[:maxDetailBytes], "") + "…"
	}
	return summary, detail
}

// maxDetailBytes bounds one diagnostic's detail. Each piece of portal text
// in it is already bounded (bitrix24.Redactor.Clean).
const maxDetailBytes = 4096

func readErrorText(dialogID string, err error) (summary, detail string) {
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
		if exhausted.Busy {
			tries = fmt.Sprintf(" (after %d attempts in %s)", exhausted.Attempts, exhausted.Waited.Round(time.Second))
		}
		if exhausted.RetryAfter > 0 {
			// Not "busy for all of busy_timeout": the portal asked for longer.
			_, detail = readErrorText(dialogID, exhausted.Last)
			return summary, fmt.Sprintf("%s\n\nThe portal asked to wait %s (Retry-After) before trying again, beyond busy_timeout (%s), "+
				"so the provider did not wait. Run Terraform again after that, or raise busy_timeout (BITRIX24_BUSY_TIMEOUT).",
				strings.SplitN(detail, "\n\n", 2)[0], bitrix24.ShortDuration(exhausted.RetryAfter), bitrix24.ShortDuration(exhausted.BusyTimeout))
		}
	}
	var down *bitrix24.PortalDownError
	if errors.As(err, &down) {
		_, last := readErrorDiagnostic(dialogID, down.Last)
		return summary, fmt.Sprintf("The portal did not answer %d requests in a row, so this read was not sent: the portal looks down "+
			"or unreachable from here. The last failure:\n\n%s", down.Failures, last)
	}
	var valueErr *bitrix24.ValueError
	switch {
	case errors.As(err, &valueErr):
		detail = fmt.Sprintf("The portal answered %s, but its key %q holds %q, which is not %s. The provider does not store a "+
			"null or a guess in its place.\n\nCheck that portal_url (or webhook_url) points at the Bitrix24 portal itself. If it does, "+
			"the portal's version answers this key in a form the provider does not know: report the key and the portal's version "+
			"to the provider developers.", valueErr.Method, valueErr.Key, valueErr.Value, valueErr.Want)
	case errors.As(err, &oauthErr):
		detail = fmt.Sprintf("The access token expired or was refused, and %s.\n\n%s",
			strings.Replace(oauthErr.Error(), "refreshing the OAuth access token failed", "refreshing it failed", 1), oauthHint(oauthErr.Code))
	case errors.As(err, &apiErr):
		detail = fmt.Sprintf("The portal answered %s with HTTP %d, error %s%s%s.\n\n%s",
			methodPhrase(apiErr.Method), apiErr.HTTPStatus, codeOrNone(apiErr.Code), describe(apiErr.Description), tries, codeHint(apiErr))
	case errors.As(err, &respErr):
		detail = fmt.Sprintf("The portal answered %s with HTTP %d%s that is not a Bitrix24 REST answer: %s%s.",
			methodPhrase(respErr.Method), respErr.HTTPStatus, contentType(respErr.ContentType), respErr.Reason, tries)
		if respErr.Snippet != "" {
			detail += fmt.Sprintf("\nThe body starts with: %s", respErr.Snippet)
		}
		detail += "\n\nCheck that portal_url (or webhook_url) points at the Bitrix24 portal itself. " +
			"If the portal is being updated or a proxy failed, run Terraform again later."
	case errors.As(err, &timeoutErr):
		detail = fmt.Sprintf("The portal did not answer %s within request_timeout (%s)%s.\n\n"+
			"Check that the portal is up and reachable from here, or raise request_timeout (BITRIX24_REQUEST_TIMEOUT).",
			methodPhrase(timeoutErr.Method), timeoutErr.Timeout, tries)
	case errors.As(err, &transportErr) && transportErr.TLS:
		detail = fmt.Sprintf("The portal's TLS certificate is not trusted (%s): %s.\n\n"+
			"If the portal is self-hosted with a certificate from an internal CA or a self-signed one, give that CA in "+
			"ca_cert_pem or ca_cert_file (BITRIX24_CA_CERT_PEM, BITRIX24_CA_CERT_FILE). Otherwise check portal_url and any "+
			"proxy between here and the portal.", methodPhrase(transportErr.Method), transportErr.Message)
	case errors.As(err, &transportErr):
		detail = fmt.Sprintf("The provider could not reach the portal for %s%s: %s.\n\n"+
			"Check portal_url (or webhook_url), DNS, proxies and firewalls between here and the portal.",
			methodPhrase(transportErr.Method), tries, transportErr.Message)
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

// codeHints says what to do about a portal error code. Codes are compared
// case-insensitively (bitrix24.HasCode).
var codeHints = []struct {
	codes []string
	hint  func(e *bitrix24.APIError) string
}{
	{[]string{bitrix24.CodeAccessError}, fixed("The user of the webhook or token cannot read this dialog. The webhook's user must be a member of the chat: " +
		"add that user to the chat, or use a webhook created by a member. A private dialog is reached by the other user's id " +
		"and exists only after the two users have exchanged messages.")},
	{[]string{bitrix24.CodeDialogIDEmpty}, fixed("The portal did not accept the dialog id. Use " + dialogIDForms + ".")},
	{[]string{bitrix24.CodeNoAuthFound, bitrix24.CodeInvalidCredentials, bitrix24.CodeInvalidToken}, fixed("The portal did not accept the credentials. " +
		"The webhook may have been deleted or its code regenerated, or the token belongs to another portal. Copy the webhook URL again from the " +
		"portal (Developer resources → Inbound webhook) into webhook_url (BITRIX24_WEBHOOK_URL), or set a valid access_token. The webhook needs the im scope.")},
	{[]string{bitrix24.CodeExpiredToken}, fixed("The OAuth access token has expired (tokens live one hour). Set a fresh access_token, or set refresh_token, " +
		"client_id and client_secret so the provider refreshes it. The application needs the im scope.")},
	{[]string{bitrix24.CodeConnectionError}, fixed("The portal could not reach its own OAuth server to check the access token; the provider " +
		"retried. This passes: run Terraform again in a few minutes, or raise max_retries.")},
	{[]string{bitrix24.CodeInsufficientScope}, func(e *bitrix24.APIError) string {
		scope := "the im scope (Chat and notifications)"
		if e.Method == bitrix24.MethodUserGet {
			scope = "the user_basic scope (Users, basic information) or the user scope"
		}
		return "The webhook or application lacks " + scope + ". Edit the inbound webhook in the portal, tick it and save, " +
			"then run Terraform again."
	}},
	{[]string{bitrix24.CodeMethodNotFound}, func(e *bitrix24.APIError) string {
		return "The portal does not offer " + e.Method + ". Check that portal_url points at a Bitrix24 portal, and that the Chat (im) " +
			"module is installed on a self-hosted portal."
	}},
	{[]string{bitrix24.CodeQueryLimitExceeded}, fixed("The portal's request rate limit stayed exceeded for all of busy_timeout. Other plans and " +
		"applications share the limit: raise busy_timeout (BITRIX24_BUSY_TIMEOUT), run fewer plans at once, or lower -parallelism.")},
	{[]string{bitrix24.CodeOperationTimeLimit}, func(e *bitrix24.APIError) string {
		when := "within 10 minutes"
		if !e.OperatingResetAt.IsZero() {
			when = fmt.Sprintf("at %s (in %s)", e.OperatingResetAt.UTC().Format(time.RFC3339), e.UnblocksIn.Round(time.Second))
		}
		return fmt.Sprintf("The portal blocked %s for this webhook or application because it used too much server time. "+
			"The method unblocks %s; run Terraform again after that.", e.Method, when)
	}},
	{[]string{bitrix24.CodeOverloadLimit}, fixed("The portal's REST API is blocked because of overload. Retrying does not help: ask the portal's " +
		"administrator or Bitrix24 support to lift the block.")},
	{[]string{bitrix24.CodeInternalServerError, bitrix24.CodeUnexpectedAnswer, ""}, fixed("The portal failed while answering. Run Terraform " +
		"again in a few minutes; raise max_retries if it keeps happening.")},
	{[]string{bitrix24.CodePaymentRequired, bitrix24.CodeAccessDenied}, fixed("The portal refused REST access. The portal's plan may not " +
		"include the REST API, or the user may be blocked.")},
}

func fixed(s string) func(*bitrix24.APIError) string {
	return func(*bitrix24.APIError) string { return s }
}

// codeHint says what to do about a portal error code.
func codeHint(e *bitrix24.APIError) string {
	if e.Code == "" && (e.HTTPStatus == 429 || (e.HTTPStatus == 503 && e.RetryAfter > 0)) {
		return "The portal said it is busy for all of busy_timeout. Run Terraform again later, or raise busy_timeout (BITRIX24_BUSY_TIMEOUT)."
	}
	for _, h := range codeHints {
		for _, code := range h.codes {
			if bitrix24.SameCode(e.Code, code) {
				return h.hint(e)
			}
		}
	}
	return "Look the code up in the Bitrix24 REST API documentation (error codes) and fix the cause."
}

func oauthHint(code string) string {
	switch {
	case bitrix24.SameCode(code, bitrix24.CodeInvalidGrant):
		return "The refresh token is invalid, expired (after 180 days) or already used: Bitrix24 replaces the refresh token on every refresh. " +
			"Obtain new tokens for the application and update access_token and refresh_token."
	case bitrix24.SameCode(code, bitrix24.CodeInvalidClient):
		return "client_id or client_secret is wrong, or oauth_url is not the OAuth server of the application's portal. Copy client_id and " +
			"client_secret from the application's settings in the portal, and check oauth_url."
	}
	return "Check oauth_url: by default the provider asks the OAuth server the portal's domain zone uses (" + bitrix24.OAuthTokenURLTech +
		" for .ru .by .kz .am .az .ge .kg .uz, " + bitrix24.OAuthTokenURLInfo + " for the others); a portal that uses another one needs oauth_url. " +
		"Check client_id and client_secret too, or set a fresh access_token."
}

// methodPhrase names the request that failed: a batch call is named for
// what it carried.
func methodPhrase(method string) string {
	if method == bitrix24.MethodBatch {
		return "the batch call of im.dialog.get reads"
	}
	return method
}
