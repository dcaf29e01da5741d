// Package docschema writes the provider's schema as `terraform providers
// schema -json` writes it, from the provider served in-process, so that
// tfplugindocs (--providers-schema) documents the actions and list
// resources with any Terraform CLI, or none. Terraform puts those in its
// JSON from 1.14 on only.
//
// The mapping mirrors Terraform 1.15's: internal/plugin6/convert (protocol
// to configschema) and internal/command/jsonprovider and jsonfunction
// (configschema to JSON). Types go through cty's JSON, as Terraform's do.
package docschema

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/zclconf/go-cty/cty"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/provider"
)

// Address is the key of the provider in the JSON: tfplugindocs looks the
// provider up as "bitrix24" or "registry.terraform.io/hashicorp/bitrix24"
// (the address it installs a build under itself), not under the
// provider's registry address, tf-bitrix24/bitrix24.
const Address = "registry.terraform.io/hashicorp/bitrix24"

// FormatVersion is jsonprovider.FormatVersion.
const FormatVersion = "1.0"

// Providers is the whole document (jsonprovider.Providers).
type Providers struct {
	FormatVersion string               `json:"format_version"`
	Schemas       map[string]*Provider `json:"provider_schemas,omitempty"`
}

// Provider is one provider's schemas (jsonprovider.Provider).
type Provider struct {
	Provider                 *Schema                       `json:"provider,omitempty"`
	ResourceSchemas          map[string]*Schema            `json:"resource_schemas,omitempty"`
	DataSourceSchemas        map[string]*Schema            `json:"data_source_schemas,omitempty"`
	EphemeralResourceSchemas map[string]*Schema            `json:"ephemeral_resource_schemas,omitempty"`
	ListResourceSchemas      map[string]*Schema            `json:"list_resource_schemas,omitempty"`
	Functions                map[string]*FunctionSignature `json:"functions,omitempty"`
	ResourceIdentitySchemas  map[string]*IdentitySchema    `json:"resource_identity_schemas,omitempty"`
	ActionSchemas            map[string]*ActionSchema      `json:"action_schemas,omitempty"`
	StateStoreSchemas        map[string]*Schema            `json:"state_store_schemas,omitempty"`
}

// Schema is jsonprovider.Schema.
type Schema struct {
	Version uint64 `json:"version"`
	Block   *Block `json:"block,omitempty"`
}

// Block is jsonprovider.Block.
type Block struct {
	Attributes         map[string]*Attribute `json:"attributes,omitempty"`
	BlockTypes         map[string]*BlockType `json:"block_types,omitempty"`
	Description        string                `json:"description,omitempty"`
	DescriptionKind    string                `json:"description_kind,omitempty"`
	Deprecated         bool                  `json:"deprecated,omitempty"`
	DeprecationMessage string                `json:"deprecation_message,omitempty"`
}

// BlockType is jsonprovider.BlockType.
type BlockType struct {
	NestingMode string `json:"nesting_mode,omitempty"`
	Block       *Block `json:"block,omitempty"`
	MinItems    uint64 `json:"min_items,omitempty"`
	MaxItems    uint64 `json:"max_items,omitempty"`
}

// Attribute is jsonprovider.Attribute.
type Attribute struct {
	AttributeType       json.RawMessage `json:"type,omitempty"`
	AttributeNestedType *NestedType     `json:"nested_type,omitempty"`
	Description         string          `json:"description,omitempty"`
	DescriptionKind     string          `json:"description_kind,omitempty"`
	Deprecated          bool            `json:"deprecated,omitempty"`
	DeprecationMessage  string          `json:"deprecation_message,omitempty"`
	Required            bool            `json:"required,omitempty"`
	Optional            bool            `json:"optional,omitempty"`
	Computed            bool            `json:"computed,omitempty"`
	Sensitive           bool            `json:"sensitive,omitempty"`
	WriteOnly           bool            `json:"write_only,omitempty"`
}

// NestedType is jsonprovider.NestedType.
type NestedType struct {
	Attributes  map[string]*Attribute `json:"attributes,omitempty"`
	NestingMode string                `json:"nesting_mode,omitempty"`
}

// IdentitySchema is jsonprovider.IdentitySchema.
type IdentitySchema struct {
	Version    uint64                        `json:"version"`
	Attributes map[string]*IdentityAttribute `json:"attributes,omitempty"`
}

// IdentityAttribute is jsonprovider.IdentityAttribute.
type IdentityAttribute struct {
	IdentityType      json.RawMessage `json:"type,omitempty"`
	Description       string          `json:"description,omitempty"`
	RequiredForImport bool            `json:"required_for_import,omitempty"`
	OptionalForImport bool            `json:"optional_for_import,omitempty"`
}

// ActionSchema is jsonprovider.ActionSchema.
type ActionSchema struct {
	ConfigSchema *Block `json:"block,omitempty"`
}

// FunctionSignature is jsonfunction.FunctionSignature.
type FunctionSignature struct {
	Description        string          `json:"description,omitempty"`
	Summary            string          `json:"summary,omitempty"`
	DeprecationMessage string          `json:"deprecation_message,omitempty"`
	ReturnType         json.RawMessage `json:"return_type"`
	Parameters         []*Parameter    `json:"parameters,omitempty"`
	VariadicParameter  *Parameter      `json:"variadic_parameter,omitempty"`
}

