package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The attributes below mirror the keys of the im.dialog.get answer and keep
// their names. Both bitrix24_dialog and bitrix24_dialogs use them. A key the
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

// dialogAttributes are every attribute of a dialog except dialog_id.
func dialogAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"id":                computedInt64("Numeric chat id (`id`). Use it wherever another system needs the chat, for example `chat${id}` as a dialog id for bots and notifications."),
		"parent_chat_id":    computedInt64("Id of the parent chat of a thread (`parent_chat_id`), `0` for a top-level chat."),
		"parent_message_id": computedInt64("Id of the message a thread hangs off (`parent_message_id`), `0` for a top-level chat."),
		"name":              computedString("Chat title (`name`). Current portals send the title as `name`."),
		"title":             computedString("The same text as `name`. The public doc page of `im.dialog.get` calls the title `title`, and some older portals send that key; either fills both attributes."),
		"description":       computedString("Chat description (`description`)."),
		"owner":             computedInt64("User id of the chat owner (`owner`); `0` for a private dialog."),
		"extranet":          computedBool("Whether an extranet (external) user takes part in the chat (`extranet`)."),
		"avatar":            computedString("Absolute URL of the chat avatar, or `\"\"` when none is set (`avatar`)."),
		"color":             computedString("Chat colour in hex, for example `#4ba984` (`color`)."),
		"type":              computedString("Chat type (`type`): `chat`, `open`, `private`, or the camel-cased entity type such as `crm`, `sonetGroup`, `call`, `lines`."),
		"counter":           computedInt64("Unread messages of the calling user (`counter`)."),
		"user_counter":      computedInt64("Number of members (`user_counter`)."),
		"message_count":     computedInt64("Number of messages (`message_count`)."),
		"unread_id":         computedInt64("Id of the first unread message of the calling user (`unread_id`)."),
		"restrictions": schema.SingleNestedAttribute{
			Computed:            true,
			MarkdownDescription: "What members may do in the chat (`restrictions`); null when the portal sends none.",
			Attributes:          restrictionsAttributes(),
		},
		"last_message_id":    computedInt64("Id of the last message (`last_message_id`)."),
		"last_id":            computedInt64("Id of the last message the calling user has read (`last_id`)."),
		"marked_id":          computedInt64("Id of the message marked as unread by the calling user (`marked_id`)."),
		"disk_folder_id":     computedInt64("Id of the chat's Drive folder, `0` when it has none (`disk_folder_id`)."),
		"entity_type":        computedString("External binding type (`entity_type`), for example `CRM`, `SONET_GROUP`, `GENERAL`, `LINES`; `\"\"` for a plain chat."),
		"entity_id":          computedString("External binding id (`entity_id`), for example `DEAL|1663` for a CRM deal chat."),
		"entity_data_1":      computedString("External data of the chat (`entity_data_1`)."),
		"entity_data_2":      computedString("External data of the chat (`entity_data_2`)."),
		"entity_data_3":      computedString("External data of the chat (`entity_data_3`)."),
		"mute_list":          schema.ListAttribute{Computed: true, ElementType: types.Int64Type, MarkdownDescription: "User ids of members who muted the chat (`mute_list`)."},
		"date_create":        computedString("When the chat was created, in RFC 3339 as the portal sends it (`date_create`), for example `2026-02-25T16:50:58+03:00`."),
		"message_type":       computedString("One-letter chat kind (`message_type`): `C` group chat, `O` open chat, `P` private dialog, `L` open line, `S` system, `T` thread."),
		"public":             schema.SingleNestedAttribute{Computed: true, MarkdownDescription: "Public link of the chat (`public`); null when the portal sends `\"\"` (no public link).", Attributes: publicAttributes()},
		"role":               computedString("Role of the calling user in the chat (`role`): `owner`, `manager`, `member`, or `none`."),
		"entity_link":        schema.SingleNestedAttribute{Computed: true, MarkdownDescription: "Link to the entity the chat is bound to (`entity_link`), for example a CRM deal.", Attributes: entityLinkAttributes()},
		"text_field_enabled": computedBool("Whether members can type in the chat (`text_field_enabled`)."),
		"background_id":      computedInt64("Id of the chat background (`background_id`); null when the chat has the default background."),
		"permissions":        schema.SingleNestedAttribute{Computed: true, MarkdownDescription: "The least role needed for each action in the chat (`permissions`).", Attributes: permissionsAttributes()},
		"is_new":             computedBool("Whether the chat is new to the calling user (`is_new`)."),
		"readed_list": schema.ListNestedAttribute{
			Computed:            true,
			MarkdownDescription: "Up to which message each member has read (`readed_list`).",
			NestedObject:        schema.NestedAttributeObject{Attributes: readedAttributes()},
		},
		"manager_list":       schema.ListAttribute{Computed: true, ElementType: types.Int64Type, MarkdownDescription: "User ids of the chat managers (`manager_list`)."},
		"last_message_views": schema.SingleNestedAttribute{Computed: true, MarkdownDescription: "Who has seen the last message (`last_message_views`).", Attributes: lastMessageViewsAttributes()},
	}
}

func restrictionsAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"avatar":      computedBool("Members may change the avatar."),
		"rename":      computedBool("Members may rename the chat."),
		"extend":      computedBool("Members may add members."),
		"call":        computedBool("Members may start calls."),
		"mute":        computedBool("Members may mute the chat."),
		"leave":       computedBool("Members may leave the chat."),
		"leave_owner": computedBool("The owner may leave the chat."),
		"send":        computedBool("Members may send messages."),
		"user_list":   computedBool("Members may see the member list."),
		"path":        computedString("Portal path of the bound entity."),
		"path_title":  computedString("Title of the bound entity's path."),
	}
}

func publicAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"code": computedString("Code of the public link."),
		"link": computedString("The public link."),
	}
}

func entityLinkAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"type": computedString("Entity type, for example `DEAL`."),
		"url":  computedString("Portal path of the entity, for example `/crm/deal/details/1663/`."),
		"id":   computedString("Entity id, for example `DEAL|1663`."),
	}
}

func permissionsAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"manage_users_add":    computedString("Least role that may add members: `member`, `manager` or `owner`."),
		"manage_users_delete": computedString("Least role that may remove members."),
		"manage_ui":           computedString("Least role that may change the chat's look."),
		"manage_settings":     computedString("Least role that may change the chat's settings."),
		"manage_messages":     computedString("Least role that may manage messages."),
		"can_post":            computedString("Least role that may post."),
	}
}

func readedAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"user_id":    computedInt64("Member's user id."),
		"user_name":  computedString("Member's name."),
		"message_id": computedInt64("Last message the member has read."),
		"date":       computedString("When the member read it, RFC 3339; null when unknown."),
	}
}

func viewerAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"user_id":   computedInt64("Viewer's user id."),
		"user_name": computedString("Viewer's name."),
		"date":      computedString("When the viewer saw the message, RFC 3339."),
	}
}

func lastMessageViewsAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"message_id": computedInt64("Id of the last message."),
		"first_viewers": schema.ListNestedAttribute{
			Computed:            true,
			MarkdownDescription: "The first members who saw it.",
			NestedObject:        schema.NestedAttributeObject{Attributes: viewerAttributes()},
		},
		"count_of_viewers": computedInt64("How many members saw it."),
	}
}
