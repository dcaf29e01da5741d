package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/bitrix24"
)

// dialogModel is one dialog in Terraform state.
type dialogModel struct {
	DialogID         types.String `tfsdk:"dialog_id"`
	ID               types.Int64  `tfsdk:"id"`
	ParentChatID     types.Int64  `tfsdk:"parent_chat_id"`
	ParentMessageID  types.Int64  `tfsdk:"parent_message_id"`
	Name             types.String `tfsdk:"name"`
	Title            types.String `tfsdk:"title"`
	Description      types.String `tfsdk:"description"`
	Owner            types.Int64  `tfsdk:"owner"`
	Extranet         types.Bool   `tfsdk:"extranet"`
	Avatar           types.String `tfsdk:"avatar"`
	Color            types.String `tfsdk:"color"`
	Type             types.String `tfsdk:"type"`
	Counter          types.Int64  `tfsdk:"counter"`
	UserCounter      types.Int64  `tfsdk:"user_counter"`
	MessageCount     types.Int64  `tfsdk:"message_count"`
	UnreadID         types.Int64  `tfsdk:"unread_id"`
	Restrictions     types.Object `tfsdk:"restrictions"`
	LastMessageID    types.Int64  `tfsdk:"last_message_id"`
	LastID           types.Int64  `tfsdk:"last_id"`
	MarkedID         types.Int64  `tfsdk:"marked_id"`
	DiskFolderID     types.Int64  `tfsdk:"disk_folder_id"`
	EntityType       types.String `tfsdk:"entity_type"`
	EntityID         types.String `tfsdk:"entity_id"`
	EntityData1      types.String `tfsdk:"entity_data_1"`
	EntityData2      types.String `tfsdk:"entity_data_2"`
	EntityData3      types.String `tfsdk:"entity_data_3"`
	MuteList         types.List   `tfsdk:"mute_list"`
	DateCreate       types.String `tfsdk:"date_create"`
	MessageType      types.String `tfsdk:"message_type"`
	Public           types.Object `tfsdk:"public"`
	Role             types.String `tfsdk:"role"`
	EntityLink       types.Object `tfsdk:"entity_link"`
	TextFieldEnabled types.Bool   `tfsdk:"text_field_enabled"`
	BackgroundID     types.Int64  `tfsdk:"background_id"`
	Permissions      types.Object `tfsdk:"permissions"`
	IsNew            types.Bool   `tfsdk:"is_new"`
	ReadedList       types.List   `tfsdk:"readed_list"`
	ManagerList      types.List   `tfsdk:"manager_list"`
	LastMessageViews types.Object `tfsdk:"last_message_views"`
}

type restrictionsModel struct {
	Avatar     types.Bool   `tfsdk:"avatar"`
	Rename     types.Bool   `tfsdk:"rename"`
	Extend     types.Bool   `tfsdk:"extend"`
	Call       types.Bool   `tfsdk:"call"`
	Mute       types.Bool   `tfsdk:"mute"`
	Leave      types.Bool   `tfsdk:"leave"`
	LeaveOwner types.Bool   `tfsdk:"leave_owner"`
	Send       types.Bool   `tfsdk:"send"`
	UserList   types.Bool   `tfsdk:"user_list"`
	Path       types.String `tfsdk:"path"`
	PathTitle  types.String `tfsdk:"path_title"`
}

type publicModel struct {
	Code types.String `tfsdk:"code"`
	Link types.String `tfsdk:"link"`
}

type entityLinkModel struct {
	Type types.String `tfsdk:"type"`
	URL  types.String `tfsdk:"url"`
	ID   types.String `tfsdk:"id"`
}

type permissionsModel struct {
	ManageUsersAdd    types.String `tfsdk:"manage_users_add"`
	ManageUsersDelete types.String `tfsdk:"manage_users_delete"`
	ManageUI          types.String `tfsdk:"manage_ui"`
	ManageSettings    types.String `tfsdk:"manage_settings"`
	ManageMessages    types.String `tfsdk:"manage_messages"`
	CanPost           types.String `tfsdk:"can_post"`
}

type readedModel struct {
	UserID    types.Int64  `tfsdk:"user_id"`
	UserName  types.String `tfsdk:"user_name"`
	MessageID types.Int64  `tfsdk:"message_id"`
	Date      types.String `tfsdk:"date"`
}

type viewerModel struct {
	UserID   types.Int64  `tfsdk:"user_id"`
	UserName types.String `tfsdk:"user_name"`
	Date     types.String `tfsdk:"date"`
}

type lastMessageViewsModel struct {
	MessageID      types.Int64 `tfsdk:"message_id"`
	FirstViewers   types.List  `tfsdk:"first_viewers"`
	CountOfViewers types.Int64 `tfsdk:"count_of_viewers"`
}

func int64Value(v bitrix24.Int64) types.Int64 {
	if !v.Valid {
		return types.Int64Null()
	}
	return types.Int64Value(v.Value)
}

func stringValue(v bitrix24.String) types.String {
	if !v.Valid {
		return types.StringNull()
	}
	return types.StringValue(v.Value)
}

func boolValue(v bitrix24.Bool) types.Bool {
	if !v.Valid {
		return types.BoolNull()
	}
	return types.BoolValue(v.Value)
}

func int64List(v bitrix24.List[bitrix24.Int64]) types.List {
	if !v.Valid {
		return types.ListNull(types.Int64Type)
	}
	elems := make([]attr.Value, len(v.Values))
	for i, n := range v.Values {
		elems[i] = int64Value(n)
	}
	return types.ListValueMust(types.Int64Type, elems)
}

