package provider

import (
	"context"
	"fmt"
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/bitrix24"
)

// searchTextValidator checks a text the portal's chat search can find:
// it must hold a word (letters, digits 0-9, _) of bitrix24.SearchMinWord
// or more characters, as im.search.chat.list drops shorter words and
// refuses a text without a longer one (FIND_SHORT). otherwise says what to
// do instead.
func searchTextValidator(otherwise string) validator.String {
	return searchText{otherwise: otherwise}
}

type searchText struct{ otherwise string }

func (searchText) Description(_ context.Context) string {
	return fmt.Sprintf("value must hold a word of at least %d letters or digits", bitrix24.SearchMinWord)
}

func (v searchText) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v searchText) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	text := req.ConfigValue.ValueString()
	if _, ok := bitrix24.SearchText(text); !ok {
		resp.Diagnostics.AddAttributeError(req.Path, "Text the portal cannot search for",
			fmt.Sprintf("%s is %s, which holds no word of %d or more letters or digits. The portal's chat search (im.search.chat.list) "+
				"ignores shorter words and refuses a text without a longer one (FIND_SHORT), so it cannot find this. %s",
				req.Path, bitrix24.Visible(text), bitrix24.SearchMinWord, v.otherwise))
	}
}

// emailPattern is a loose check that a value is an email address.
var emailPattern = regexp.MustCompile(`^[^@\s]+@[^@\s]+$`)
