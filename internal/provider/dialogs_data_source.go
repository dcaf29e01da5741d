package provider

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
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
	_ datasource.DataSource                     = (*dialogsDataSource)(nil)
	_ datasource.DataSourceWithConfigure        = (*dialogsDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*dialogsDataSource)(nil)
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
	DialogIDs types.List   `tfsdk:"dialog_ids"`
	Search    types.String `tfsdk:"search"`
	Dialogs   types.Map    `tfsdk:"dialogs"`
}

// maxGroupedIDs is how many ids one grouped diagnostic names.
const maxGroupedIDs = 5

func (d *dialogsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_dialogs"
}

func (d *dialogsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	nested := dialogAttributes()
	nested["dialog_id"] = schema.StringAttribute{Computed: true, MarkdownDescription: "The dialog id as given in `dialog_ids`."}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads many Bitrix24 chats at once: the ids in `dialog_ids`, or every chat whose title matches `search`. " +
			"The chats are read with `im.dialog.get` inside `batch` calls of up to 50, so 1000 dialogs cost 20 requests. Each entry of " +
			"`dialogs` has the same attributes as the `bitrix24_dialog` data source.\n\n" +
			"If any id cannot be read, the read fails. A failure that hits many ids (the portal is down, busy or refuses the " +
			"credentials) is reported once, with the number of ids and the first few of them.",
		Attributes: map[string]schema.Attribute{
			"dialog_ids": schema.ListAttribute{
				Optional:    true,
				Computed:    true,
				ElementType: types.StringType,
				MarkdownDescription: "The dialogs to read, each in a form `im.dialog.get` resolves: `chatN`, `sgN` or a user id `N`, with N positive. " +
					"Duplicates are read once, also when they differ only in the prefix's case or in leading zeros (`chat42`, `CHAT42`); " +
					"`dialogs` then holds each spelling. A list rather than a set, so that planning thousands of ids stays fast. Set exactly one " +
					"of `dialog_ids` and `search`; after a search it holds the dialog ids found, newest chat first.",
				Validators: []validator.List{
					listvalidator.SizeAtLeast(1),
					listvalidator.NoNullValues(),
					listvalidator.ValueStringsAre(dialogIDValidator()),
				},
			},
			"search": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Read every chat whose title matches this text as the portal's search matches it: every word " +
					"of `search` (a run of letters, digits and `_`) begins a word of the title, case-insensitively, so `release` finds " +
					"`Release train` but `lease` does not. The text must hold a word of 3 or more letters or digits; only those words " +
					"are sent to the portal (`im.search.chat.list`, one request per 50 chats it finds), the shorter ones are matched " +
					"by the provider. The portal's search also matches members' names: such chats are left out unless their title " +
					"matches too. It finds only group chats the webhook's user may read: never private dialogs, channels, collabs or " +
					"copilot chats. No match is not an error: `dialogs` is then empty.",
				Validators: []validator.String{searchTextValidator("Use a longer word of the titles, or list the chats in dialog_ids.")},
			},
			"dialogs": schema.MapNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The dialogs, keyed by dialog id as given in `dialog_ids`, or by `chatN` after a search.",
				NestedObject:        schema.NestedAttributeObject{Attributes: nested},
			},
		},
	}
}

