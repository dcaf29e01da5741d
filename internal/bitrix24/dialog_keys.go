package bitrix24

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
)

// Key is one key of an answer object: its name in the answer (and the
// attribute's name in Terraform), what it holds, and where the decoded
// object keeps it. The tables below are the one place where the keys of
// an im.dialog.get answer are written: decoding, the error paths of
// ValueError, the provider's schema and its state are all built from them.
type Key[T any] struct {
	Name string
	// Doc says what the key holds, in Markdown; the provider's schema
	// shows it.
	Doc string
	// Field returns a pointer to where the object keeps the key's value:
	// *Int64, *String, *Bool, *List[…] or *Object[…].
	Field func(*T) any
}

// DialogKeys are the keys of an im.dialog.get answer. dialog_id comes
// last: the provider documents it per data source.
var DialogKeys = []Key[Dialog]{
	{"id", "Numeric chat id (`id`). Use it wherever another system needs the chat, for example `chat${id}` as a dialog id for bots and notifications.", func(d *Dialog) any { return &d.ID }},
	{"parent_chat_id", "Id of the parent chat of a thread (`parent_chat_id`), `0` for a top-level chat.", func(d *Dialog) any { return &d.ParentChatID }},
	{"parent_message_id", "Id of the message a thread hangs off (`parent_message_id`), `0` for a top-level chat.", func(d *Dialog) any { return &d.ParentMessageID }},
	{"name", "Chat title (`name`). Current portals send the title as `name`.", func(d *Dialog) any { return &d.Name }},
	{"title", "The same text as `name`. The public doc page of `im.dialog.get` calls the title `title`, and some older portals send that key; either fills both attributes.", func(d *Dialog) any { return &d.Title }},
	{"description", "Chat description (`description`).", func(d *Dialog) any { return &d.Description }},
	{"owner", "User id of the chat owner (`owner`); `0` for a private dialog.", func(d *Dialog) any { return &d.Owner }},
	{"extranet", "Whether an extranet (external) user takes part in the chat (`extranet`).", func(d *Dialog) any { return &d.Extranet }},
	{"avatar", "Absolute URL of the chat avatar, or `\"\"` when none is set (`avatar`).", func(d *Dialog) any { return &d.Avatar }},
	{"color", "Chat colour in hex, for example `#4ba984` (`color`).", func(d *Dialog) any { return &d.Color }},
	{"type", "Chat type (`type`): `chat`, `open`, `private`, or the camel-cased entity type such as `crm`, `sonetGroup`, `call`, `lines`.", func(d *Dialog) any { return &d.Type }},
	{"counter", "Unread messages of the calling user (`counter`).", func(d *Dialog) any { return &d.Counter }},
	{"user_counter", "Number of members (`user_counter`).", func(d *Dialog) any { return &d.UserCounter }},
	{"message_count", "Number of messages (`message_count`).", func(d *Dialog) any { return &d.MessageCount }},
	{"unread_id", "Id of the first unread message of the calling user (`unread_id`).", func(d *Dialog) any { return &d.UnreadID }},
	{"restrictions", "What members may do in the chat (`restrictions`); null when the portal sends none.", func(d *Dialog) any { return &d.Restrictions }},
	{"last_message_id", "Id of the last message (`last_message_id`).", func(d *Dialog) any { return &d.LastMessageID }},
	{"last_id", "Id of the last message the calling user has read (`last_id`).", func(d *Dialog) any { return &d.LastID }},
	{"marked_id", "Id of the message marked as unread by the calling user (`marked_id`).", func(d *Dialog) any { return &d.MarkedID }},
	{"disk_folder_id", "Id of the chat's Drive folder, `0` when it has none (`disk_folder_id`).", func(d *Dialog) any { return &d.DiskFolderID }},
	{"entity_type", "External binding type (`entity_type`), for example `CRM`, `SONET_GROUP`, `GENERAL`, `LINES`; `\"\"` for a plain chat.", func(d *Dialog) any { return &d.EntityType }},
	{"entity_id", "External binding id (`entity_id`), for example `DEAL|1663` for a CRM deal chat.", func(d *Dialog) any { return &d.EntityID }},
	{"entity_data_1", "External data of the chat (`entity_data_1`).", func(d *Dialog) any { return &d.EntityData1 }},
	{"entity_data_2", "External data of the chat (`entity_data_2`).", func(d *Dialog) any { return &d.EntityData2 }},
	{"entity_data_3", "External data of the chat (`entity_data_3`).", func(d *Dialog) any { return &d.EntityData3 }},
	{"mute_list", "User ids of members who muted the chat (`mute_list`).", func(d *Dialog) any { return &d.MuteList }},
	{"date_create", "When the chat was created, in RFC 3339 as the portal sends it (`date_create`), for example `2026-02-25T16:50:58+03:00`.", func(d *Dialog) any { return &d.DateCreate }},
	{"message_type", "One-letter chat kind (`message_type`): `C` group chat, `O` open chat, `P` private dialog, `L` open line, `S` system, `T` thread; newer portals also send `N` and `J` (channels), `B` (collab), `A` (copilot) and `X` (external).", func(d *Dialog) any { return &d.MessageType }},
	{"public", "Public link of the chat (`public`); null when the portal sends `\"\"` (no public link).", func(d *Dialog) any { return &d.Public }},
	{"role", "Role of the calling user in the chat (`role`): `owner`, `manager`, `member`, or `none`.", func(d *Dialog) any { return &d.Role }},
	{"entity_link", "Link to the entity the chat is bound to (`entity_link`), for example a CRM deal.", func(d *Dialog) any { return &d.EntityLink }},
	{"text_field_enabled", "Whether members can type in the chat (`text_field_enabled`).", func(d *Dialog) any { return &d.TextFieldEnabled }},
	{"background_id", "The chat's background (`background_id`), a name such as `azure`, `mint`, `steel`, `slate`, `teal`, `cornflower`, `sky`, `peach`, `frost`, or a system one (`collab`, `copilot`, `martaAI`, `notifications`); null for the default background. Older portals send a number, which is kept as text (for example `\"4\"`).", func(d *Dialog) any { return &d.BackgroundID }},
	{"permissions", "The least role needed for each action in the chat (`permissions`).", func(d *Dialog) any { return &d.Permissions }},
	{"is_new", "Whether the chat is new to the calling user (`is_new`).", func(d *Dialog) any { return &d.IsNew }},
	{"readed_list", "Up to which message each member has read (`readed_list`).", func(d *Dialog) any { return &d.ReadedList }},
	{"manager_list", "User ids of the chat managers (`manager_list`).", func(d *Dialog) any { return &d.ManagerList }},
	{"last_message_views", "Who has seen the last message (`last_message_views`).", func(d *Dialog) any { return &d.LastMessageViews }},
	{"dialog_id", "The dialog id.", func(d *Dialog) any { return &d.DialogID }},
}