// objectValue builds an object from a model, or null when absent.
func objectValue[T any](ctx context.Context, attrs map[string]attr.Type, valid bool, build func() T, diags *diag.Diagnostics) types.Object {
	if !valid {
		return types.ObjectNull(attrs)
	}
	obj, d := types.ObjectValueFrom(ctx, attrs, build())
	diags.Append(d...)
	return obj
}

// listValue builds a list of objects from models, or null when absent.
func listValue[T, M any](ctx context.Context, attrs map[string]attr.Type, v bitrix24.List[T], build func(T) M, diags *diag.Diagnostics) types.List {
	elemType := types.ObjectType{AttrTypes: attrs}
	if !v.Valid {
		return types.ListNull(elemType)
	}
	models := make([]M, len(v.Values))
	for i, item := range v.Values {
		models[i] = build(item)
	}
	list, d := types.ListValueFrom(ctx, elemType, models)
	diags.Append(d...)
	return list
}

// newDialogModel converts a decoded im.dialog.get result into state.
// dialogID is the id as configured.
func newDialogModel(ctx context.Context, dialogID string, d *bitrix24.Dialog) (dialogModel, diag.Diagnostics) {
	var diags diag.Diagnostics
	m := dialogModel{
		DialogID:         types.StringValue(dialogID),
		ID:               int64Value(d.ID),
		ParentChatID:     int64Value(d.ParentChatID),
		ParentMessageID:  int64Value(d.ParentMessageID),
		Name:             stringValue(d.Name),
		Title:            stringValue(d.Title),
		Description:      stringValue(d.Description),
		Owner:            int64Value(d.Owner),
		Extranet:         boolValue(d.Extranet),
		Avatar:           stringValue(d.Avatar),
		Color:            stringValue(d.Color),
		Type:             stringValue(d.Type),
		Counter:          int64Value(d.Counter),
		UserCounter:      int64Value(d.UserCounter),
		MessageCount:     int64Value(d.MessageCount),
		UnreadID:         int64Value(d.UnreadID),
		LastMessageID:    int64Value(d.LastMessageID),
		LastID:           int64Value(d.LastID),
		MarkedID:         int64Value(d.MarkedID),
		DiskFolderID:     int64Value(d.DiskFolderID),
		EntityType:       stringValue(d.EntityType),
		EntityID:         stringValue(d.EntityID),
		EntityData1:      stringValue(d.EntityData1),
		EntityData2:      stringValue(d.EntityData2),
		EntityData3:      stringValue(d.EntityData3),
		MuteList:         int64List(d.MuteList),
		DateCreate:       stringValue(d.DateCreate),
		MessageType:      stringValue(d.MessageType),
		Role:             stringValue(d.Role),
		TextFieldEnabled: boolValue(d.TextFieldEnabled),
		BackgroundID:     int64Value(d.BackgroundID),
		IsNew:            boolValue(d.IsNew),
		ManagerList:      int64List(d.ManagerList),
	}
	r := d.Restrictions.Value
	m.Restrictions = objectValue(ctx, attrTypes(restrictionsAttributes()), d.Restrictions.Valid, func() restrictionsModel {
		return restrictionsModel{
			Avatar: boolValue(r.Avatar), Rename: boolValue(r.Rename), Extend: boolValue(r.Extend), Call: boolValue(r.Call),
			Mute: boolValue(r.Mute), Leave: boolValue(r.Leave), LeaveOwner: boolValue(r.LeaveOwner), Send: boolValue(r.Send),
			UserList: boolValue(r.UserList), Path: stringValue(r.Path), PathTitle: stringValue(r.PathTitle),
		}
	}, &diags)
	m.Public = objectValue(ctx, attrTypes(publicAttributes()), d.Public.Valid, func() publicModel {
		return publicModel{Code: stringValue(d.Public.Value.Code), Link: stringValue(d.Public.Value.Link)}
	}, &diags)
	m.EntityLink = objectValue(ctx, attrTypes(entityLinkAttributes()), d.EntityLink.Valid, func() entityLinkModel {
		e := d.EntityLink.Value
		return entityLinkModel{Type: stringValue(e.Type), URL: stringValue(e.URL), ID: stringValue(e.ID)}
	}, &diags)
	m.Permissions = objectValue(ctx, attrTypes(permissionsAttributes()), d.Permissions.Valid, func() permissionsModel {
		p := d.Permissions.Value
		return permissionsModel{
			ManageUsersAdd: stringValue(p.ManageUsersAdd), ManageUsersDelete: stringValue(p.ManageUsersDelete),
			ManageUI: stringValue(p.ManageUI), ManageSettings: stringValue(p.ManageSettings),
			ManageMessages: stringValue(p.ManageMessages), CanPost: stringValue(p.CanPost),
		}
	}, &diags)
	m.ReadedList = listValue(ctx, attrTypes(readedAttributes()), d.ReadedList, func(e bitrix24.ReadedEntry) readedModel {
		return readedModel{UserID: int64Value(e.UserID), UserName: stringValue(e.UserName), MessageID: int64Value(e.MessageID), Date: stringValue(e.Date)}
	}, &diags)
	m.LastMessageViews = objectValue(ctx, attrTypes(lastMessageViewsAttributes()), d.LastMessageViews.Valid, func() lastMessageViewsModel {
		v := d.LastMessageViews.Value
		return lastMessageViewsModel{
			MessageID:      int64Value(v.MessageID),
			CountOfViewers: int64Value(v.CountOfViewers),
			FirstViewers: listValue(ctx, attrTypes(viewerAttributes()), v.FirstViewers, func(f bitrix24.FirstViewer) viewerModel {
				return viewerModel{UserID: int64Value(f.UserID), UserName: stringValue(f.UserName), Date: stringValue(f.Date)}
			}, &diags),
		}
	}, &diags)
	return m, diags
}
