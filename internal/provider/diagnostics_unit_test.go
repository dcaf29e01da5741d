package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/bitrix24"
)

// Each failure gets a diagnostic that names the portal's code and says what
// to do next.
func TestUnitDiagnostics_readErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		err  error
		want []string
	}{
		"access":           {&bitrix24.APIError{Method: "im.dialog.get", HTTPStatus: 200, Code: "ACCESS_ERROR", Description: "no"}, []string{"HTTP 200, error ACCESS_ERROR: no", "must be a member"}},
		"connection error": {&bitrix24.RetriesExhaustedError{Attempts: 3, Last: &bitrix24.APIError{Method: "im.dialog.get", HTTPStatus: 401, Code: "CONNECTION_ERROR"}}, []string{"CONNECTION_ERROR (after 3 attempts)", "could not reach its own OAuth server"}},
		"invalid grant":    {&bitrix24.OAuthError{HTTPStatus: 400, Code: "invalid_grant"}, []string{"refreshing it failed: HTTP 400 invalid_grant", "already used"}},
		"invalid client":   {&bitrix24.OAuthError{HTTPStatus: 401, Code: "invalid_client"}, []string{"client_id or client_secret is wrong", "oauth_url"}},
		"refresh failed":   {&bitrix24.OAuthError{Description: "connection refused"}, []string{"Check oauth_url", bitrix24.OAuthTokenURLTech, ".ru .by .kz .am .az .ge .kg .uz", bitrix24.OAuthTokenURLInfo}},
		"html":             {&bitrix24.ResponseError{Method: "im.dialog.get", HTTPStatus: 503, ContentType: "text/html", Reason: "an HTML page", Snippet: "<html>"}, []string{"HTTP 503 (Content-Type text/html)", "The body starts with: <html>"}},
		"cancelled":        {context.Canceled, []string{"cancelled"}},
		"down":             {&bitrix24.PortalDownError{Failures: 5, Last: &bitrix24.TransportError{Method: "batch", Message: "connection refused"}}, []string{"did not answer 5 requests", "connection refused"}},
		"long":             {&bitrix24.APIError{Method: "im.dialog.get", Code: "X", Description: strings.Repeat("é", 5000)}, []string{"…"}},
	} {
		t.Run(name, func(t *testing.T) {
			summary, detail := readErrorDiagnostic("chat1", tc.err)
			if summary != `Cannot read Bitrix24 dialog "chat1"` {
				t.Errorf("summary %q", summary)
			}
			for _, w := range tc.want {
				if !strings.Contains(detail, w) {
					t.Errorf("want %q in %q", w, detail)
				}
			}
			if len(detail) > maxDetailBytes+len("…") {
				t.Errorf("detail of %d bytes", len(detail))
			}
		})
	}
}

// Failures that are the same are reported once with the count and the
// first ids; different failures apart; a lone failure as it is.
func TestUnitDiagnostics_grouping(t *testing.T) {
	access := func() error {
		return &bitrix24.APIError{Method: "im.dialog.get", HTTPStatus: 200, Code: "ACCESS_ERROR", Description: "no access"}
	}
	ids := []string{"chat9"}
	failed := map[string]error{"chat9": &bitrix24.APIError{Method: "im.dialog.get", HTTPStatus: 200, Code: "DIALOG_ID_EMPTY"}}
	for i := 1; i <= 8; i++ {
		id := fmt.Sprintf("chat%d", i)
		ids = append(ids, id)
		if i != 4 {
			failed[id] = access()
		}
	}
	var diags diag.Diagnostics
	addGroupedReadErrors(&diags, ids, failed)
	if len(diags) != 2 {
		t.Fatalf("want 2 diagnostics, got %d: %s", len(diags), diagText(diags))
	}
	if diags[0].Summary() != `Cannot read Bitrix24 dialog "chat9"` || !strings.Contains(diags[0].Detail(), "DIALOG_ID_EMPTY") {
		t.Errorf("first: %s", diagText(diags[:1]))
	}
	if diags[1].Summary() != "Cannot read 7 Bitrix24 dialogs" ||
		!strings.Contains(diags[1].Detail(), `The same failure hit 7 of the 9 dialogs in dialog_ids: "chat1", "chat2", "chat3", "chat5", "chat6" and 2 more.`) {
		t.Errorf("second: %s", diagText(diags[1:]))
	}
}
