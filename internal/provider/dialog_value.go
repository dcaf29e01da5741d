package provider

import (
	"context"
	"math/big"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/bitrix24"
)

// A dialog's Terraform value is built straight from the decoded answer as
// tftypes values, with the types taken from the schema once. The
// framework's struct reflection (ObjectValueFrom) compiles a regular
// expression per struct tag and object, which made 10,000 dialogs allocate
// over 3 GB.

// dialogType is the Terraform type of one dialog: every attribute of
// dialogAttributes plus dialog_id.
var dialogType = sync.OnceValue(func() tftypes.Object {
	attrs := dialogAttributes()
	attrs["dialog_id"] = schema.StringAttribute{Computed: true}
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

// object is an object of type t, or null when absent.
func (b *valueBuilder) object(t tftypes.Type, valid bool, attrs func() map[string]tftypes.Value) tftypes.Value {
	if !valid {
		return tftypes.NewValue(t, nil)
	}
	return b.value(t, attrs())
}

// objectList is a list of objects of type t, or null when absent.
func objectList[T any](b *valueBuilder, t tftypes.Type, v bitrix24.List[T], attrs func(T) map[string]tftypes.Value) tftypes.Value {
	if !v.Valid {
		return tftypes.NewValue(t, nil)
	}
	list, _ := t.(tftypes.List)
	elems := make([]tftypes.Value, len(v.Values))
	for i, item := range v.Values {
		elems[i] = b.value(list.ElementType, attrs(item))
	}
	return b.value(t, elems)
}

func attrType(t tftypes.Type, name string) tftypes.Type {
	obj, _ := t.(tftypes.Object)
	return obj.AttributeTypes[name]
}

// dialogValue converts a decoded im.dialog.get answer into the Terraform
// value of one dialog; dialogID is the id as configured.
func dialogValue(dialogID string, d *bitrix24.Dialog) (tftypes.Value, error) {
	typ := dialogType()
	at := typ.AttributeTypes
	b := &valueBuilder{}
	views := at["last_message_views"]
	v := b.value(typ, map[string]tftypes.Value{
		"dialog_id":          tftypes.NewValue(tftypes.String, dialogID),
		"id":                 b.int(d.ID),
		"parent_chat_id":     b.int(d.ParentChatID),
		"parent_message_id":  b.int(d.ParentMessageID),
		"name":               b.str(d.Name),
		"title":              b.str(d.Title),
		"description":        b.str(d.Description),
		"owner":              b.int(d.Owner),
		"extranet":           b.bool(d.Extranet),
		"avatar":             b.str(d.Avatar),
		"color":              b.str(d.Color),
		"type":               b.str(d.Type),
		"counter":            b.int(d.Counter),
		"user_counter":       b.int(d.UserCounter),
		"message_count":      b.int(d.MessageCount),
		"unread_id":          b.int(d.UnreadID),
		"last_message_id":    b.int(d.LastMessageID),
		"last_id":            b.int(d.LastID),
		"marked_id":          b.int(d.MarkedID),
		"disk_folder_id":     b.int(d.DiskFolderID),
		"entity_type":        b.str(d.EntityType),
		"entity_id":          b.str(d.EntityID),
		"entity_data_1":      b.str(d.EntityData1),
		"entity_data_2":      b.str(d.EntityData2),
		"entity_data_3":      b.str(d.EntityData3),
		"mute_list":          b.intList(at["mute_list"], d.MuteList),
		"date_create":        b.str(d.DateCreate),
		"message_type":       b.str(d.MessageType),
		"role":               b.str(d.Role),
		"text_field_enabled": b.bool(d.TextFieldEnabled),
		"background_id":      b.int(d.BackgroundID),
		"is_new":             b.bool(d.IsNew),
		"manager_list":       b.intList(at["manager_list"], d.ManagerList),
		"restrictions": b.object(at["restrictions"], d.Restrictions.Valid, func() map[string]tftypes.Value {
			r := d.Restrictions.Value
			return map[string]tftypes.Value{
				"avatar": b.bool(r.Avatar), "rename": b.bool(r.Rename), "extend": b.bool(r.Extend), "call": b.bool(r.Call),
				"mute": b.bool(r.Mute), "leave": b.bool(r.Leave), "leave_owner": b.bool(r.LeaveOwner), "send": b.bool(r.Send),
				"user_list": b.bool(r.UserList), "path": b.str(r.Path), "path_title": b.str(r.PathTitle),
			}
		}),
		"public": b.object(at["public"], d.Public.Valid, func() map[string]tftypes.Value {
			return map[string]tftypes.Value{"code": b.str(d.Public.Value.Code), "link": b.str(d.Public.Value.Link)}
		}),
		"entity_link": b.object(at["entity_link"], d.EntityLink.Valid, func() map[string]tftypes.Value {
			e := d.EntityLink.Value
			return map[string]tftypes.Value{"type": b.str(e.Type), "url": b.str(e.URL), "id": b.str(e.ID)}
		}),
		"permissions": b.object(at["permissions"], d.Permissions.Valid, func() map[string]tftypes.Value {
			p := d.Permissions.Value
			return map[string]tftypes.Value{
				"manage_users_add": b.str(p.ManageUsersAdd), "manage_users_delete": b.str(p.ManageUsersDelete),
				"manage_ui": b.str(p.ManageUI), "manage_settings": b.str(p.ManageSettings),
				"manage_messages": b.str(p.ManageMessages), "can_post": b.str(p.CanPost),
			}
		}),
		"readed_list": objectList(b, at["readed_list"], d.ReadedList, func(e bitrix24.ReadedEntry) map[string]tftypes.Value {
			return map[string]tftypes.Value{"user_id": b.int(e.UserID), "user_name": b.str(e.UserName), "message_id": b.int(e.MessageID), "date": b.str(e.Date)}
		}),
		"last_message_views": b.object(views, d.LastMessageViews.Valid, func() map[string]tftypes.Value {
			lv := d.LastMessageViews.Value
			return map[string]tftypes.Value{
				"message_id":       b.int(lv.MessageID),
				"count_of_viewers": b.int(lv.CountOfViewers),
				"first_viewers": objectList(b, attrType(views, "first_viewers"), lv.FirstViewers, func(f bitrix24.FirstViewer) map[string]tftypes.Value {
					return map[string]tftypes.Value{"user_id": b.int(f.UserID), "user_name": b.str(f.UserName), "date": b.str(f.Date)}
				}),
			}
		}),
	})
	return v, b.err
}
