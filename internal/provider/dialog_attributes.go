package provider

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/bitrix24"
)

// The attributes of a dialog mirror the keys of the im.dialog.get answer
// and keep their names. They are built from the client's key tables
// (bitrix24.DialogKeys and the tables of its nested objects), which also
// drive decoding and the state (dialog_value.go): a key is written in one
// place. Both bitrix24_dialog and bitrix24_dialogs use them. A key the
// portal did not send is null: key sets differ between portal versions.

func computedInt64(desc string) schema.Int64Attribute {
	return schema.Int64Attribute{Computed: true, MarkdownDescription: desc}
}

func computedString(desc string) schema.StringAttribute {
	return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
}

func computedBool(desc string) schema.BoolAttribute {
	return schema.BoolAttribute{Computed: true, MarkdownDescription: desc}
}

// dialogAttributes are every attribute of a dialog. Each data source
// replaces dialog_id with its own.
func dialogAttributes() map[string]schema.Attribute {
	return keyAttributes(bitrix24.DialogKeys)
}

// keyAttributes is the schema of one key table.
func keyAttributes[T any](keys []bitrix24.Key[T]) map[string]schema.Attribute {
	var zero T
	out := make(map[string]schema.Attribute, len(keys))
	for _, k := range keys {
		out[k.Name] = keyAttribute(k.Field(&zero), k.Doc)
	}
	return out
}

// keyAttribute is the schema of one key, by the type that holds its value.
// Every type the tables use has a case; TestDialogSchema_everyKey checks.
func keyAttribute(field any, doc string) schema.Attribute {
	switch field.(type) {
	case *bitrix24.Int64:
		return computedInt64(doc)
	case *bitrix24.String:
		return computedString(doc)
	case *bitrix24.Bool:
		return computedBool(doc)
	case *bitrix24.List[bitrix24.Int64]:
		return schema.ListAttribute{Computed: true, ElementType: types.Int64Type, MarkdownDescription: doc}
	case *bitrix24.Object[bitrix24.Restrictions]:
		return nestedAttribute(doc, bitrix24.RestrictionsKeys)
	case *bitrix24.Object[bitrix24.Public]:
		return nestedAttribute(doc, bitrix24.PublicKeys)
	case *bitrix24.Object[bitrix24.EntityLink]:
		return nestedAttribute(doc, bitrix24.EntityLinkKeys)
	case *bitrix24.Object[bitrix24.Permissions]:
		return nestedAttribute(doc, bitrix24.PermissionsKeys)
	case *bitrix24.Object[bitrix24.LastMessageViews]:
		return nestedAttribute(doc, bitrix24.LastMessageViewsKeys)
	case *bitrix24.List[bitrix24.ReadedEntry]:
		return nestedListAttribute(doc, bitrix24.ReadedEntryKeys)
	case *bitrix24.List[bitrix24.FirstViewer]:
		return nestedListAttribute(doc, bitrix24.FirstViewerKeys)
	}
	panic(fmt.Sprintf("provider: no schema for a key held in %T", field)) // A build defect, caught by every test.
}

func nestedAttribute[T any](doc string, keys []bitrix24.Key[T]) schema.Attribute {
	return schema.SingleNestedAttribute{Computed: true, MarkdownDescription: doc, Attributes: keyAttributes(keys)}
}

func nestedListAttribute[T any](doc string, keys []bitrix24.Key[T]) schema.Attribute {
	return schema.ListNestedAttribute{Computed: true, MarkdownDescription: doc, NestedObject: schema.NestedAttributeObject{Attributes: keyAttributes(keys)}}
}
