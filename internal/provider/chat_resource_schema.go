package provider

import (
	"context"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/bitrix24"
)

// chatModel is the bitrix24_chat resource's state.
type chatModel struct {
	ID          types.Int64  `tfsdk:"id"`
	DialogID    types.String `tfsdk:"dialog_id"`
	Title       types.String `tfsdk:"title"`
	Description types.String `tfsdk:"description"`
	Color       types.String `tfsdk:"color"`
	Type        types.String `tfsdk:"type"`
	Members     types.Set    `tfsdk:"members"`
	OwnerID     types.Int64  `tfsdk:"owner_id"`
	EntityType  types.String `tfsdk:"entity_type"`
	EntityID    types.String `tfsdk:"entity_id"`
	OnDestroy   types.String `tfsdk:"on_destroy"`
}

const (
	onDestroyAbandon = "abandon"
	onDestroyLeave   = "leave"
)

var notBlank = regexp.MustCompile(`\S`)

func (r *chatResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	keep := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	replace := []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplace()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A Bitrix24 group chat, created with `im.chat.add` and kept as configured with " +
			"`im.chat.updateTitle`, `im.chat.updateColor`, `im.chat.user.add`, `im.chat.user.delete` and `im.chat.setOwner`; " +
			"read with `im.dialog.get` and `im.chat.user.list`. The webhook or application needs the `im` scope; its user " +
			"creates the chat, owns it and is always a member.\n\n" +
			"**Created exactly once.** `im.chat.add` is never sent twice. Before it, the chat is bound to something the " +
			"provider can find it by: your `entity_type` + `entity_id`, or else a marker of its own in `ENTITY_ID` " +
			"(`terraform:` and 16 hex digits, with an empty `ENTITY_TYPE`, so that the chat stays an ordinary group chat). " +
			"When the portal's answer is lost, the provider looks for that chat (`im.chat.get`, or a search by title and " +
			"`im.dialog.get`) before doing anything else, and keeps the one it finds.\n\n" +
			"**Optional attributes left unset are not managed**: the provider shows what the portal has and changes nothing. " +
			"`description`, `type`, `entity_type` and `entity_id` cannot be changed through the REST API, so a change replaces the chat.\n\n" +
			"**Destroying** does not delete the chat (the API documents no delete): see `on_destroy`.",
		Attributes: map[string]schema.Attribute{
			"id": schema.Int64Attribute{
				Computed:            true,
				MarkdownDescription: "The chat's numeric id.",
				PlanModifiers:       []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
			},
			"dialog_id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The chat's dialog id, `chatN`: what `bitrix24_dialog`, `im.message.add` and alert routes take.",
				PlanModifiers:       keep,
			},
			"title": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "The chat's title. Changed in place with `im.chat.updateTitle`; a rename in the portal shows as a change back.",
				Validators: []validator.String{
					stringvalidator.RegexMatches(notBlank, "must not be empty or only white space (the portal answers TITLE_EMPTY)"),
					portalKeepsValidator(255),
				},
			},
			"description": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "The chat's description, set when the chat is created. No REST method changes it later, so " +
					"changing it **replaces the chat** (a new chat is created; the old one is handled as `on_destroy` says). " +
					"Unset: not managed.",
				Validators:    []validator.String{portalKeepsValidator(0)},
				PlanModifiers: replace,
			},
			"color": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "The chat's colour, one of `" + strings.Join(bitrix24.ChatColorNames(), "`, `") + "`. " +
					"Changed in place with `im.chat.updateColor`. Unset: the portal picks one, and it is not managed. " +
					"A portal with chat colours switched off shows every chat as `MARENGO`.",
				Validators:    []validator.String{stringvalidator.OneOf(bitrix24.ChatColorNames()...)},
				PlanModifiers: keep,
			},
			"type": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "`CHAT` (a closed group chat; what a new chat is when unset) or `OPEN` (an open chat that " +
					"anyone in the company may find and join). Changing it replaces the chat.",
				Validators:    []validator.String{stringvalidator.OneOf("CHAT", "OPEN")},
				PlanModifiers: replace,
			},
			"members": schema.SetAttribute{
				ElementType: types.Int64Type,
				Optional:    true,
				Computed:    true,
				MarkdownDescription: "User ids of the members **other than** the webhook's (or token's) own user, who is always a " +
					"member and must not be listed. When set, the list is authoritative: members added in the portal show as a " +
					"change, and apply removes them. Apply adds the new members in one `im.chat.user.add` call before it removes " +
					"any (`im.chat.user.delete`, one call per user). Unset: members are shown but not managed.",
				Validators:    []validator.Set{setvalidator.ValueInt64sAre(int64validator.AtLeast(1))},
				PlanModifiers: []planmodifier.Set{setplanmodifier.UseStateForUnknown()},
			},
			"owner_id": schema.Int64Attribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "The user id of the chat's owner. A new chat is owned by the webhook's user; set this to hand " +
					"it over with `im.chat.setOwner` (only the owner may, so after that the provider can no longer change the " +
					"owner or remove members). The new owner must be a member: list them in `members`. Unset: not managed.",
				Validators:    []validator.Int64{int64validator.AtLeast(1)},
				PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
			},
			"entity_type": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "Binds the chat to an entity, with `entity_id`: for example `CRM` with `DEAL|1663`, " +
					"`SONET_GROUP` with a workgroup id, or a key of your own. Set both or neither. The entity type decides how " +
					"the portal treats the chat: `CRM` and `SONET_GROUP` chats cannot be renamed, and a type the portal does not " +
					"know gets default permissions instead of a group chat's (its owner cannot delete it or others' messages). " +
					"Creating fails when a chat is already bound to the entity. Changing it replaces the chat.",
				Validators: []validator.String{
					stringvalidator.LengthAtLeast(1),
					portalKeepsValidator(0),
					stringvalidator.AlsoRequires(path.MatchRoot("entity_id")),
				},
				PlanModifiers: replace,
			},
			"entity_id": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				MarkdownDescription: "The id of the entity the chat is bound to, with `entity_type`. Changing it replaces the chat.",
				Validators: []validator.String{
					stringvalidator.LengthAtLeast(1),
					portalKeepsValidator(0),
					stringvalidator.AlsoRequires(path.MatchRoot("entity_type")),
				},
				PlanModifiers: replace,
			},
			"on_destroy": schema.StringAttribute{
				Optional: true,
				Computed: true,
				Default:  stringdefault.StaticString(onDestroyAbandon),
				MarkdownDescription: "What destroying the resource does. `abandon` (default): the chat stays on the portal as " +
					"it is, and Terraform forgets it (with a warning). `leave`: the webhook's user leaves the chat " +
					"(`im.chat.leave`), which stays on the portal with its other members.",
				Validators: []validator.String{stringvalidator.OneOf(onDestroyAbandon, onDestroyLeave)},
			},
		},
	}
}

func (r *chatResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			"id": identityschema.Int64Attribute{
				RequiredForImport: true,
				Description:       "The chat's numeric id.",
			},
		},
	}
}
