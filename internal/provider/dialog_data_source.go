package provider

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
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
			"ignored, every other character compared as it is (no Unicode normalisation). The provider searches with `im.search.chat.list` " +
			"(one request per 50 chats found) for the title's words of 3 or more letters or digits, the only ones the portal searches " +
			"for: a title without such a word (for example `QA`) cannot be found by name; use `dialog_id` or `entity_type` with " +
			"`entity_id`. It fails when no chat or several chats have that title; when none does, it lists the titles found, with " +
			"invisible characters, no-break spaces and the like escaped, and says which of them differ only in those. The search " +
			"finds only group chats the webhook's user may read: never private dialogs, channels, collabs or copilot chats.",
		Validators: []validator.String{searchTextValidator("Find the chat by dialog_id, or by entity_type and entity_id, instead.")},
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

// fields are the lookup attributes by name, for reading the
// configuration and for keepConfigured.
func (l *dialogLookup) fields() map[string]*types.String {
	return map[string]*types.String{"dialog_id": &l.DialogID, "name": &l.Name, "entity_type": &l.EntityType, "entity_id": &l.EntityID}
}

func (d *dialogDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var lookup dialogLookup
	for name, target := range lookup.fields() {
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

	var found resolved
	var ok bool
	switch {
	case !lookup.Name.IsNull():
		found, ok = resolveName(ctx, client, lookup.Name.ValueString(), &resp.Diagnostics)
	case !lookup.EntityType.IsNull():
		found, ok = resolveEntity(ctx, client, lookup.EntityType.ValueString(), lookup.EntityID.ValueString(), &resp.Diagnostics)
	default:
		found, ok = resolved{dialogID: lookup.DialogID.ValueString(), attr: "dialog_id"}, true
	}
	if !ok {
		return
	}
	ctx = tflog.SetField(ctx, "dialog_id", found.dialogID)
	tflog.Debug(ctx, "Reading Bitrix24 dialog")
	dialog, err := client.GetDialog(ctx, found.dialogID)
	if err != nil {
		summary, detail := readErrorDiagnostic(found.dialogID, err)
		resp.Diagnostics.AddAttributeError(path.Root(found.attr), summary, detail)
		return
	}
	if problem := found.mismatch(dialog, client.Redactor()); problem != "" {
		resp.Diagnostics.AddAttributeError(path.Root(found.attr), "Bitrix24 answered another dialog",
			fmt.Sprintf("im.dialog.get %s answered %s. The portal's answer cannot be used; please report this to the portal's "+
				"administrator, and set dialog_id to the chat you mean meanwhile.", found.dialogID, problem))
		return
	}
	state, err := dialogValue(found.dialogID, dialog)
	if err == nil {
		state, err = keepConfigured(state, lookup)
	}
	if err != nil {
		resp.Diagnostics.AddError("Cannot store Bitrix24 dialog "+strconv.Quote(found.dialogID), "Please report this issue to the provider developers: "+err.Error())
		return
	}
	resp.State.Raw = state
	tflog.Trace(ctx, "Read Bitrix24 dialog")
}

// resolved is the dialog a lookup found, the attribute its errors point
// at, and what the dialog read must show.
type resolved struct {
	dialogID, attr string
	// entityType and entityID, when set, are the entity the chat must be
	// bound to.
	entityType, entityID string
}

// mismatch says how the dialog read is not the one asked for, or "". A
// chatN read must answer chat N; a chat found by entity must be bound to
// that entity (when the portal sends the binding).
func (r resolved) mismatch(d *bitrix24.Dialog, redactor *bitrix24.Redactor) string {
	if kind, id, ok := bitrix24.ParseDialogID(r.dialogID); ok && kind == "chat" && d.ID.Valid && d.ID.Value != id {
		return fmt.Sprintf("chat %d", d.ID.Value)
	}
	if r.entityType != "" && d.EntityType.Valid && d.EntityID.Valid &&
		(!strings.EqualFold(d.EntityType.Value, r.entityType) || d.EntityID.Value != r.entityID) {
		return fmt.Sprintf("a chat bound to entity_type %s, entity_id %s, not to %q, %q (im.chat.get named it)",
			redactor.Clean(bitrix24.Visible(d.EntityType.Value)), redactor.Clean(bitrix24.Visible(d.EntityID.Value)), r.entityType, r.entityID)
	}
	return ""
}

// resolveName finds the chat titled name.
func resolveName(ctx context.Context, client *bitrix24.Client, name string, diags *diag.Diagnostics) (resolved, bool) {
	want := strings.TrimSpace(name)
	attr := path.Root("name")
	matches, similar, err := client.ChatsNamed(ctx, name)
	if err != nil {
		_, detail := readErrorDiagnostic("", err)
		if errors.Is(err, bitrix24.ErrUnsearchable) {
			detail = "The title " + err.Error() + ". Find the chat by dialog_id, or by entity_type and entity_id, instead."
		}
		diags.AddAttributeError(attr, fmt.Sprintf("Cannot search Bitrix24 chats named %s", bitrix24.Visible(want)), detail)
		return resolved{}, false
	}
	switch len(matches) {
	case 0:
		detail := fmt.Sprintf("No chat that the webhook's user may read is named exactly %s (case-sensitive).", bitrix24.Visible(want))
		if len(similar) > 0 {
			quoted := make([]string, len(similar))
			for i, s := range similar {
				quoted[i] = client.Redactor().Clean(bitrix24.Visible(s.Name))
				if s.NearMiss != "" {
					quoted[i] += " (" + s.NearMiss + ")"
				}
			}
			detail += " The search found: " + strings.Join(quoted, ", ") + "."
		}
		diags.AddAttributeError(attr, "Bitrix24 chat not found", detail+
			"\n\nCheck the title's spelling and case, and that the webhook's user is a member of the chat. The search never finds "+
			"private dialogs, channels, collabs or copilot chats: read those by dialog_id.")
		return resolved{}, false
	case 1:
		return resolved{dialogID: matches[0].DialogID(), attr: "name"}, true
	}
	ids := make([]string, len(matches))
	for i, m := range matches {
		ids[i] = m.DialogID()
	}
	diags.AddAttributeError(attr, "Several Bitrix24 chats have this name",
		fmt.Sprintf("%d chats are named %s: %s. Set dialog_id to the one you mean instead of name.",
			len(matches), bitrix24.Visible(want), listIDs(ids)))
	return resolved{}, false
}

// resolveEntity finds the chat bound to an entity.
func resolveEntity(ctx context.Context, client *bitrix24.Client, entityType, entityID string, diags *diag.Diagnostics) (resolved, bool) {
	attr := path.Root("entity_type")
	id, found, err := client.ChatIDByEntity(ctx, entityType, entityID)
	if err != nil {
		_, detail := readErrorDiagnostic("", err)
		diags.AddAttributeError(attr, fmt.Sprintf("Cannot find the Bitrix24 chat of %s %q", entityType, entityID), detail)
		return resolved{}, false
	}
	if !found {
		diags.AddAttributeError(attr, "Bitrix24 chat not found",
			fmt.Sprintf("No chat is bound to entity_type %q, entity_id %q (im.chat.get found none). Check both values: for example "+
				"CRM with DEAL|1663 for a deal, SONET_GROUP with a workgroup id, TASKS_TASK with a task id. A CRM entity has a chat only "+
				"after someone opened it.", entityType, entityID))
		return resolved{}, false
	}
	return resolved{dialogID: "chat" + strconv.FormatInt(id, 10), attr: "entity_type", entityType: entityType, entityID: entityID}, true
}

// maxListedIDs is how many ids a diagnostic lists before "and N more".
const maxListedIDs = 10

// listIDs joins ids, the first maxListedIDs of them.
func listIDs(ids []string) string {
	if len(ids) <= maxListedIDs {
		return strings.Join(ids, ", ")
	}
	return strings.Join(ids[:maxListedIDs], ", ") + fmt.Sprintf(" and %d more", len(ids)-maxListedIDs)
}

// keepConfigured puts the configured lookup values back into the state:
// Terraform requires a configured value to come back unchanged (a name
// with surrounding white space, a dialog id in upper case).
func keepConfigured(state tftypes.Value, lookup dialogLookup) (tftypes.Value, error) {
	var attrs map[string]tftypes.Value
	if err := state.As(&attrs); err != nil {
		return state, err
	}
	for name, v := range lookup.fields() {
		if !v.IsNull() && !v.IsUnknown() {
			attrs[name] = tftypes.NewValue(tftypes.String, v.ValueString())
		}
	}
	b := &valueBuilder{}
	out := b.value(state.Type(), attrs)
	return out, b.err
}
