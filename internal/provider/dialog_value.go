package provider

import (
	"context"
	"fmt"
	"math/big"
	"sync"

	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/bitrix24"
)

// A dialog's Terraform value is built straight from the decoded answer as
// tftypes values, with the types taken from the schema once. The
// framework's struct reflection (ObjectValueFrom) compiles a regular
// expression per struct tag and object, which made 10,000 dialogs allocate
// over 3 GB.

// dialogType is the Terraform type of one dialog: every attribute of
// dialogAttributes.
var dialogType = sync.OnceValue(func() tftypes.Object {
	attrs := dialogAttributes()
	types := make(map[string]tftypes.Type, len(attrs))
	for name, a := range attrs {
		types[name] = a.GetType().TerraformType(context.Background())
	}
	return tftypes.Object{AttributeTypes: types}
})

// valueBuilder builds tftypes values and keeps the first type mismatch as
// an error, where tftypes.NewValue would panic.
type valueBuilder struct{ err error }

func (b *valueBuilder) value(t tftypes.Type, v any) tftypes.Value {
	if err := tftypes.ValidateValue(t, v); err != nil {
		if b.err == nil {
			b.err = err
		}
		return tftypes.NewValue(t, nil)
	}
	return tftypes.NewValue(t, v)
}

func (b *valueBuilder) str(v bitrix24.String) tftypes.Value {
	if !v.Valid {
		return tftypes.NewValue(tftypes.String, nil)
	}
	return tftypes.NewValue(tftypes.String, v.Value)
}

func (b *valueBuilder) int(v bitrix24.Int64) tftypes.Value {
	if !v.Valid {
		return tftypes.NewValue(tftypes.Number, nil)
	}
	return tftypes.NewValue(tftypes.Number, new(big.Float).SetInt64(v.Value))
}

func (b *valueBuilder) bool(v bitrix24.Bool) tftypes.Value {
	if !v.Valid {
		return tftypes.NewValue(tftypes.Bool, nil)
	}
	return tftypes.NewValue(tftypes.Bool, v.Value)
}

func (b *valueBuilder) intList(t tftypes.Type, v bitrix24.List[bitrix24.Int64]) tftypes.Value {
	if !v.Valid {
		return tftypes.NewValue(t, nil)
	}
	elems := make([]tftypes.Value, len(v.Values))
	for i, n := range v.Values {
		elems[i] = b.int(n)
	}
	return b.value(t, elems)
}

func attrType(t tftypes.Type, name string) tftypes.Type {
	obj, _ := t.(tftypes.Object)
	return obj.AttributeTypes[name]
}

// keyValues are the attribute values of one decoded object, from its key
// table: the same table the schema is built from.
func keyValues[T any](b *valueBuilder, t tftypes.Type, v *T, keys []bitrix24.Key[T]) map[string]tftypes.Value {
	out := make(map[string]tftypes.Value, len(keys))
	for _, k := range keys {
		out[k.Name] = b.field(attrType(t, k.Name), k.Field(v))
	}
	return out
}

// field is the value of one key, by the type that holds it (the cases of
// keyAttribute).
func (b *valueBuilder) field(t tftypes.Type, f any) tftypes.Value {
	switch f := f.(type) {
	case *bitrix24.Int64:
		return b.int(*f)
	case *bitrix24.String:
		return b.str(*f)
	case *bitrix24.Bool:
		return b.bool(*f)
	case *bitrix24.List[bitrix24.Int64]:
		return b.intList(t, *f)
	case *bitrix24.Object[bitrix24.Restrictions]:
		return object(b, t, f, bitrix24.RestrictionsKeys)
	case *bitrix24.Object[bitrix24.Public]:
		return object(b, t, f, bitrix24.PublicKeys)
	case *bitrix24.Object[bitrix24.EntityLink]:
		return object(b, t, f, bitrix24.EntityLinkKeys)
	case *bitrix24.Object[bitrix24.Permissions]:
		return object(b, t, f, bitrix24.PermissionsKeys)
	case *bitrix24.Object[bitrix24.LastMessageViews]:
		return object(b, t, f, bitrix24.LastMessageViewsKeys)
	case *bitrix24.List[bitrix24.ReadedEntry]:
		return objectList(b, t, f, bitrix24.ReadedEntryKeys)
	case *bitrix24.List[bitrix24.FirstViewer]:
		return objectList(b, t, f, bitrix24.FirstViewerKeys)
	}
	if b.err == nil {
		b.err = fmt.Errorf("no Terraform value for a key held in %T", f)
	}
	return tftypes.NewValue(t, nil)
}

// object is an object of type t, or null when absent.
func object[T any](b *valueBuilder, t tftypes.Type, v *bitrix24.Object[T], keys []bitrix24.Key[T]) tftypes.Value {
	if !v.Valid {
		return tftypes.NewValue(t, nil)
	}
	return b.value(t, keyValues(b, t, &v.Value, keys))
}

// objectList is a list of objects of type t, or null when absent.
func objectList[T any](b *valueBuilder, t tftypes.Type, v *bitrix24.List[T], keys []bitrix24.Key[T]) tftypes.Value {
	if !v.Valid {
		return tftypes.NewValue(t, nil)
	}
	list, _ := t.(tftypes.List)
	elems := make([]tftypes.Value, len(v.Values))
	for i := range v.Values {
		elems[i] = b.value(list.ElementType, keyValues(b, list.ElementType, &v.Values[i], keys))
	}
	return b.value(t, elems)
}

// dialogValue converts a decoded im.dialog.get answer into the Terraform
// value of one dialog; dialogID is the id as configured.
func dialogValue(dialogID string, d *bitrix24.Dialog) (tftypes.Value, error) {
	typ := dialogType()
	b := &valueBuilder{}
	attrs := keyValues(b, typ, d, bitrix24.DialogKeys)
	attrs["dialog_id"] = tftypes.NewValue(tftypes.String, dialogID)
	v := b.value(typ, attrs)
	return v, b.err
}