// RestrictionsKeys are the keys of a dialog's restrictions.
var RestrictionsKeys = []Key[Restrictions]{
	{"avatar", "Members may change the avatar.", func(r *Restrictions) any { return &r.Avatar }},
	{"rename", "Members may rename the chat.", func(r *Restrictions) any { return &r.Rename }},
	{"extend", "Members may add members.", func(r *Restrictions) any { return &r.Extend }},
	{"call", "Members may start calls.", func(r *Restrictions) any { return &r.Call }},
	{"mute", "Members may mute the chat.", func(r *Restrictions) any { return &r.Mute }},
	{"leave", "Members may leave the chat.", func(r *Restrictions) any { return &r.Leave }},
	{"leave_owner", "The owner may leave the chat.", func(r *Restrictions) any { return &r.LeaveOwner }},
	{"send", "Members may send messages.", func(r *Restrictions) any { return &r.Send }},
	{"user_list", "Members may see the member list.", func(r *Restrictions) any { return &r.UserList }},
	{"path", "Portal path of the bound entity.", func(r *Restrictions) any { return &r.Path }},
	{"path_title", "Title of the bound entity's path.", func(r *Restrictions) any { return &r.PathTitle }},
}

// PublicKeys are the keys of a dialog's public link.
var PublicKeys = []Key[Public]{
	{"code", "Code of the public link.", func(p *Public) any { return &p.Code }},
	{"link", "The public link.", func(p *Public) any { return &p.Link }},
}

