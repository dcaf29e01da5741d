package provider

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/bitrix24"
)

var (
	_ datasource.DataSource                     = (*dialogDataSource)(nil)
	_ datasource.DataSourceWithConfigure        = (*dialogDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*dialogDataSource)(nil)
)

// NewDialogDataSource returns the bitrix24_dialog data source.
func NewDialogDataSource() datasource.DataSource {
	return &dialogDataSource{}
}

// dialogDataSource reads one dialog with im.dialog.get, found by its id,
// its exact name or the entity it is bound to.
type dialogDataSource struct {
	data *providerData
}

// dialogLookup is what the configuration asks for: one of the three.
type dialogLookup struct {
	DialogID   types.String `tfsdk:"dialog_id"`
	Name       types.String `tfsdk:"name"`
	EntityType types.String `tfsdk:"entity_type"`
	EntityID   types.String `tfsdk:"entity_id"`
}

func (d *dialogDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_dialog"
}

func (d *dialogDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := dialogAttributes()
	attrs["dialog_id"] = schema.StringAttribute{
		Optional: true,
		Computed: true,
		MarkdownDescription: "The dialog to read, as `im.dialog.get` takes it: `chatN` for a chat (for example `chat1439`), " +
			"`sgN` for a workgroup chat, or a user id such as `5` for the private dialog with that user; the number is positive and the prefix " +
			"case-insensitive. `crmN` is refused: a portal never resolves it; find a CRM entity's chat with `entity_type` and `entity_id`. " +
			"Set exactly one of `dialog_id`, `name`, or `entity_type` with `entity_id`; after a lookup by name or entity it holds " +
			"the chat's dialog id, `chatN`.",
		Validators: []validator.String{dialogIDValidator()},
	}
	attrs["name"] = schema.StringAttribute{
		Optional: true,
		Computed: true,
		MarkdownDescription: "Chat title (`name`). Set it to find the chat by its exact title: case-sensitive, surrounding white space " +
			"ignored, at least 2 characters. The provider searches with `im.search.chat.list` (one request per 50 chats found) and fails " +
			"when no chat or several chats have that title. The search finds only chats the webhook's user may read.",
		Validators: []validator.String{searchTextValidator()},
	}
	attrs["entity_type"] = schema.StringAttribute{
		Optional: true,
		Computed: true,
		MarkdownDescription: "External binding type (`entity_type`), for example `CRM`, `SONET_GROUP`, `TASKS_TASK`, `GENERAL`, `LINES`; " +
			"`\"\"` for a plain chat. Set it with `entity_id` to find the chat bound to that entity (`im.chat.get`).",
		Validators: []validator.String{
			stringvalidator.LengthAtLeast(1),
			stringvalidator.AlsoRequires(path.MatchRoot("entity_id")),
		},
	}
	attrs["entity_id"] = schema.StringAttribute{
		Optional: true,
		Computed: true,
		MarkdownDescription: "External binding id (`entity_id`), for example `DEAL|1663` for a CRM deal, `103` for workgroup 103, " +
			"`77` for task 77. Set it with `entity_type` to find the chat bound to that entity.",
		Validators: []validator.String{
			stringvalidator.LengthAtLeast(1),
			stringvalidator.AlsoRequires(path.MatchRoot("entity_type")),
		},
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads one Bitrix24 chat or private dialog with the REST method `im.dialog.get`: its numeric chat id, " +
			"owner, type, CRM binding and the rest of the method's answer. Find it by `dialog_id`, by its exact `name`, or by the " +
			"entity it is bound to (`entity_type` + `entity_id`), so that configurations need not hard-code ids that differ " +
			"between portals. The attributes keep the names of the answer's keys; a key the portal does not send (older portals " +
			"send fewer) is null.\n\n" +
			"The webhook or application needs the `im` scope, and its user must be a member of the chat. " +
			"Reads running at the same time are combined into `batch` calls of up to 50 (see the provider's `batch_window`).",
		Attributes: attrs,
	}
}

// ConfigValidators: exactly one way to find the dialog.
func (d *dialogDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("dialog_id"), path.MatchRoot("name"), path.MatchRoot("entity_type")),
	}
}

func (d *dialogDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = dataSourceProviderData(req, resp)
}

