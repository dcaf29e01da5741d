package provider

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/bitrix24"
)

var _ validator.String = durationValidator{}

// durationValidator checks that a string is a Go duration within bounds.
type durationValidator struct {
	min, max time.Duration
}

func durationBetween(minimum, maximum time.Duration) durationValidator {
	return durationValidator{min: minimum, max: maximum}
}

func (v durationValidator) Description(_ context.Context) string {
	return fmt.Sprintf("value must be a duration such as \"30s\" between %s and %s", v.min, v.max)
}

func (v durationValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v durationValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := parseDuration(req.ConfigValue.ValueString(), v.min, v.max); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid duration", fmt.Sprintf("%s %s.", req.Path, err))
	}
}

// parseDuration reads a Go duration and checks its bounds.
func parseDuration(s string, minimum, maximum time.Duration) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("must be a duration such as \"30s\", \"500ms\" or \"2m\", got %q", s)
	}
	if d < minimum || d > maximum {
		return 0, fmt.Errorf("must be between %s and %s, got %s", minimum, maximum, d)
	}
	return d, nil
}

var _ validator.Float64 = wholeNumberValidator{}

// wholeNumberValidator checks that a number is whole and within bounds.
// Whole-number settings are Float64 attributes with this validator, so
// that `1.5` gets a plain diagnostic instead of the framework's conversion
// error.
type wholeNumberValidator struct{ min, max float64 }

func wholeNumberBetween(minimum, maximum float64) wholeNumberValidator {
	return wholeNumberValidator{min: minimum, max: maximum}
}

func (v wholeNumberValidator) Description(_ context.Context) string {
	return fmt.Sprintf("value must be a whole number between %g and %g", v.min, v.max)
}

func (v wholeNumberValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v wholeNumberValidator) ValidateFloat64(_ context.Context, req validator.Float64Request, resp *validator.Float64Response) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if f := req.ConfigValue.ValueFloat64(); f != math.Trunc(f) || f < v.min || f > v.max {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid whole number",
			fmt.Sprintf("%s must be a whole number between %g and %g, got %s.", req.Path, v.min, v.max, strconv.FormatFloat(f, 'f', -1, 64)))
	}
}

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
