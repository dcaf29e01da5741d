package provider

import (
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// searchTextValidator checks a text the portal searches for: at least 2
// characters besides surrounding white space, as im.search.chat.list
// refuses shorter ones with FIND_SHORT.
func searchTextValidator() validator.String {
	return stringvalidator.RegexMatches(regexp.MustCompile(`\S.*\S`),
		"must hold at least 2 characters besides surrounding white space (the portal's search refuses shorter text)")
}

// emailPattern is a loose check that a value is an email address.
var emailPattern = regexp.MustCompile(`^[^@\s]+@[^@\s]+$`)
