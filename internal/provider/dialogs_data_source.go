package provider

import (
	"context"
	"sort"

	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

var (
	_ datasource.DataSource              = (*dialogsDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*dialogsDataSource)(nil)
)

// NewDialogsDataSource returns the bitrix24_dialogs data source.
func NewDialogsDataSource() datasource.DataSource {
	return &dialogsDataSource{}
}

// dialogsDataSource reads many dialogs in batch calls of up to 50.
type dialogsDataSource struct {
	data *providerData
}

type dialogsModel struct {
	DialogIDs types.Set `tfsdk:"dialog_ids"`
	Dialogs   types.Map `tfsdk:"dialogs"`
}

func (d *dialogsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_dialogs"
}

func (d *dialogsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	nested := dialogAttributes()
	nested["dialog_id"] = schema.StringAttribute{Computed: true, MarkdownDescription: "The dialog id as given in `dialog_ids`."}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads many Bitrix24 chats at once. The ids are read with `im.dialog.get` inside `batch` calls of up to 50, " +
			"so 1000 dialogs cost 20 requests. Each entry of `dialogs` has the same attributes as the `bitrix24_dialog` data source.\n\n" +
			"If any id cannot be read, the read fails with one error per failing id.",
		Attributes: map[string]schema.Attribute{
			"dialog_ids": schema.SetAttribute{
				Required:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "The dialogs to read, each in a form `im.dialog.get` takes: `chatN`, `sgN`, `crmN` or a user id.",
				Validators: []validator.Set{
					setvalidator.SizeAtLeast(1),
					setvalidator.ValueStringsAre(dialogIDValidator()),
				},
			},
			"dialogs": schema.MapNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The dialogs, keyed by dialog id as given in `dialog_ids`.",
				NestedObject:        schema.NestedAttributeObject{Attributes: nested},
			},
		},
	}
}

func (d *dialogsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = dataSourceProviderData(req, resp)
}

func (d *dialogsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg dialogsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if d.data == nil {
		resp.Diagnostics.AddError("Bitrix24 provider not configured", "The provider was not configured before the data source was read. Please report this issue to the provider developers.")
		return
	}
	var ids []string
	resp.Diagnostics.Append(cfg.DialogIDs.ElementsAs(ctx, &ids, false)...)
	if resp.Diagnostics.HasError() {
		return
	}
	sort.Strings(ids)
	client := d.data.client
	ctx = maskSecrets(ctx, client.Redactor())
	tflog.Debug(ctx, "Reading Bitrix24 dialogs", map[string]any{"count": len(ids)})

	dialogs, failed, err := client.GetDialogs(ctx, ids)
	if err != nil {
		resp.Diagnostics.AddError("Cannot read Bitrix24 dialogs", readErrorDetail(err))
		return
	}
	for _, id := range ids {
		if ferr, ok := failed[id]; ok {
			summary, detail := readErrorDiagnostic(id, ferr)
			resp.Diagnostics.AddAttributeError(path.Root("dialog_ids").AtSetValue(types.StringValue(id)), summary, detail)
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}
	objType := dialogAttrTypes()
	values := make(map[string]attr.Value, len(ids))
	for _, id := range ids {
		m, diags := newDialogModel(ctx, id, dialogs[id])
		resp.Diagnostics.Append(diags...)
		obj, diags := types.ObjectValueFrom(ctx, objType, m)
		resp.Diagnostics.Append(diags...)
		values[id] = obj
	}
	if resp.Diagnostics.HasError() {
		return
	}
	dialogsValue, diags := types.MapValue(types.ObjectType{AttrTypes: objType}, values)
	resp.Diagnostics.Append(diags...)
	cfg.Dialogs = dialogsValue
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}

func readErrorDetail(err error) string {
	_, detail := readErrorDiagnostic("", err)
	return detail
}
