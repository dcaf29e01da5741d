package provider

import (
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/bitrix24"
)

const dialogIDForms = "chatN (a chat, for example chat1439), sgN (a workgroup chat), crmN, or N (a user id, for the private dialog with that user)"

// dialogIDValidator checks a dialog id before any request, with the portal's
// own pattern.
func dialogIDValidator() validator.String {
	return stringvalidator.RegexMatches(bitrix24.DialogIDPattern, "must be "+dialogIDForms)
}
