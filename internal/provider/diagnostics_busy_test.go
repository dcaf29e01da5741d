package provider

import (
	"strings"
	"testing"
	"time"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/bitrix24"
)

// A 503 with Retry-After: 3600 fails at once: the diagnostic says the
// portal asked to wait 1h, beyond busy_timeout, not that the limit stayed
// exceeded for all of busy_timeout.
func TestReadErrorDiagnostic_retryAfterBeyondBusyTimeout(t *testing.T) {
	last := &bitrix24.APIError{Method: bitrix24.MethodDialogGet, HTTPStatus: 503, Code: bitrix24.CodeQueryLimitExceeded,
		Description: "Too many requests", RetryAfter: time.Hour}
	err := &bitrix24.RetriesExhaustedError{Attempts: 1, Busy: true, Waited: 2 * time.Second, RetryAfter: time.Hour,
		BusyTimeout: 5 * time.Minute, Last: last}
	_, detail := readErrorDiagnostic("chat1", err)
	for _, want := range []string{"HTTP 503, error QUERY_LIMIT_EXCEEDED: Too many requests", "asked to wait 1h (Retry-After)", "beyond busy_timeout (5m)"} {
		if !strings.Contains(detail, want) {
			t.Errorf("the detail lacks %q:\n%s", want, detail)
		}
	}
	if strings.Contains(detail, "all of busy_timeout") {
		t.Errorf("the detail says the limit lasted all of busy_timeout:\n%s", detail)
	}
	// Busy for all of busy_timeout: the usual hint.
	err = &bitrix24.RetriesExhaustedError{Attempts: 40, Busy: true, Waited: 5 * time.Minute, BusyTimeout: 5 * time.Minute, Last: last}
	if _, detail := readErrorDiagnostic("chat1", err); !strings.Contains(detail, "all of busy_timeout") {
		t.Errorf("a read busy for all of busy_timeout should say so:\n%s", detail)
	}
}