func (d *dialogDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var lookup dialogLookup
	for name, target := range map[string]*types.String{
		"dialog_id": &lookup.DialogID, "name": &lookup.Name, "entity_type": &lookup.EntityType, "entity_id": &lookup.EntityID,
	} {
		resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root(name), target)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	client := configuredClient(d.data, &resp.Diagnostics)
	if client == nil {
		return
	}
	ctx = maskSecrets(ctx, client.Redactor())

	dialogID, attr, ok := d.resolve(ctx, client, lookup, resp)
	if !ok {
		return
	}
	ctx = tflog.SetField(ctx, "dialog_id", dialogID)
	tflog.Debug(ctx, "Reading Bitrix24 dialog")
	dialog, err := client.GetDialog(ctx, dialogID)
	if err != nil {
		summary, detail := readErrorDiagnostic(dialogID, err)
		resp.Diagnostics.AddAttributeError(path.Root(attr), summary, detail)
		return
	}
	state, err := dialogValue(dialogID, dialog)
	if err == nil {
		state, err = keepConfigured(state, lookup)
	}
	if err != nil {
		resp.Diagnostics.AddError("Cannot store Bitrix24 dialog "+strconv.Quote(dialogID), "Please report this issue to the provider developers: "+err.Error())
		return
	}
	resp.State.Raw = state
	tflog.Trace(ctx, "Read Bitrix24 dialog")
}

// resolve turns the lookup into a dialog id, and names the attribute that
// errors point at.
func (d *dialogDataSource) resolve(ctx context.Context, client *bitrix24.Client, lookup dialogLookup, resp *datasource.ReadResponse) (dialogID, attr string, ok bool) {
	switch {
	case !lookup.Name.IsNull():
		name := lookup.Name.ValueString()
		matches, similar, err := client.ChatsNamed(ctx, name)
		if err != nil {
			_, detail := readErrorDiagnostic("", err)
			resp.Diagnostics.AddAttributeError(path.Root("name"), fmt.Sprintf("Cannot search Bitrix24 chats named %q", strings.TrimSpace(name)), detail)
			return "", "", false
		}
		switch len(matches) {
		case 0:
			detail := fmt.Sprintf("No chat that the webhook's user may read is named exactly %q (case-sensitive).", strings.TrimSpace(name))
			if len(similar) > 0 {
				quoted := make([]string, len(similar))
				for i, s := range similar {
					quoted[i] = strconv.Quote(client.Redactor().Clean(s))
				}
				detail += " The search found: " + strings.Join(quoted, ", ") + "."
			}
			resp.Diagnostics.AddAttributeError(path.Root("name"), "Bitrix24 chat not found", detail+
				"\n\nCheck the title's spelling and case, and that the webhook's user is a member of the chat.")
			return "", "", false
		case 1:
			return matches[0].DialogID(), "name", true
		}
		ids := make([]string, len(matches))
		for i, m := range matches {
			ids[i] = m.DialogID()
		}
		resp.Diagnostics.AddAttributeError(path.Root("name"), "Several Bitrix24 chats have this name",
			fmt.Sprintf("%d chats are named %q: %s. Set dialog_id to the one you mean instead of name.",
				len(matches), strings.TrimSpace(name), strings.Join(ids, ", ")))
		return "", "", false
	case !lookup.EntityType.IsNull():
		entityType, entityID := lookup.EntityType.ValueString(), lookup.EntityID.ValueString()
		id, found, err := client.ChatIDByEntity(ctx, entityType, entityID)
		if err != nil {
			_, detail := readErrorDiagnostic("", err)
			resp.Diagnostics.AddAttributeError(path.Root("entity_type"), fmt.Sprintf("Cannot find the Bitrix24 chat of %s %q", entityType, entityID), detail)
			return "", "", false
		}
		if !found {
			resp.Diagnostics.AddAttributeError(path.Root("entity_type"), "Bitrix24 chat not found",
				fmt.Sprintf("No chat is bound to entity_type %q, entity_id %q (im.chat.get found none). Check both values: for example "+
					"CRM with DEAL|1663 for a deal, SONET_GROUP with a workgroup id, TASKS_TASK with a task id. A CRM entity has a chat only "+
					"after someone opened it.", entityType, entityID))
			return "", "", false
		}
		return "chat" + strconv.FormatInt(id, 10), "entity_type", true
	}
	return lookup.DialogID.ValueString(), "dialog_id", true
}

// keepConfigured puts the configured lookup values back into the state:
// Terraform requires a configured value to come back unchanged (a name
// with surrounding white space, a dialog id in upper case).
func keepConfigured(state tftypes.Value, lookup dialogLookup) (tftypes.Value, error) {
	var attrs map[string]tftypes.Value
	if err := state.As(&attrs); err != nil {
		return state, err
	}
	for name, v := range map[string]types.String{
		"dialog_id": lookup.DialogID, "name": lookup.Name, "entity_type": lookup.EntityType, "entity_id": lookup.EntityID,
	} {
		if !v.IsNull() && !v.IsUnknown() {
			attrs[name] = tftypes.NewValue(tftypes.String, v.ValueString())
		}
	}
	b := &valueBuilder{}
	out := b.value(state.Type(), attrs)
	return out, b.err
}
