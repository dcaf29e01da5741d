package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/bitrix24"
)

const dialogIDForms = "chatN (a chat, for example chat1439), sgN (a workgroup chat), crmN, or N (a user id, for the private dialog with that user)"

// dialogIDValidator checks a dialog id before any request, with the
// portal's own pattern. It quotes the value it refuses, so that stray white
// space can be seen.
func dialogIDValidator() validator.String { return dialogID{} }

type dialogID struct{}

func (dialogID) Description(_ context.Context) string { return "value must be " + dialogIDForms }

func (v dialogID) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (dialogID) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if id := req.ConfigValue.ValueString(); !bitrix24.DialogIDPattern.MatchString(id) {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid dialog id",
			fmt.Sprintf("%s must be %s; got %q.", req.Path, dialogIDForms, id))
	}
}
