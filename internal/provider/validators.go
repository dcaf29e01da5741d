package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

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

// portalKeepsValidator checks a text that the portal stores changed unless
// it is given as the portal keeps it (im/lib/V2/Chat.php setTitle,
// setDescription, setEntityType, setEntityId: `$v ? trim($v) : null`, and
// the title cut to 255 characters): surrounding white space that PHP's
// trim() removes, "0" (false in PHP, so stored as none) and, when maxLen > 0,
// more than maxLen characters. Otherwise the state after apply would differ
// from the configuration ("Provider produced inconsistent result") and the
// chat would be left tainted.
func portalKeepsValidator(maxLen int) validator.String { return portalKeeps{maxLen: maxLen} }

type portalKeeps struct{ maxLen int }

func (v portalKeeps) Description(_ context.Context) string {
	d := `value must not start or end with white space, nor be "0", nor hold control characters`
	if v.maxLen > 0 {
		d += fmt.Sprintf(", and must be at most %d characters", v.maxLen)
	}
	return d
}

func (v portalKeeps) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

// phpTrimSet is what PHP's trim() removes.
const phpTrimSet = " \t\n\r\x00\x0B"

func (v portalKeeps) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	switch {
	case s == "0":
		resp.Diagnostics.AddAttributeError(req.Path, "A value the portal does not keep",
			fmt.Sprintf(`%s is "0", which the portal's PHP code takes for no value and does not store. Use another value.`, req.Path))
	case strings.Trim(s, phpTrimSet) != s:
		resp.Diagnostics.AddAttributeError(req.Path, "A value the portal does not keep",
			fmt.Sprintf("%s is %s, with white space at its start or end, which the portal removes before it stores the value: "+
				"the chat would then differ from the configuration. Remove the white space (for example with trimspace()).",
				req.Path, bitrix24.Visible(s)))
	case !bitrix24.ValueKept(s):
		resp.Diagnostics.AddAttributeError(req.Path, "A value the provider cannot keep",
			fmt.Sprintf("%s is %s, which holds control characters (other than tabs, line feeds and CRLF), terminal escape "+
				"sequences or invalid UTF-8. The provider removes those from everything the portal sends, so the chat it reads "+
				"back would differ from the configuration. Remove them.", req.Path, bitrix24.Visible(s)))
	case v.maxLen > 0 && utf8.RuneCountInString(s) > v.maxLen:
		resp.Diagnostics.AddAttributeError(req.Path, "A value longer than the portal keeps",
			fmt.Sprintf("%s is %d characters long; the portal keeps only the first %d (im.chat.add and im.chat.updateTitle cut "+
				"longer titles), so the chat would differ from the configuration. Shorten it.", req.Path, utf8.RuneCountInString(s), v.maxLen))
	}
}
