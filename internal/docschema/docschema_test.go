package docschema

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/zclconf/go-cty/cty"
)

// TestJSONHoldsEverythingTheDocsNeed decodes the provider's JSON as
// tfplugindocs does (terraform-json) and looks for the schemas that
// Terraform before 1.14 leaves out, and the rest.
func TestJSONHoldsEverythingTheDocsNeed(t *testing.T) {
	data, err := JSON(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var schemas tfjson.ProviderSchemas
	if err := json.Unmarshal(data, &schemas); err != nil {
		t.Fatal(err)
	}
	p := schemas.Schemas[Address]
	if p == nil {
		t.Fatalf("no provider %q in %v", Address, keys(schemas.Schemas))
	}

	if a := p.ConfigSchema.Block.Attributes["webhook_url"]; a == nil || !a.Optional || !a.Sensitive || a.Description == "" {
		t.Errorf("provider webhook_url: %+v", a)
	}
	for _, name := range []string{"bitrix24_dialog", "bitrix24_dialogs", "bitrix24_user"} {
		if p.DataSourceSchemas[name] == nil {
			t.Errorf("no data source %s", name)
		}
	}
	if r := p.ResourceSchemas["bitrix24_chat"]; r == nil || r.Block.Attributes["title"] == nil {
		t.Errorf("resource bitrix24_chat: %+v", r)
	}

	action := p.ActionSchemas["bitrix24_message"]
	if action == nil || action.Block == nil {
		t.Fatalf("no action bitrix24_message in %v", keys(p.ActionSchemas))
	}
	for _, name := range []string{"dialog_id", "message"} {
		a := action.Block.Attributes[name]
		if a == nil || !a.Required || a.Description == "" || a.DescriptionKind != tfjson.SchemaDescriptionKindMarkdown || !a.AttributeType.Equals(cty.String) {
			t.Errorf("action attribute %s: %+v", name, a)
		}
	}
	if a := action.Block.Attributes["system"]; a == nil || !a.Optional || !a.AttributeType.Equals(cty.Bool) {
		t.Errorf("action attribute system: %+v", a)
	}

	list := p.ListResourceSchemas["bitrix24_chat"]
	if list == nil || list.Block == nil {
		t.Fatalf("no list resource bitrix24_chat in %v", keys(p.ListResourceSchemas))
	}
	// The list resource's own schema, not Terraform's wrapper with its
	// "config" block and "data" attribute.
	if a := list.Block.Attributes["search"]; a == nil || !a.Optional || !strings.Contains(a.Description, "im.search.chat.list") {
		t.Errorf("list resource attribute search: %+v", a)
	}
	if len(list.Block.NestedBlocks) != 0 || list.Block.Attributes["data"] != nil {
		t.Errorf("list resource schema is wrapped: %+v", list.Block)
	}

	f := p.Functions["dialog_id"]
	if f == nil || f.Summary == "" || f.Description == "" || !f.ReturnType.Equals(cty.String) ||
		len(f.Parameters) != 1 || f.Parameters[0].Name != "chat_id" || !f.Parameters[0].Type.Equals(cty.Number) || f.Parameters[0].Description == "" {
		t.Errorf("function dialog_id: %+v", f)
	}
	f = p.Functions["parse_dialog_id"]
	if want := cty.Object(map[string]cty.Type{"kind": cty.String, "id": cty.Number}); f == nil || !f.ReturnType.Equals(want) {
		t.Errorf("function parse_dialog_id: %+v", f)
	}

	id := p.ResourceIdentitySchemas["bitrix24_chat"]
	if id == nil || id.Attributes["id"] == nil || !id.Attributes["id"].RequiredForImport || !id.Attributes["id"].IdentityType.Equals(cty.Number) {
		t.Errorf("identity of bitrix24_chat: %+v", id)
	}
	if len(p.ResourceIdentitySchemas) != 1 {
		t.Errorf("identity schemas: %v", keys(p.ResourceIdentitySchemas))
	}
}

// fakeServer answers the two schema calls; the rest of the interface is
// nil and must not be called.
type fakeServer struct {
	tfprotov6.ProviderServer
	schema   *tfprotov6.GetProviderSchemaResponse
	identity *tfprotov6.GetResourceIdentitySchemasResponse
}

func (s fakeServer) GetProviderSchema(context.Context, *tfprotov6.GetProviderSchemaRequest) (*tfprotov6.GetProviderSchemaResponse, error) {
	return s.schema, nil
}

func (s fakeServer) GetResourceIdentitySchemas(context.Context, *tfprotov6.GetResourceIdentitySchemasRequest) (*tfprotov6.GetResourceIdentitySchemasResponse, error) {
	return s.identity, nil
}

// TestMapping checks the parts of Terraform 1.15's mapping that this
// provider's schema does not use (nested blocks and attributes, group
// nesting, deprecation, write-only, optional object attributes) against
// the JSON that Terraform writes for them.
func TestMapping(t *testing.T) {
	block := &tfprotov6.SchemaBlock{
		Description:        "A thing.",
		Deprecated:         true,
		DeprecationMessage: "Use another thing.",
		Attributes: []*tfprotov6.SchemaAttribute{
			{Name: "secret", Type: tftypes.String, Optional: true, WriteOnly: true, Sensitive: true, DescriptionKind: tfprotov6.StringKindMarkdown, Description: "`x`"},
			{Name: "old", Type: tftypes.Number, Computed: true, Deprecated: true, DeprecationMessage: "gone"},
			{Name: "any", Type: tftypes.DynamicPseudoType, Optional: true},
			{Name: "opts", Optional: true, Type: tftypes.Object{
				AttributeTypes:     map[string]tftypes.Type{"a": tftypes.String, "b": tftypes.List{ElementType: tftypes.Bool}},
				OptionalAttributes: map[string]struct{}{"b": {}},
			}},
			{Name: "nested", Optional: true, NestedType: &tfprotov6.SchemaObject{
				Nesting: tfprotov6.SchemaObjectNestingModeSet,
				Attributes: []*tfprotov6.SchemaAttribute{
					{Name: "k", Type: tftypes.Map{ElementType: tftypes.String}, Required: true},
				},
			}},
		},
		BlockTypes: []*tfprotov6.SchemaNestedBlock{
			{TypeName: "rule", Nesting: tfprotov6.SchemaNestedBlockNestingModeList, MinItems: 1, MaxItems: 3, Block: &tfprotov6.SchemaBlock{
				Attributes: []*tfprotov6.SchemaAttribute{{Name: "n", Type: tftypes.Number, Required: true}},
			}},
			{TypeName: "settings", Nesting: tfprotov6.SchemaNestedBlockNestingModeGroup, Block: &tfprotov6.SchemaBlock{}},
		},
	}
	server := fakeServer{
		schema: &tfprotov6.GetProviderSchemaResponse{
			Provider:        &tfprotov6.Schema{Block: &tfprotov6.SchemaBlock{}},
			ResourceSchemas: map[string]*tfprotov6.Schema{"x_thing": {Version: 2, Block: block}},
			Functions: map[string]*tfprotov6.Function{"f": {
				Return:            &tfprotov6.FunctionReturn{Type: tftypes.Set{ElementType: tftypes.String}},
				VariadicParameter: &tfprotov6.FunctionParameter{Name: "rest", Type: tftypes.DynamicPseudoType, AllowNullValue: true},
			}},
		},
		identity: &tfprotov6.GetResourceIdentitySchemasResponse{},
	}
	p, err := FromServer(context.Background(), server)
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"provider":{"version":0,"block":{"description_kind":"plain"}},` +
		`"resource_schemas":{"x_thing":{"version":2,"block":{"attributes":{` +
		`"any":{"type":"dynamic","description_kind":"plain","optional":true},` +
		`"nested":{"nested_type":{"attributes":{"k":{"type":["map","string"],"description_kind":"plain","required":true}},"nesting_mode":"set"},"description_kind":"plain","optional":true},` +
		`"old":{"type":"number","description_kind":"plain","deprecated":true,"deprecation_message":"gone","computed":true},` +
		`"opts":{"type":["object",{"a":"string","b":["list","bool"]},["b"]],"description_kind":"plain","optional":true},` +
		`"secret":{"type":"string","description":"` + "`x`" + `","description_kind":"markdown","optional":true,"sensitive":true,"write_only":true}},` +
		`"block_types":{"rule":{"nesting_mode":"list","block":{"attributes":{"n":{"type":"number","description_kind":"plain","required":true}},"description_kind":"plain"},"min_items":1,"max_items":3},` +
		`"settings":{"nesting_mode":"group","block":{"description_kind":"plain"}}},` +
		`"description":"A thing.","description_kind":"plain","deprecated":true,"deprecation_message":"Use another thing."}}},` +
		`"functions":{"f":{"return_type":["set","string"],"variadic_parameter":{"name":"rest","is_nullable":true,"type":"dynamic"}}}}`
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
