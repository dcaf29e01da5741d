package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/bitrix24"
)

var (
	_ resource.Resource                = (*chatResource)(nil)
	_ resource.ResourceWithConfigure   = (*chatResource)(nil)
	_ resource.ResourceWithImportState = (*chatResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*chatResource)(nil)
	_ resource.ResourceWithIdentity    = (*chatResource)(nil)
)

// NewChatResource returns the bitrix24_chat resource.
func NewChatResource() resource.Resource { return &chatResource{} }

// chatResource manages one group chat. How a chat is created exactly once,
// and why its marker is an ENTITY_ID without an ENTITY_TYPE, is told in
// createChat.
type chatResource struct {
	data *providerData
}

func (r *chatResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_chat"
}

func (r *chatResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if req.ProviderData == nil {
		return
	}
	data, ok := req.ProviderData.(*providerData)
	if !ok {
		resp.Diagnostics.AddError("Unexpected Resource Configure Type",
			fmt.Sprintf("Expected *provider.providerData, got %T. Please report this issue to the provider developers.", req.ProviderData))
		return
	}
	r.data = data
}

// portalChat is what the portal says about a chat, in the resource's terms.
type portalChat struct {
	id          int64
	title       string
	description string
	color       string // a name; "" when the hex is no known colour
	colorHex    string
	typ         string
	owner       int64
	members     []int64 // without the provider's own user
	entityType  string  // "" for none (the marker is not shown)
	entityID    string
	marker      string // ENTITY_ID when ENTITY_TYPE is empty
}

// readChat reads a chat with im.dialog.get (through the coalescer) and
// im.chat.user.list.
func readChat(ctx context.Context, client *bitrix24.Client, id, self int64) (*portalChat, error) {
	d, err := client.GetDialog(ctx, bitrix24.ChatDialogID(id))
	if err != nil {
		return nil, err
	}
	users, err := client.ChatUsers(ctx, id)
	if err != nil {
		return nil, err
	}
	pc := &portalChat{
		id: id, title: d.Name.Value, description: d.Description.Value, colorHex: d.Color.Value,
		owner: d.Owner.Value, typ: "CHAT",
	}
	pc.color, _ = bitrix24.ColorName(d.Color.Value)
	switch {
	case d.MessageType.Valid:
		if strings.EqualFold(d.MessageType.Value, "O") {
			pc.typ = "OPEN"
		}
	case strings.EqualFold(d.Type.Value, "open"):
		pc.typ = "OPEN"
	}
	if d.EntityType.Value != "" {
		pc.entityType, pc.entityID = d.EntityType.Value, d.EntityID.Value
	} else {
		pc.marker = d.EntityID.Value
	}
	for _, u := range users {
		if u != self {
			pc.members = append(pc.members, u)
		}
	}
	return pc, nil
}

// toModel puts what the portal says into m, keeping on_destroy.
func (pc *portalChat) toModel(m *chatModel) diag.Diagnostics {
	m.ID = types.Int64Value(pc.id)
	m.DialogID = types.StringValue(bitrix24.ChatDialogID(pc.id))
	m.Title = types.StringValue(pc.title)
	m.Description = types.StringValue(pc.description)
	m.Color = types.StringValue(pc.color)
	if pc.color == "" {
		m.Color = types.StringNull()
	}
	m.Type = types.StringValue(pc.typ)
	m.OwnerID = types.Int64Value(pc.owner)
	if pc.owner <= 0 {
		m.OwnerID = types.Int64Null()
	}
	m.EntityType, m.EntityID = types.StringNull(), types.StringNull()
	if pc.entityType != "" {
		m.EntityType, m.EntityID = types.StringValue(pc.entityType), types.StringValue(pc.entityID)
	}
	elems := make([]attr.Value, len(pc.members))
	for i, u := range pc.members {
		elems[i] = types.Int64Value(u)
	}
	set, diags := types.SetValue(types.Int64Type, elems)
	m.Members = set
	if m.OnDestroy.IsNull() || m.OnDestroy.IsUnknown() {
		m.OnDestroy = types.StringValue(onDestroyAbandon)
	}
	return diags
}

func setIDs(ctx context.Context, s types.Set) ([]int64, diag.Diagnostics) {
	if s.IsNull() || s.IsUnknown() {
		return nil, nil
	}
	var out []int64
	diags := s.ElementsAs(ctx, &out, false)
	slices.Sort(out)
	return out, diags
}

// client returns the configured client, or nil with an error.
func (r *chatResource) client(diags *diag.Diagnostics) *bitrix24.Client {
	if r.data == nil {
		diags.AddError("Bitrix24 provider not configured",
			"The provider was not configured before the resource was used. Please report this issue to the provider developers.")
		return nil
	}
	return r.data.client
}

