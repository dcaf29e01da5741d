package provider

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/bitrix24"
)

// Update changes the chat in place, in an order that keeps every call
// valid: title, colour, new members (one im.chat.user.add), members to
// remove (one im.chat.user.delete each, while the provider's user still
// owns the chat: only the owner may remove others), then the owner (who is
// a member by then). Each write is idempotent; one whose answer was lost is
// sent again only after a read shows it is still needed (Client.Ensure).
func (r *chatResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state chatModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	var configMembers types.Set
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("members"), &configMembers)...)
	ctx, client, me, ok := r.connect(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	id := state.ID.ValueInt64()
	ctx = tflog.SetField(ctx, "chat_id", id)
	read := func(ctx context.Context) (*portalChat, error) { return readChat(ctx, client, id, me) }

	if want := plan.Title.ValueString(); want != state.Title.ValueString() {
		err := client.Ensure(ctx, func(ctx context.Context) error { return client.UpdateChatTitle(ctx, id, want) },
			func(ctx context.Context) (bool, error) {
				pc, err := read(ctx)
				return err == nil && pc.title != strings.TrimSpace(want), err
			})
		if err != nil {
			detail := writeErrorDetail(err)
			switch {
			case bitrix24.HasCode(err, bitrix24.CodeAccessError):
				detail = "The portal answered ACCESS_ERROR: this chat cannot be renamed (chats bound to a CRM entity or a " +
					"workgroup keep their entity's name). Set title back to the chat's current title.\n\n" + detail
			case bitrix24.HasCode(err, bitrix24.CodeTitleEmpty):
				detail = "The portal answered TITLE_EMPTY: set a title that is not only white space."
			}
			resp.Diagnostics.AddAttributeError(path.Root("title"), "Cannot rename the Bitrix24 chat", detail)
		}
	}

	if want := plan.Color.ValueString(); !plan.Color.IsUnknown() && want != "" && want != state.Color.ValueString() {
		r.updateColor(ctx, client, id, want, read, &resp.Diagnostics)
	}

	wantMembers, diags := setIDs(ctx, plan.Members)
	resp.Diagnostics.Append(diags...)
	haveMembers, diags := setIDs(ctx, state.Members)
	resp.Diagnostics.Append(diags...)
	if !configMembers.IsNull() && !resp.Diagnostics.HasError() {
		r.updateMembers(ctx, client, id, me, wantMembers, haveMembers, &resp.Diagnostics)
	}

	if !plan.OwnerID.IsUnknown() && !plan.OwnerID.IsNull() && plan.OwnerID.ValueInt64() != state.OwnerID.ValueInt64() && !resp.Diagnostics.HasError() {
		r.setOwner(ctx, client, id, me, plan.OwnerID.ValueInt64(), &resp.Diagnostics)
	}

	// The state is what the portal now has, whatever failed above. When it
	// cannot be read, resp.State stays the prior state (the framework starts
	// it so), and the next plan shows what is still to do.
	pc, err := read(ctx)
	if err != nil {
		chatReadError(&resp.Diagnostics, id, me, err)
		return
	}
	resp.Diagnostics.Append(pc.toModel(&plan)...)
	r.setIdentity(ctx, resp.Identity, id, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// updateColor sets the colour. WRONG_REQUEST is also what the portal
// answers when the chat already has the colour (CIMChat::SetColor), so it
// is settled by reading the colour.
func (r *chatResource) updateColor(ctx context.Context, client *bitrix24.Client, id int64, want string,
	read func(context.Context) (*portalChat, error), diags *diag.Diagnostics) {
	needed := func(ctx context.Context) (bool, error) {
		pc, err := read(ctx)
		return err == nil && pc.color != want, err
	}
	err := client.Ensure(ctx, func(ctx context.Context) error { return client.UpdateChatColor(ctx, id, want) }, needed)
	if bitrix24.HasCode(err, bitrix24.CodeWrongRequest) {
		pc, rerr := read(ctx)
		if rerr == nil && pc.color == want {
			return // "This color currently set": done.
		}
		detail := fmt.Sprintf("The portal answered WRONG_REQUEST (\"This color currently set or chat isn't exists\"), and the chat's colour is %s, not %s.", pc.colorLabel(), want)
		if rerr == nil && pc.color == "MARENGO" {
			detail += " A portal with chat colours switched off (the im module's color_enable option) keeps the colour but shows " +
				"every chat as MARENGO: remove color from the configuration, or ask the portal's administrator to switch colours on."
		} else {
			detail += " The webhook's user may not change this chat's colour."
		}
		diags.AddAttributeError(path.Root("color"), "Cannot change the Bitrix24 chat's colour", detail)
		return
	}
	if err != nil {
		detail := writeErrorDetail(err)
		if bitrix24.HasCode(err, bitrix24.CodeWrongColor) {
			detail = fmt.Sprintf("The portal answered WRONG_COLOR: it does not offer %s. Use one of %s.", want, strings.Join(bitrix24.ChatColorNames(), ", "))
		}
		diags.AddAttributeError(path.Root("color"), "Cannot change the Bitrix24 chat's colour", detail)
	}
}

func (pc *portalChat) colorLabel() string {
	if pc == nil {
		return "unknown"
	}
	if pc.color != "" {
		return pc.color
	}
	return strconv.Quote(pc.colorHex)
}

// updateMembers adds the missing members in one call, then removes the
// others one by one.
func (r *chatResource) updateMembers(ctx context.Context, client *bitrix24.Client, id, me int64, want, have []int64, diags *diag.Diagnostics) {
	var add, remove []int64
	for _, u := range want {
		if !slices.Contains(have, u) {
			add = append(add, u)
		}
	}
	for _, u := range have {
		if !slices.Contains(want, u) && u != me {
			remove = append(remove, u)
		}
	}
	members := func(ctx context.Context) ([]int64, error) { return client.ChatUsers(ctx, id) }
	if len(add) > 0 {
		err := client.Ensure(ctx, func(ctx context.Context) error { return client.AddChatUsers(ctx, id, add) },
			func(ctx context.Context) (bool, error) {
				now, err := members(ctx)
				return err == nil && slices.ContainsFunc(add, func(u int64) bool { return !slices.Contains(now, u) }), err
			})
		if err != nil {
			detail := writeErrorDetail(err)
			switch {
			case bitrix24.HasCode(err, bitrix24.CodeWrongRequest):
				detail = "The portal answered WRONG_REQUEST (\"You don't have access or user already member in chat\"): the " +
					"webhook's user may not add members to this chat."
			case bitrix24.HasCode(err, bitrix24.CodeAccessError):
				detail = "The portal answered ACCESS_ERROR: members cannot be added to this chat (a workgroup's chat follows the workgroup)."
			}
			diags.AddAttributeError(path.Root("members"), fmt.Sprintf("Cannot add users %v to the Bitrix24 chat", add), detail)
			return
		}
	}
	for _, u := range remove {
		err := client.Ensure(ctx, func(ctx context.Context) error { return client.DeleteChatUser(ctx, id, u) },
			func(ctx context.Context) (bool, error) {
				now, err := members(ctx)
				return err == nil && slices.Contains(now, u), err
			})
		if err != nil {
			detail := writeErrorDetail(err)
			switch {
			case bitrix24.HasCode(err, bitrix24.CodeWrongRequest):
				detail = "The portal answered WRONG_REQUEST (\"You don't have access or user isn't member in chat\"): only the " +
					"chat's owner may remove members. If owner_id hands the chat to someone else, the provider can no longer " +
					"remove members: manage them in the portal, or leave members unset."
			case bitrix24.HasCode(err, bitrix24.CodeAccessError):
				detail = "The portal answered ACCESS_ERROR: members cannot be removed from this chat."
			}
			diags.AddAttributeError(path.Root("members"), fmt.Sprintf("Cannot remove user %d from the Bitrix24 chat", u), detail)
			return
		}
	}
}

// Delete does what on_destroy says; it never deletes the chat.
func (r *chatResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state chatModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := state.ID.ValueInt64()
	if state.OnDestroy.ValueString() != onDestroyLeave {
		resp.Diagnostics.AddWarning("The Bitrix24 chat stays on the portal",
			fmt.Sprintf("on_destroy is %q: Terraform forgets chat %d (%s), which stays on the portal with its members and "+
				"messages. Set on_destroy = \"leave\" for the webhook's user to leave chats it no longer manages; delete the "+
				"chat in the portal if it should go.", onDestroyAbandon, id, bitrix24.ChatDialogID(id)))
		return
	}
	ctx, client, me, ok := r.connect(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	member := func(ctx context.Context) (bool, error) {
		now, err := client.ChatUsers(ctx, id)
		return err == nil && slices.Contains(now, me), err
	}
	err := client.Ensure(ctx, func(ctx context.Context) error { return client.LeaveChat(ctx, id) }, member)
	if bitrix24.HasCode(err, bitrix24.CodeWrongRequest) {
		if still, rerr := member(ctx); rerr == nil && !still {
			return // Already gone.
		}
	}
	if err != nil {
		detail := writeErrorDetail(err)
		if bitrix24.HasCode(err, bitrix24.CodeAccessError) {
			detail = "The portal answered ACCESS_ERROR: the owner may not leave this chat, or nobody may. Hand the chat over " +
				"first (owner_id), or set on_destroy = \"abandon\".\n\n" + detail
		}
		resp.Diagnostics.AddError(fmt.Sprintf("Cannot leave Bitrix24 chat %d", id), detail)
	}
}

// ImportState takes chatN or N, or the identity's id.
func (r *chatResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	var id int64
	if req.ID != "" {
		raw := strings.TrimSpace(req.ID)
		digits := raw
		if len(raw) > 4 && strings.EqualFold(raw[:4], "chat") {
			digits = raw[4:]
		}
		n, err := strconv.ParseInt(digits, 10, 64)
		if err != nil || n <= 0 {
			resp.Diagnostics.AddError("Invalid Bitrix24 chat id to import",
				fmt.Sprintf("%q is not a chat id. Import a chat by its dialog id, such as chat1439, or by its number, such as 1439.", req.ID))
			return
		}
		id = n
	} else if req.Identity != nil {
		var v types.Int64
		resp.Diagnostics.Append(req.Identity.GetAttribute(ctx, path.Root("id"), &v)...)
		if resp.Diagnostics.HasError() {
			return
		}
		id = v.ValueInt64()
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("dialog_id"), bitrix24.ChatDialogID(id))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("on_destroy"), onDestroyAbandon)...)
	r.setIdentity(ctx, resp.Identity, id, &resp.Diagnostics)
}