// EntityLinkKeys are the keys of a dialog's entity link.
var EntityLinkKeys = []Key[EntityLink]{
	{"type", "Entity type, for example `DEAL`.", func(e *EntityLink) any { return &e.Type }},
	{"url", "Portal path of the entity, for example `/crm/deal/details/1663/`.", func(e *EntityLink) any { return &e.URL }},
	{"id", "Entity id, for example `DEAL|1663`.", func(e *EntityLink) any { return &e.ID }},
}

// PermissionsKeys are the keys of a dialog's permissions.
var PermissionsKeys = []Key[Permissions]{
	{"manage_users_add", "Least role that may add members: `member`, `manager` or `owner`.", func(p *Permissions) any { return &p.ManageUsersAdd }},
	{"manage_users_delete", "Least role that may remove members.", func(p *Permissions) any { return &p.ManageUsersDelete }},
	{"manage_ui", "Least role that may change the chat's look.", func(p *Permissions) any { return &p.ManageUI }},
	{"manage_settings", "Least role that may change the chat's settings.", func(p *Permissions) any { return &p.ManageSettings }},
	{"manage_messages", "Least role that may manage messages.", func(p *Permissions) any { return &p.ManageMessages }},
	{"can_post", "Least role that may post.", func(p *Permissions) any { return &p.CanPost }},
}

// ReadedEntryKeys are the keys of one readed_list entry.
var ReadedEntryKeys = []Key[ReadedEntry]{
	{"user_id", "Member's user id.", func(e *ReadedEntry) any { return &e.UserID }},
	{"user_name", "Member's name.", func(e *ReadedEntry) any { return &e.UserName }},
	{"message_id", "Last message the member has read.", func(e *ReadedEntry) any { return &e.MessageID }},
	{"date", "When the member read it, RFC 3339; null when unknown.", func(e *ReadedEntry) any { return &e.Date }},
}

// LastMessageViewsKeys are the keys of last_message_views.
var LastMessageViewsKeys = []Key[LastMessageViews]{
	{"message_id", "Id of the last message.", func(v *LastMessageViews) any { return &v.MessageID }},
	{"first_viewers", "The first members who saw it.", func(v *LastMessageViews) any { return &v.FirstViewers }},
	{"count_of_viewers", "How many members saw it.", func(v *LastMessageViews) any { return &v.CountOfViewers }},
}

// FirstViewerKeys are the keys of one first_viewers entry.
var FirstViewerKeys = []Key[FirstViewer]{
	{"user_id", "Viewer's user id.", func(f *FirstViewer) any { return &f.UserID }},
	{"user_name", "Viewer's name.", func(f *FirstViewer) any { return &f.UserName }},
	{"date", "When the viewer saw the message, RFC 3339.", func(f *FirstViewer) any { return &f.Date }},
}

// decodeKeys reads the JSON object b into v, key by key from the table.
// It fails only when b is not an object (or when a table's Field is not
// one of the flexible types); each value keeps its own Bad.
// Keys are matched exactly; unknown keys are ignored.
func decodeKeys[T any](b []byte, v *T, keys []Key[T]) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	if m == nil {
		return errNotObject
	}
	for _, k := range keys {
		if raw, ok := m[k.Name]; ok {
			f := k.Field(v)
			u, ok := f.(json.Unmarshaler)
			if !ok {
				return fmt.Errorf("key %q: %T does not decode JSON", k.Name, f)
			}
			// The flexible types never fail: they keep Bad instead.
			_ = u.UnmarshalJSON(raw)
		}
	}
	return nil
}