// connect returns the client, a context that masks its secrets and the
// provider's own user id, or false (with an error diagnostic) when any of
// them is missing or diags already holds an error.
func (r *chatResource) connect(ctx context.Context, diags *diag.Diagnostics) (context.Context, *bitrix24.Client, int64, bool) {
	if diags.HasError() {
		return ctx, nil, 0, false
	}
	client := r.client(diags)
	if client == nil {
		return ctx, nil, 0, false
	}
	ctx = maskSecrets(ctx, client.Redactor())
	me, ok := self(ctx, client, diags)
	return ctx, client, me, ok
}

// self is the provider's own user id, with an error diagnostic when it
// cannot be found.
func self(ctx context.Context, client *bitrix24.Client, diags *diag.Diagnostics) (int64, bool) {
	id, err := client.CurrentUserID(ctx)
	if err != nil {
		_, detail := readErrorDiagnostic("", err)
		diags.AddError("Cannot find out which Bitrix24 user the provider acts as", "The provider asked the portal (profile) "+
			"which user the token belongs to: every chat's members are counted without that user.\n\n"+detail)
		return 0, false
	}
	return id, true
}

// ModifyPlan checks what needs the provider's own user id: that user is
// not listed in members, and owner_id is among the members.
func (r *chatResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil {
		return
	}
	var plan chatModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	var configMembers types.Set
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("members"), &configMembers)...)
	var configOwner types.Int64
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("owner_id"), &configOwner)...)
	if resp.Diagnostics.HasError() || (configMembers.IsNull() && configOwner.IsNull()) {
		return
	}
	client := r.data.client
	ctx = maskSecrets(ctx, client.Redactor())
	me, ok := self(ctx, client, &resp.Diagnostics)
	if !ok {
		return
	}
	members, diags := setIDs(ctx, plan.Members)
	resp.Diagnostics.Append(diags...)
	if slices.Contains(members, me) {
		resp.Diagnostics.AddAttributeError(path.Root("members"), "The provider's own user is listed in members",
			fmt.Sprintf("User %d is the user of the webhook or token the provider acts as. That user is always a member of the "+
				"chats it manages and is not listed: remove %d from members.", me, me))
	}
	if configOwner.IsUnknown() || configOwner.IsNull() || plan.Members.IsUnknown() || plan.Members.IsNull() {
		return
	}
	owner := configOwner.ValueInt64()
	if owner != me && !slices.Contains(members, owner) {
		resp.Diagnostics.AddAttributeError(path.Root("owner_id"), "The new owner is not a member",
			fmt.Sprintf("owner_id is %d, but the chat's members are %v and the provider's own user %d. im.chat.setOwner "+
				"hands a chat only to a member (it answers WRONG_REQUEST otherwise): add %d to members, or choose one of them.",
				owner, members, me, owner))
	}
}