// Parameter is jsonfunction's parameter.
type Parameter struct {
	Name        string          `json:"name,omitempty"`
	Description string          `json:"description,omitempty"`
	IsNullable  bool            `json:"is_nullable,omitempty"`
	Type        json.RawMessage `json:"type"`
}

// JSON is the schema of the provider built by provider.New, as Terraform
// 1.15 writes it, with a trailing newline.
func JSON(ctx context.Context) ([]byte, error) {
	server := providerserver.NewProtocol6(provider.New("dev")())()
	p, err := FromServer(ctx, server)
	if err != nil {
		return nil, err
	}
	out, err := json.Marshal(&Providers{FormatVersion: FormatVersion, Schemas: map[string]*Provider{Address: p}})
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// FromServer asks a provider server for its schemas (GetProviderSchema and
// GetResourceIdentitySchemas, as Terraform does) and converts them.
func FromServer(ctx context.Context, server tfprotov6.ProviderServer) (*Provider, error) {
	resp, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		return nil, err
	}
	if err := diagnosticsError(resp.Diagnostics); err != nil {
		return nil, err
	}
	if resp.Provider == nil {
		return nil, errors.New("missing provider schema")
	}
	idResp, err := server.GetResourceIdentitySchemas(ctx, &tfprotov6.GetResourceIdentitySchemasRequest{})
	if err != nil {
		return nil, err
	}
	if err := diagnosticsError(idResp.Diagnostics); err != nil {
		return nil, err
	}

	c := &converter{}
	p := &Provider{
		Provider:                 c.schema(resp.Provider),
		ResourceSchemas:          c.schemas(resp.ResourceSchemas),
		DataSourceSchemas:        c.schemas(resp.DataSourceSchemas),
		EphemeralResourceSchemas: c.schemas(resp.EphemeralResourceSchemas),
		// Terraform nests a list resource's schema in a "config" block and
		// takes that block out again for the JSON: the schema as sent.
		ListResourceSchemas:     c.schemas(resp.ListResourceSchemas),
		StateStoreSchemas:       c.schemas(resp.StateStoreSchemas),
		ResourceIdentitySchemas: map[string]*IdentitySchema{},
		ActionSchemas:           map[string]*ActionSchema{},
	}
	for name := range resp.ResourceSchemas {
		if id := idResp.IdentitySchemas[name]; id != nil {
			p.ResourceIdentitySchemas[name] = c.identity(id)
		}
	}
	for name, a := range resp.ActionSchemas {
		var b *tfprotov6.SchemaBlock
		if a != nil && a.Schema != nil {
			b = a.Schema.Block
		}
		p.ActionSchemas[name] = &ActionSchema{ConfigSchema: c.block(b)}
	}
	if len(resp.Functions) > 0 {
		p.Functions = make(map[string]*FunctionSignature, len(resp.Functions))
		for name, f := range resp.Functions {
			p.Functions[name] = c.function(f)
		}
	}
	if c.err != nil {
		return nil, c.err
	}
	return p, nil
}

func diagnosticsError(diags []*tfprotov6.Diagnostic) error {
	var errs []error
	for _, d := range diags {
		if d != nil && d.Severity == tfprotov6.DiagnosticSeverityError {
			errs = append(errs, fmt.Errorf("%s: %s", d.Summary, d.Detail))
		}
	}
	return errors.Join(errs...)
}

// converter keeps the first error, so that the conversions read like
// Terraform's, which panic instead.
type converter struct{ err error }

func (c *converter) schemas(in map[string]*tfprotov6.Schema) map[string]*Schema {
	out := make(map[string]*Schema, len(in))
	for name, s := range in {
		out[name] = c.schema(s)
	}
	return out
}

func (c *converter) schema(s *tfprotov6.Schema) *Schema {
	if s == nil || s.Block == nil {
		return &Schema{}
	}
	return &Schema{Version: uint64(s.Version), Block: c.block(s.Block)} //nolint:gosec // Terraform's own conversion
}

func (c *converter) block(b *tfprotov6.SchemaBlock) *Block {
	if b == nil {
		return &Block{}
	}
	out := &Block{
		Description:        b.Description,
		DescriptionKind:    stringKind(b.DescriptionKind),
		Deprecated:         b.Deprecated,
		DeprecationMessage: b.DeprecationMessage,
	}
	if len(b.Attributes) > 0 {
		out.Attributes = make(map[string]*Attribute, len(b.Attributes))
		for _, a := range b.Attributes {
			out.Attributes[a.Name] = c.attribute(a)
		}
	}
	if len(b.BlockTypes) > 0 {
		out.BlockTypes = make(map[string]*BlockType, len(b.BlockTypes))
		for _, nb := range b.BlockTypes {
			out.BlockTypes[nb.TypeName] = &BlockType{
				NestingMode: blockNesting(nb.Nesting),
				Block:       c.block(nb.Block),
				MinItems:    uint64(nb.MinItems), //nolint:gosec // Terraform's own conversion
				MaxItems:    uint64(nb.MaxItems), //nolint:gosec // Terraform's own conversion
			}
		}
	}
	return out
}