// UnmarshalJSON implements json.Unmarshaler from DialogKeys.
func (d *Dialog) UnmarshalJSON(b []byte) error {
	*d = Dialog{}
	return decodeKeys(b, d, DialogKeys)
}

// UnmarshalJSON implements json.Unmarshaler from RestrictionsKeys.
func (r *Restrictions) UnmarshalJSON(b []byte) error {
	*r = Restrictions{}
	return decodeKeys(b, r, RestrictionsKeys)
}

// UnmarshalJSON implements json.Unmarshaler from PublicKeys.
func (p *Public) UnmarshalJSON(b []byte) error { *p = Public{}; return decodeKeys(b, p, PublicKeys) }

// UnmarshalJSON implements json.Unmarshaler from EntityLinkKeys.
func (e *EntityLink) UnmarshalJSON(b []byte) error {
	*e = EntityLink{}
	return decodeKeys(b, e, EntityLinkKeys)
}

// UnmarshalJSON implements json.Unmarshaler from PermissionsKeys.
func (p *Permissions) UnmarshalJSON(b []byte) error {
	*p = Permissions{}
	return decodeKeys(b, p, PermissionsKeys)
}

// UnmarshalJSON implements json.Unmarshaler from ReadedEntryKeys.
func (e *ReadedEntry) UnmarshalJSON(b []byte) error {
	*e = ReadedEntry{}
	return decodeKeys(b, e, ReadedEntryKeys)
}

// UnmarshalJSON implements json.Unmarshaler from LastMessageViewsKeys.
func (v *LastMessageViews) UnmarshalJSON(b []byte) error {
	*v = LastMessageViews{}
	return decodeKeys(b, v, LastMessageViewsKeys)
}

// UnmarshalJSON implements json.Unmarshaler from FirstViewerKeys.
func (f *FirstViewer) UnmarshalJSON(b []byte) error {
	*f = FirstViewer{}
	return decodeKeys(b, f, FirstViewerKeys)
}

// keyNames maps a struct type that has a key table to the key name of
// each field index, for the paths of ValueError.
var keyNames = sync.OnceValue(func() map[reflect.Type]map[int]string {
	return map[reflect.Type]map[int]string{
		reflect.TypeOf(Dialog{}):           fieldKeys(DialogKeys),
		reflect.TypeOf(Restrictions{}):     fieldKeys(RestrictionsKeys),
		reflect.TypeOf(Public{}):           fieldKeys(PublicKeys),
		reflect.TypeOf(EntityLink{}):       fieldKeys(EntityLinkKeys),
		reflect.TypeOf(Permissions{}):      fieldKeys(PermissionsKeys),
		reflect.TypeOf(ReadedEntry{}):      fieldKeys(ReadedEntryKeys),
		reflect.TypeOf(LastMessageViews{}): fieldKeys(LastMessageViewsKeys),
		reflect.TypeOf(FirstViewer{}):      fieldKeys(FirstViewerKeys),
	}
})

// fieldKeys finds which field each key's Field points at.
func fieldKeys[T any](keys []Key[T]) map[int]string {
	p := new(T)
	v := reflect.ValueOf(p).Elem()
	byAddr := make(map[uintptr]int, v.NumField())
	for i := 0; i < v.NumField(); i++ {
		byAddr[v.Field(i).Addr().Pointer()] = i
	}
	out := make(map[int]string, len(keys))
	for _, k := range keys {
		out[byAddr[reflect.ValueOf(k.Field(p)).Pointer()]] = k.Name
	}
	return out
}
