package provider

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/bitrix24"
)

var (
	_ datasource.DataSource                     = (*userDataSource)(nil)
	_ datasource.DataSourceWithConfigure        = (*userDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*userDataSource)(nil)
)

// NewUserDataSource returns the bitrix24_user data source.
func NewUserDataSource() datasource.DataSource {
	return &userDataSource{}
}

// userDataSource finds one user by email or id with user.get.
type userDataSource struct {
	data *providerData
}

type userModel struct {
	ID           types.Int64  `tfsdk:"id"`
	Email        types.String `tfsdk:"email"`
	Active       types.Bool   `tfsdk:"active"`
	Name         types.String `tfsdk:"name"`
	LastName     types.String `tfsdk:"last_name"`
	WorkPosition types.String `tfsdk:"work_position"`
	DialogID     types.String `tfsdk:"dialog_id"`
}

func (d *userDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_user"
}

func (d *userDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Finds one Bitrix24 user by exact `email` or by `id` with the REST method `user.get`, for example to " +
			"read the private dialog with that user: `bitrix24_dialog` takes `dialog_id = data.bitrix24_user.x.dialog_id`.\n\n" +
			"The webhook or application needs the `user_basic` scope (or `user`). Set exactly one of `email` and `id`.",
		Attributes: map[string]schema.Attribute{
			"email": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "The user's email (`EMAIL`), matched exactly but for case: the provider asks `user.get` for `=EMAIL` " +
					"(equality; a filter without `=` would be an SQL `LIKE`, where `_` matches any character) and keeps only the users " +
					"whose email is this one. Fails when no user or several users have it. Needs the `user_basic` scope: under " +
					"`user_brief` the portal ignores a filter on `EMAIL`.",
				Validators: []validator.String{
					stringvalidator.RegexMatches(emailPattern, "must be an email address"),
				},
			},
			"id": schema.Int64Attribute{
				Optional:            true,
				Computed:            true,
				MarkdownDescription: "The user's id (`ID`).",
				Validators:          []validator.Int64{int64validator.AtLeast(1)},
			},
			"active":        schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the user may log in (`ACTIVE`)."},
			"name":          schema.StringAttribute{Computed: true, MarkdownDescription: "First name (`NAME`)."},
			"last_name":     schema.StringAttribute{Computed: true, MarkdownDescription: "Last name (`LAST_NAME`)."},
			"work_position": schema.StringAttribute{Computed: true, MarkdownDescription: "Job title (`WORK_POSITION`)."},
			"dialog_id": schema.StringAttribute{Computed: true, MarkdownDescription: "The user id as a dialog id, which " +
				"`bitrix24_dialog` takes to read the private dialog with this user."},
		},
	}
}

// ConfigValidators: an email or an id, not both.
func (d *userDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("email"), path.MatchRoot("id")),
	}
}

func (d *userDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = dataSourceProviderData(req, resp)
}

func (d *userDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg userModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client := configuredClient(d.data, &resp.Diagnostics)
	if client == nil {
		return
	}
	ctx = maskSecrets(ctx, client.Redactor())
	attr, what := "email", fmt.Sprintf("email %q", cfg.Email.ValueString())
	if !cfg.ID.IsNull() {
		attr, what = "id", fmt.Sprintf("id %d", cfg.ID.ValueInt64())
	}
	tflog.Debug(ctx, "Finding Bitrix24 user", map[string]any{"by": attr})
	var users []bitrix24.User
	var err error
	if attr == "id" {
		var u bitrix24.User
		var found bool
		if u, found, err = client.UserByID(ctx, cfg.ID.ValueInt64()); found {
			users = []bitrix24.User{u}
		}
	} else {
		users, err = client.UsersByEmail(ctx, cfg.Email.ValueString())
	}
	if errors.Is(err, bitrix24.ErrNoEmailField) {
		resp.Diagnostics.AddAttributeError(path.Root(attr), "Cannot find the Bitrix24 user with "+what,
			"user.get answered without EMAIL: the webhook or application has only the user_brief scope, under which the portal "+
				"ignores a filter on EMAIL. Add the user_basic scope (or user) to the webhook, or find the user by id.")
		return
	}
	if err != nil {
		_, detail := readErrorDiagnostic("", err)
		resp.Diagnostics.AddAttributeError(path.Root(attr), "Cannot find the Bitrix24 user with "+what, detail)
		return
	}
	switch len(users) {
	case 0:
		resp.Diagnostics.AddAttributeError(path.Root(attr), "Bitrix24 user not found",
			fmt.Sprintf("No user of the portal has %s. Check the value; the webhook's user must be allowed to see that user "+
				"(extranet users see only their groups).", what))
		return
	case 1:
	default:
		ids := make([]string, len(users))
		for i, u := range users {
			ids[i] = strconv.FormatInt(u.ID.Value, 10)
		}
		resp.Diagnostics.AddAttributeError(path.Root(attr), "Several Bitrix24 users match",
			fmt.Sprintf("%d users have %s: ids %s. Set id to the one you mean instead.", len(users), what, listIDs(ids)))
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, newUserModel(users[0], cfg))...)
}

// newUserModel is the state of a found user; configured values come back
// as configured.
func newUserModel(u bitrix24.User, cfg userModel) userModel {
	str := func(v bitrix24.String) types.String {
		if !v.Valid {
			return types.StringNull()
		}
		return types.StringValue(v.Value)
	}
	m := userModel{
		ID: types.Int64Null(), Email: str(u.Email), Name: str(u.Name), LastName: str(u.LastName),
		WorkPosition: str(u.WorkPosition), Active: types.BoolNull(), DialogID: types.StringNull(),
	}
	if u.ID.Valid {
		m.ID = types.Int64Value(u.ID.Value)
		m.DialogID = types.StringValue(strconv.FormatInt(u.ID.Value, 10))
	}
	if u.Active.Valid {
		m.Active = types.BoolValue(u.Active.Value)
	}
	if !cfg.Email.IsNull() {
		m.Email = cfg.Email
	}
	if !cfg.ID.IsNull() {
		m.ID = cfg.ID
	}
	return m
}