func (c *converter) attribute(a *tfprotov6.SchemaAttribute) *Attribute {
	out := &Attribute{
		Description:        a.Description,
		DescriptionKind:    stringKind(a.DescriptionKind),
		Required:           a.Required,
		Optional:           a.Optional,
		Computed:           a.Computed,
		Sensitive:          a.Sensitive,
		Deprecated:         a.Deprecated,
		DeprecationMessage: a.DeprecationMessage,
		WriteOnly:          a.WriteOnly,
	}
	if a.Type != nil {
		out.AttributeType = c.typeJSON(a.Type)
	}
	if a.NestedType != nil {
		nt := &NestedType{
			NestingMode: objectNesting(a.NestedType.Nesting),
			Attributes:  make(map[string]*Attribute, len(a.NestedType.Attributes)),
		}
		for _, na := range a.NestedType.Attributes {
			nt.Attributes[na.Name] = c.attribute(na)
		}
		out.AttributeNestedType = nt
	}
	return out
}

func (c *converter) identity(s *tfprotov6.ResourceIdentitySchema) *IdentitySchema {
	out := &IdentitySchema{
		Version:    uint64(s.Version), //nolint:gosec // Terraform's own conversion
		Attributes: make(map[string]*IdentityAttribute, len(s.IdentityAttributes)),
	}
	for _, a := range s.IdentityAttributes {
		ia := &IdentityAttribute{
			Description:       a.Description,
			RequiredForImport: a.RequiredForImport,
			OptionalForImport: a.OptionalForImport,
		}
		if a.Type != nil {
			ia.IdentityType = c.typeJSON(a.Type)
		}
		out.Attributes[a.Name] = ia
	}
	return out
}

func (c *converter) function(f *tfprotov6.Function) *FunctionSignature {
	out := &FunctionSignature{
		Description:        f.Description,
		Summary:            f.Summary,
		DeprecationMessage: f.DeprecationMessage,
	}
	if f.Return == nil || f.Return.Type == nil {
		c.fail(errors.New("function without a return type"))
	} else {
		out.ReturnType = c.typeJSON(f.Return.Type)
	}
	if len(f.Parameters) > 0 {
		out.Parameters = make([]*Parameter, len(f.Parameters))
		for i, p := range f.Parameters {
			out.Parameters[i] = c.parameter(p)
		}
	}
	if f.VariadicParameter != nil {
		out.VariadicParameter = c.parameter(f.VariadicParameter)
	}
	return out
}

func (c *converter) parameter(p *tfprotov6.FunctionParameter) *Parameter {
	return &Parameter{
		Name:        p.Name,
		Description: p.Description,
		IsNullable:  p.AllowNullValue,
		Type:        c.typeJSON(p.Type),
	}
}

// typeJSON is the type's JSON as Terraform writes it: terraform-plugin-go
// sends tftypes' JSON (toproto.CtyType), Terraform reads it into a
// cty.Type and writes that type's JSON.
func (c *converter) typeJSON(t tftypes.Type) json.RawMessage {
	raw, err := t.MarshalJSON() //nolint:staticcheck // what terraform-plugin-go sends Terraform as the type
	if err != nil {
		c.fail(fmt.Errorf("type %s: %w", t, err))
		return nil
	}
	var ty cty.Type
	if err := json.Unmarshal(raw, &ty); err != nil {
		c.fail(fmt.Errorf("type %s: %w", raw, err))
		return nil
	}
	out, err := ty.MarshalJSON()
	if err != nil {
		c.fail(fmt.Errorf("type %s: %w", raw, err))
		return nil
	}
	return out
}

func (c *converter) fail(err error) {
	if c.err == nil {
		c.err = err
	}
}

func stringKind(k tfprotov6.StringKind) string {
	if k == tfprotov6.StringKindMarkdown {
		return "markdown"
	}
	return "plain"
}

func blockNesting(m tfprotov6.SchemaNestedBlockNestingMode) string {
	switch m {
	case tfprotov6.SchemaNestedBlockNestingModeSingle:
		return "single"
	case tfprotov6.SchemaNestedBlockNestingModeGroup:
		return "group"
	case tfprotov6.SchemaNestedBlockNestingModeList:
		return "list"
	case tfprotov6.SchemaNestedBlockNestingModeSet:
		return "set"
	case tfprotov6.SchemaNestedBlockNestingModeMap:
		return "map"
	default:
		return "invalid"
	}
}

// objectNesting maps a nested attribute's nesting as Terraform does; a
// nested attribute has no group nesting.
func objectNesting(m tfprotov6.SchemaObjectNestingMode) string {
	switch m {
	case tfprotov6.SchemaObjectNestingModeSingle:
		return "single"
	case tfprotov6.SchemaObjectNestingModeList:
		return "list"
	case tfprotov6.SchemaObjectNestingModeSet:
		return "set"
	case tfprotov6.SchemaObjectNestingModeMap:
		return "map"
	default:
		return "invalid"
	}
}
