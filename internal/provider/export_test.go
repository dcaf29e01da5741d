package provider

// What the external tests (package provider_test) share with the internal
// ones. They are external because they import internal/docschema, which
// imports this package.
var (
	RequireActions      = requireActions
	ProviderBinaryDir   = providerBinaryDir
	ProviderRequirement = providerRequirement
)