func (r *chatResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan chatModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	ctx, client, me, ok := r.connect(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	members, diags := setIDs(ctx, plan.Members)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	id, ok := r.createChat(ctx, client, plan, members, &resp.Diagnostics)
	if !ok {
		return
	}
	// From here on the chat exists: whatever fails, it is in the state.
	plan.ID, plan.DialogID = types.Int64Value(id), types.StringValue(bitrix24.ChatDialogID(id))
	ctx = tflog.SetField(ctx, "chat_id", id)
	if !plan.OwnerID.IsUnknown() && !plan.OwnerID.IsNull() && plan.OwnerID.ValueInt64() != me {
		r.setOwner(ctx, client, id, me, plan.OwnerID.ValueInt64(), &resp.Diagnostics)
	}
	pc, err := readChat(ctx, client, id, me)
	if err != nil {
		summary, detail := readErrorDiagnostic(bitrix24.ChatDialogID(id), err)
		resp.Diagnostics.AddError(summary, "The chat was created. "+detail)
	} else {
		resp.Diagnostics.Append(pc.toModel(&plan)...)
	}
	r.setIdentity(ctx, resp.Identity, id, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		resp.Diagnostics.AddError("The Bitrix24 chat was created but not finished", fmt.Sprintf("Chat %d (%s) exists on the portal "+
			"and is kept in the state, marked tainted. Fix the cause above, then run `terraform untaint` on this resource and "+
			"apply again: that finishes the chat in place. Applying without untaint would make a second chat.", id, bitrix24.ChatDialogID(id)))
		fillUnknowns(&plan)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// fillUnknowns nulls what a failed create could not learn: a state holds no
// unknowns.
func fillUnknowns(m *chatModel) {
	for _, s := range []*types.String{&m.Description, &m.Color, &m.Type, &m.EntityType, &m.EntityID} {
		if s.IsUnknown() {
			*s = types.StringNull()
		}
	}
	if m.OwnerID.IsUnknown() {
		m.OwnerID = types.Int64Null()
	}
	if m.Members.IsUnknown() {
		m.Members = types.SetNull(types.Int64Type)
	}
}

// createChat makes the chat exactly once.
//
// Server source (yuliai/bitrix-modules, im/lib/V2/Chat/Type/TypeRegistry.php
// requireByLiteralAndEntity): a group chat with any ENTITY_TYPE of its own
// becomes that type — "C+CUSTOM, O+CUSTOM" → new Type($literal, $entityType,
// $entityType) — so its REST `type` is the camel-cased entity type instead of
// "chat", and im/lib/V2/Permission.php::getRoleForActionByType falls back
// to TYPE_DEFAULT, which denies Update, Delete and DeleteOthersMessage that
// ExtendedType::Chat grants the owner and managers. A generated ENTITY_TYPE
// such as TERRAFORM would therefore change how the chat behaves. ENTITY_ID
// alone does not: with ENTITY_TYPE ” (ChatFactory::addChat sets `??= ”`)
// the type stays CHAT/OPEN, CIMChat::GetChatOptions has no entry for it, and
// Chat::setEntityId stores the value as given. im.chat.get cannot find it
// (chatGet requires a non-empty ENTITY_TYPE), so the provider finds it by a
// search for its title (im.search.chat.list) and im.dialog.get of each chat
// with that title, comparing entity_id.
func (r *chatResource) createChat(ctx context.Context, client *bitrix24.Client, plan chatModel, members []int64, diags *diag.Diagnostics) (int64, bool) {
	n := bitrix24.NewChat{
		Title: plan.Title.ValueString(), Description: plan.Description.ValueString(), Color: plan.Color.ValueString(),
		Open: plan.Type.ValueString() == "OPEN", Users: members,
		EntityType: plan.EntityType.ValueString(), EntityID: plan.EntityID.ValueString(),
	}
	if n.EntityType != "" {
		id, found, err := client.ChatIDByEntity(ctx, n.EntityType, n.EntityID)
		if err != nil {
			_, detail := readErrorDiagnostic("", err)
			diags.AddAttributeError(path.Root("entity_type"), "Cannot check whether a chat is already bound to the entity",
				"Before creating a chat, the provider looks for one bound to entity_type and entity_id (im.chat.get), so that it "+
					"never makes a second one.\n\n"+detail)
			return 0, false
		}
		if found {
			diags.AddAttributeError(path.Root("entity_type"), "A Bitrix24 chat is already bound to this entity",
				fmt.Sprintf("Chat %d (%s) is bound to entity_type %q, entity_id %q. The provider does not take over an existing "+
					"chat silently. To manage that chat, import it: `terraform import <address of this resource> %s`, or an "+
					"import block with `id = %q`. Otherwise bind this chat to another entity.",
					id, bitrix24.ChatDialogID(id), n.EntityType, n.EntityID, bitrix24.ChatDialogID(id), bitrix24.ChatDialogID(id)))
			return 0, false
		}
	} else {
		n.EntityID = bitrix24.NewMarker()
	}
	tflog.Debug(ctx, "Creating Bitrix24 chat", map[string]any{"title": n.Title, "members": len(members), "marker": n.EntityID})
	id, recovered, err := client.CreateChat(ctx, n)
	if err != nil {
		diags.AddError("Cannot create the Bitrix24 chat", createErrorDetail(n, err))
		return 0, false
	}
	if recovered {
		diags.AddWarning("The portal's answer to im.chat.add was lost",
			fmt.Sprintf("The provider found the chat it had created (%s) and did not create another.", bitrix24.ChatDialogID(id)))
	}
	return id, true
}

func createErrorDetail(n bitrix24.NewChat, err error) string {
	var lost *bitrix24.LostChatError
	if errors.As(err, &lost) {
		_, cause := readErrorDiagnostic("", lost.Add.Err)
		how := fmt.Sprintf("a chat titled %q whose entity_id (in bitrix24_dialog or im.dialog.get) is %q", n.Title, n.EntityID)
		if n.EntityType != "" {
			how = fmt.Sprintf("the chat bound to entity_type %q, entity_id %q", n.EntityType, n.EntityID)
		}
		var what string
		switch {
		case len(lost.Found) > 1:
			ids := make([]string, len(lost.Found))
			for i, id := range lost.Found {
				ids[i] = bitrix24.ChatDialogID(id)
			}
			what = fmt.Sprintf("it found %d chats: %s.", len(lost.Found), strings.Join(ids, ", "))
		case lost.Lookup != nil:
			_, l := readErrorDiagnostic("", lost.Lookup)
			what = "the look-up failed: " + l
		case lost.Other > 0:
			what = fmt.Sprintf("it found only %s, which is bound to that entity but has another title, so it did not take it "+
				"for the chat it created.", bitrix24.ChatDialogID(lost.Other))
		default:
			what = "it found none: the portal may not have received the request, or may still be creating the chat."
		}
		return fmt.Sprintf("The request im.chat.add was sent, and its answer was lost, so the portal may or may not have created "+
			"the chat. The provider does not send it again blindly. It looked for %s, and %s\n\nBefore you apply again, look for "+
			"that chat in the portal. If it exists, import it (`terraform import <address of this resource> chatN`) instead of "+
			"applying, which would create another.\n\nThe lost answer: %s", how, what, cause)
	}
	switch {
	case bitrix24.HasCode(err, bitrix24.CodeWrongRequest):
		return "The portal refused to create the chat (im.chat.add answered WRONG_REQUEST \"Chat can't be created\"). Check that " +
			"the members exist and are active, and that the webhook's user may create chats."
	case bitrix24.HasCode(err, "INVALID_FORMAT"):
		return "The portal did not accept the members (im.chat.add answered INVALID_FORMAT): members must be user ids."
	}
	_, detail := readErrorDiagnostic("", err)
	return detail
}

// setOwner hands the chat over with im.chat.setOwner; an answer lost on
// the way is settled by reading the owner.
func (r *chatResource) setOwner(ctx context.Context, client *bitrix24.Client, id, me, owner int64, diags *diag.Diagnostics) {
	err := client.Ensure(ctx, func(ctx context.Context) error { return client.SetChatOwner(ctx, id, owner) },
		func(ctx context.Context) (bool, error) {
			pc, err := readChat(ctx, client, id, me)
			return err == nil && pc.owner != owner, err
		})
	if err != nil {
		detail := writeErrorDetail(err)
		if bitrix24.HasCode(err, bitrix24.CodeWrongRequest) {
			detail = fmt.Sprintf("The portal answered WRONG_REQUEST: only the chat's owner may hand it over, and user %d must be "+
				"a member. The webhook's user %d is no longer the owner, or %d is not a member: set owner_id to the current "+
				"owner, or add %d to members.", owner, me, owner, owner)
		}
		diags.AddAttributeError(path.Root("owner_id"), "Cannot change the Bitrix24 chat's owner", detail)
	}
}

func writeErrorDetail(err error) string {
	_, detail := readErrorDiagnostic("", err)
	if bitrix24.IsAmbiguous(err) {
		detail = "The portal's answer was lost, and the provider could not settle whether the change was made. Run apply again: " +
			"the change is safe to repeat.\n\n" + detail
	}
	return detail
}

func (r *chatResource) setIdentity(ctx context.Context, identity interface {
	SetAttribute(context.Context, path.Path, any) diag.Diagnostics
}, id int64, diags *diag.Diagnostics) {
	if identity == nil {
		return
	}
	diags.Append(identity.SetAttribute(ctx, path.Root("id"), types.Int64Value(id))...)
}

func (r *chatResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state chatModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	ctx, client, me, ok := r.connect(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	id := state.ID.ValueInt64()
	pc, err := readChat(ctx, client, id, me)
	if err != nil {
		chatReadError(&resp.Diagnostics, id, me, err)
		return
	}
	resp.Diagnostics.Append(pc.toModel(&state)...)
	r.setIdentity(ctx, resp.Identity, id, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// chatReadError reports a failed read. The resource is never dropped from
// the state here: Terraform would plan a new chat.
func chatReadError(diags *diag.Diagnostics, id, me int64, err error) {
	summary, detail := readErrorDiagnostic(bitrix24.ChatDialogID(id), err)
	if bitrix24.HasCode(err, bitrix24.CodeAccessError) {
		detail = fmt.Sprintf("The portal answered ACCESS_ERROR: the webhook's user (%d) is no longer a member of chat %d, or the "+
			"chat was deleted.\n\nThe provider keeps the chat in the state rather than forget it, because Terraform would then "+
			"create a new one. If the user left or was removed, add them back in the portal. If the chat is gone, or Terraform "+
			"should no longer manage it, remove it from the state: `terraform state rm <address of this resource>`.\n\n%s", me, id, detail)
	}
	diags.AddError(summary, detail)
}