// ConfigValidators: ids or a search, not both.
func (d *dialogsDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("dialog_ids"), path.MatchRoot("search")),
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
	client := configuredClient(d.data, &resp.Diagnostics)
	if client == nil {
		return
	}
	ctx = maskSecrets(ctx, client.Redactor())
	var ids []string
	var spellings [][2]string // Each id as configured, with the id read for it.
	if !cfg.Search.IsNull() {
		found, err := client.ChatsContaining(ctx, cfg.Search.ValueString())
		if err != nil {
			_, detail := readErrorDiagnostic("", err)
			if errors.Is(err, bitrix24.ErrUnsearchable) {
				detail = "The text " + err.Error() + ". Use a longer word of the titles, or list the chats in dialog_ids."
			}
			resp.Diagnostics.AddAttributeError(path.Root("search"), fmt.Sprintf("Cannot search Bitrix24 chats for %q", cfg.Search.ValueString()), detail)
			return
		}
		for _, f := range found {
			ids = append(ids, f.DialogID())
			spellings = append(spellings, [2]string{f.DialogID(), f.DialogID()})
		}
		tflog.Debug(ctx, "Searched Bitrix24 chats", map[string]any{"found": len(ids)})
	} else {
		var ok bool
		if ids, spellings, ok = uniqueIDs(cfg.DialogIDs, &resp.Diagnostics); !ok {
			return
		}
	}
	tflog.Debug(ctx, "Reading Bitrix24 dialogs", map[string]any{"count": len(ids)})

	dialogs, failed, err := client.GetDialogs(ctx, ids)
	if err != nil {
		resp.Diagnostics.AddError("Cannot read Bitrix24 dialogs", readErrorDetail(err))
		return
	}
	addGroupedReadErrors(&resp.Diagnostics, ids, failed)
	for _, id := range ids {
		if d := dialogs[id]; d != nil {
			if problem := (resolved{dialogID: id}).mismatch(d, client.Redactor()); problem != "" {
				resp.Diagnostics.AddError("Bitrix24 answered another dialog",
					fmt.Sprintf("im.dialog.get %s answered %s. The portal's answer cannot be used; please report this to the portal's administrator.", id, problem))
			}
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(setDialogsState(ctx, req, resp, spellings, dialogs)...)
}

// setDialogsState writes the state as tftypes values: dialog_ids as
// configured, and one dialog object per distinct id, from the dialog read
// for it.
func setDialogsState(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse, spellings [][2]string, dialogs map[string]*bitrix24.Dialog) diag.Diagnostics {
	var diags diag.Diagnostics
	values := make(map[string]tftypes.Value, len(spellings))
	for _, sp := range spellings {
		id := sp[0]
		v, err := dialogValue(id, dialogs[sp[1]])
		if err != nil {
			diags.AddError("Cannot store Bitrix24 dialog "+strconv.Quote(id), "Please report this issue to the provider developers: "+err.Error())
			return diags
		}
		values[id] = v
	}
	var config map[string]tftypes.Value
	if err := req.Config.Raw.As(&config); err != nil {
		diags.AddError("Cannot read the configuration", err.Error())
		return diags
	}
	stateType := req.Config.Schema.Type().TerraformType(ctx)
	b := &valueBuilder{}
	dialogIDs := config["dialog_ids"]
	if dialogIDs.IsNull() { // A search: the ids found.
		found := make([]tftypes.Value, len(spellings))
		for i, sp := range spellings {
			found[i] = tftypes.NewValue(tftypes.String, sp[0])
		}
		dialogIDs = b.value(attrType(stateType, "dialog_ids"), found)
	}
	raw := b.value(stateType, map[string]tftypes.Value{
		"dialog_ids": dialogIDs,
		"search":     config["search"],
		"dialogs":    b.value(attrType(stateType, "dialogs"), values),
	})
	if b.err != nil {
		diags.AddError("Cannot store Bitrix24 dialogs", "Please report this issue to the provider developers: "+b.err.Error())
		return diags
	}
	resp.State.Raw = raw
	return diags
}

// uniqueIDs returns the ids to read, in order, each dialog once: ids that
// differ only in the prefix's case or in leading zeros (chat42, CHAT42,
// chat042) are one dialog (bitrix24.CanonicalDialogID). spellings holds
// every distinct id as configured, in order, with the id read for it. A
// null or unknown element (which the validators reject at plan time) is a
// user error.
func uniqueIDs(list types.List, diags interface {
	AddAttributeError(path.Path, string, string)
}) (ids []string, spellings [][2]string, ok bool) {
	elems := list.Elements()
	ids = make([]string, 0, len(elems))
	read := make(map[string]string, len(elems))
	seen := make(map[string]struct{}, len(elems))
	for i, e := range elems {
		s, ok := e.(types.String)
		if !ok || s.IsNull() || s.IsUnknown() {
			diags.AddAttributeError(path.Root("dialog_ids").AtListIndex(i), "Invalid dialog id",
				fmt.Sprintf("Element %d of dialog_ids is null or unknown. Every element must be a dialog id: %s.", i, dialogIDForms))
			return nil, nil, false
		}
		id := s.ValueString()
		if _, dup := seen[id]; dup {
			continue
		}
		seen[id] = struct{}{}
		canonical := bitrix24.CanonicalDialogID(id)
		first, dup := read[canonical]
		if !dup {
			first = id
			read[canonical] = id
			ids = append(ids, id)
		}
		spellings = append(spellings, [2]string{id, first})
	}
	return ids, spellings, true
}

// addGroupedReadErrors reports the failed ids, one diagnostic per distinct
// failure: a failure that hits many ids is reported once, with the count
// and the first few ids.
func addGroupedReadErrors(diags interface{ AddError(string, string) }, ids []string, failed map[string]error) {
	type group struct {
		detail string
		ids    []string
	}
	var groups []*group
	byDetail := map[string]*group{}
	for _, id := range ids {
		err, ok := failed[id]
		if !ok {
			continue
		}
		_, detail := readErrorDiagnostic(id, err)
		key := failureKey(err, detail)
		g := byDetail[key]
		if g == nil {
			g = &group{detail: detail}
			byDetail[key] = g
			groups = append(groups, g)
		}
		g.ids = append(g.ids, id)
	}
	for _, g := range groups {
		if len(g.ids) == 1 {
			summary, _ := readErrorDiagnostic(g.ids[0], failed[g.ids[0]])
			diags.AddError(summary, g.detail)
			continue
		}
		quoted := make([]string, 0, maxGroupedIDs)
		for _, id := range g.ids[:min(len(g.ids), maxGroupedIDs)] {
			quoted = append(quoted, fmt.Sprintf("%q", id))
		}
		names := strings.Join(quoted, ", ")
		if more := len(g.ids) - maxGroupedIDs; more > 0 {
			names += fmt.Sprintf(" and %d more", more)
		}
		diags.AddError(fmt.Sprintf("Cannot read %d Bitrix24 dialogs", len(g.ids)),
			fmt.Sprintf("The same failure hit %d of the %d dialogs in dialog_ids: %s.\n\n%s", len(g.ids), len(ids), names, g.detail))
	}
}

// failureKey says which failures are the same: the portal's error code
// and description, whether it came inside a batch (HTTP 200) or alone;
// else the diagnostic's text.
func failureKey(err error, detail string) string {
	var apiErr *bitrix24.APIError
	var down *bitrix24.PortalDownError
	switch {
	case errors.As(err, &down):
		return "down"
	case errors.As(err, &apiErr):
		return "api\x00" + apiErr.Method + "\x00" + strings.ToUpper(apiErr.Code) + "\x00" + apiErr.Description
	}
	return detail
}

func readErrorDetail(err error) string {
	_, detail := readErrorDiagnostic("", err)
	return detail
}
