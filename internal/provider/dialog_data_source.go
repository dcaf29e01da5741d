package provider

import (
	"context"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

var (
	_ datasource.DataSource              = (*dialogDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*dialogDataSource)(nil)
)

// NewDialogDataSource returns the bitrix24_dialog data source.
func NewDialogDataSource() datasource.DataSource {
	return &dialogDataSource{}
}

// dialogDataSource reads one dialog with im.dialog.get.
type dialogDataSource struct {
	data *providerData
}

func (d *dialogDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_dialog"
}

func (d *dialogDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := dialogAttributes()
	attrs["dialog_id"] = schema.StringAttribute{
		Required: true,
		MarkdownDescription: "The dialog to read, as `im.dialog.get` takes it: `chatN` for a chat (for example `chat1439`), " +
			"`sgN` for a workgroup chat, `crmN`, or a user id such as `5` for the private dialog with that user. Case-insensitive.",
		Validators: []validator.String{dialogIDValidator()},
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads one Bitrix24 chat or private dialog with the REST method `im.dialog.get`: its numeric chat id, " +
			"owner, type, CRM binding and the rest of the method's answer. The attributes keep the names of the answer's keys; " +
			"a key the portal does not send (older portals send fewer) is null.\n\n" +
			"The webhook or application needs the `im` scope, and its user must be a member of the chat. " +
			"Reads running at the same time are combined into `batch` calls of up to 50 (see the provider's `batch_window`).",
		Attributes: attrs,
	}
}

func (d *dialogDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = dataSourceProviderData(req, resp)
}

func (d *dialogDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var dialogID types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("dialog_id"), &dialogID)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if d.data == nil {
		resp.Diagnostics.AddError("Bitrix24 provider not configured", "The provider was not configured before the data source was read. Please report this issue to the provider developers.")
		return
	}
	client := d.data.client
	ctx = maskSecrets(ctx, client.Redactor())
	ctx = tflog.SetField(ctx, "dialog_id", dialogID.ValueString())
	tflog.Debug(ctx, "Reading Bitrix24 dialog")

	dialog, err := client.GetDialog(ctx, dialogID.ValueString())
	if err != nil {
		summary, detail := readErrorDiagnostic(dialogID.ValueString(), err)
		resp.Diagnostics.AddAttributeError(path.Root("dialog_id"), summary, detail)
		return
	}
	state, err := dialogValue(dialogID.ValueString(), dialog)
	if err != nil {
		resp.Diagnostics.AddError("Cannot store Bitrix24 dialog "+strconv.Quote(dialogID.ValueString()), "Please report this issue to the provider developers: "+err.Error())
		return
	}
	resp.State.Raw = state
	tflog.Trace(ctx, "Read Bitrix24 dialog")
}
