package bitrix24

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Error codes the portal returns that the client and provider treat specially.
// Codes are compared case-insensitively, since the portal mixes upper-case
// REST codes with lower-case OAuth codes.
const (
	CodeAccessError         = "ACCESS_ERROR"
	CodeDialogIDEmpty       = "DIALOG_ID_EMPTY"
	CodeNoAuthFound         = "NO_AUTH_FOUND"
	CodeInvalidCredentials  = "INVALID_CREDENTIALS"
	CodeExpiredToken        = "expired_token"
	CodeInvalidToken        = "invalid_token"
	CodeInsufficientScope   = "insufficient_scope"
	CodeMethodNotFound      = "ERROR_METHOD_NOT_FOUND"
	CodeQueryLimitExceeded  = "QUERY_LIMIT_EXCEEDED"
	CodeOperationTimeLimit  = "OPERATION_TIME_LIMIT"
	CodeOverloadLimit       = "OVERLOAD_LIMIT"
	CodeInternalServerError = "INTERNAL_SERVER_ERROR"
	CodeUnexpectedAnswer    = "ERROR_UNEXPECTED_ANSWER"
	CodeInvalidGrant        = "invalid_grant"
	CodeInvalidClient       = "invalid_client"
	CodeBatchLengthExceeded = "ERROR_BATCH_LENGTH_EXCEEDED"
	CodePaymentRequired     = "PAYMENT_REQUIRED"
	CodeAccessDenied        = "ACCESS_DENIED"
	// CodeConnectionError (HTTP 401) means the portal could not reach its own
	// OAuth server to check a token (rest/lib/oauth/auth.php): a passing
	// fault, not bad credentials.
	CodeConnectionError = "CONNECTION_ERROR"
)

// APIError is an error answer from the portal: a JSON body with an "error"
// key, or an error entry of a batch command.
type APIError struct {
	// Method is the REST method that failed, for example "im.dialog.get".
	Method string
	// HTTPStatus is the status of the HTTP answer that carried the error.
	// Inside a batch it is the status of the batch call (always 200).
	HTTPStatus int
	// Code is the portal's error code, for example "ACCESS_ERROR".
	Code string
	// Description is the portal's error_description.
	Description string
	// RetryAfter is the answer's Retry-After header, zero when absent.
	RetryAfter time.Duration
	// OperatingResetAt is when a method blocked by OPERATION_TIME_LIMIT
	// unblocks, and UnblocksIn how long that was from when the client gave
	// up. Both are zero when the client does not know a time still to come.
	OperatingResetAt time.Time
	UnblocksIn       time.Duration
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: HTTP %d", e.Method, e.HTTPStatus)
	if e.Code != "" {
		fmt.Fprintf(&b, " %s", e.Code)
	}
	if e.Description != "" {
		fmt.Fprintf(&b, ": %s", e.Description)
	}
	return b.String()
}

// SameCode reports whether two error codes are the same: the one way codes
// are compared, case-insensitively.
func SameCode(a, b string) bool { return strings.EqualFold(a, b) }

// HasCode reports whether err is an APIError with the given code.
func HasCode(err error, code string) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && SameCode(apiErr.Code, code)
}

// ResponseError is an answer the client could not read as a REST answer: an
// HTML page, a truncated or oversized body, or JSON of the wrong shape.
type ResponseError struct {
	Method      string
	HTTPStatus  int
	ContentType string
	// Reason says what was wrong with the body.
	Reason string
	// Snippet is the start of the body, cut short and with secrets masked.
	Snippet string
	// RetryAfter is the answer's Retry-After header, zero when absent.
	RetryAfter time.Duration
	truncated  bool
}

func (e *ResponseError) Error() string {
	msg := fmt.Sprintf("%s: HTTP %d: %s", e.Method, e.HTTPStatus, e.Reason)
	if e.ContentType != "" {
		msg += fmt.Sprintf(" (Content-Type %q)", e.ContentType)
	}
	if e.Snippet != "" {
		msg += fmt.Sprintf("; the body starts with %q", e.Snippet)
	}
	return msg
}

// TimeoutError means one request got no complete answer within the
// per-request timeout.
type TimeoutError struct {
	Method  string
	Timeout time.Duration
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("%s: the portal did not answer within the request timeout of %s", e.Method, e.Timeout)
}

// TransportError is a failure below HTTP: refused or reset connections, DNS,
// TLS. Its message has every secret masked.
type TransportError struct {
	Method string
	// Message is the masked text of the underlying error.
	Message string
	// Temporary is true for failures worth retrying (resets, EOFs).
	Temporary bool
	// TLS is true when the portal's certificate was not trusted.
	TLS bool
}

func (e *TransportError) Error() string {
	return fmt.Sprintf("%s: %s", e.Method, e.Message)
}

// RetriesExhaustedError wraps the last error after the client gave up.
type RetriesExhaustedError struct {
	// Attempts counts the requests sent for the call.
	Attempts int
	// Busy is true when the portal kept saying it was busy until
	// BusyTimeout ran out, and Waited is how long the call kept trying.
	Busy   bool
	Waited time.Duration
	// RetryAfter is set when the client gave up because the portal's
	// Retry-After asked it to wait longer than what was left of
	// BusyTimeout.
	RetryAfter  time.Duration
	BusyTimeout time.Duration
	Last        error
}

func (e *RetriesExhaustedError) Error() string {
	if e.RetryAfter > 0 {
		return fmt.Sprintf("gave up after %d attempts: the portal asked to wait %s (Retry-After), beyond busy_timeout (%s): %v",
			e.Attempts, ShortDuration(e.RetryAfter), ShortDuration(e.BusyTimeout), e.Last)
	}
	if e.Busy {
		return fmt.Sprintf("gave up after %d attempts in %s: %v", e.Attempts, e.Waited.Round(time.Second), e.Last)
	}
	return fmt.Sprintf("gave up after %d attempts: %v", e.Attempts, e.Last)
}

func (e *RetriesExhaustedError) Unwrap() error { return e.Last }

// OAuthError is a failed refresh of the access token.
type OAuthError struct {
	HTTPStatus  int
	Code        string
	Description string
}

func (e *OAuthError) Error() string {
	msg := "refreshing the OAuth access token failed"
	if e.HTTPStatus != 0 {
		msg += fmt.Sprintf(": HTTP %d", e.HTTPStatus)
	}
	if e.Code != "" {
		msg += " " + e.Code
	}
	if e.Description != "" {
		msg += ": " + e.Description
	}
	return msg
}

// PortalDownError is returned without sending anything once several
// requests in a row, across all reads, got no answer at all: the portal is
// down or unreachable, and waiting out every read's own timeouts and
// retries would only make the plan slower to fail.
type PortalDownError struct {
	// Failures counts the requests in a row that got no answer.
	Failures int
	// Last is the last of those failures.
	Last error
}

func (e *PortalDownError) Error() string {
	return fmt.Sprintf("the portal did not answer %d requests in a row; the last failure: %v", e.Failures, e.Last)
}

func (e *PortalDownError) Unwrap() error { return e.Last }

// ShortDuration writes d rounded to the second without zero units: 1h,
// 1h30m, 2m5s.
func ShortDuration(d time.Duration) string {
	s := d.Round(time.Second).String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
