package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/bitrix24"
)

// dialogIDForms are the dialog ids bitrix24.ParseDialogID accepts: the
// validator, the functions and the diagnostics all say it with this text.
const dialogIDForms = "chatN (a chat, for example chat1439), sgN (a workgroup chat), or N (a user id, for the private dialog with that user), " +
	"with N a positive whole number"

// dialogIDProblem says why s is not a dialog id, or "" when it is one.
func dialogIDProblem(s string) string {
	if _, _, ok := bitrix24.ParseDialogID(s); ok {
		return ""
	}
	msg := fmt.Sprintf("must be %s; got %q.", dialogIDForms, s)
	if strings.HasPrefix(strings.ToLower(s), "crm") {
		msg += " A portal never resolves crmN, and im.dialog.get refuses crm|TYPE|ID: to read a CRM entity's chat, set " +
			"entity_type = \"CRM\" and entity_id = \"DEAL|1663\" (bitrix24_dialog) instead."
	}
	return msg
}

// dialogIDValidator checks a dialog id before any request. It quotes the
// value it refuses, so that stray white space can be seen.
func dialogIDValidator() validator.String { return dialogID{} }

type dialogID struct{}

func (dialogID) Description(_ context.Context) string { return "value must be " + dialogIDForms }

func (v dialogID) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (dialogID) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if problem := dialogIDProblem(req.ConfigValue.ValueString()); problem != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid dialog id", fmt.Sprintf("%s %s", req.Path, problem))
	}
}
