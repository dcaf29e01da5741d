package provider

import (
	"context"
	"fmt"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/bitrix24"
)

var (
	_ list.ListResource              = (*chatList)(nil)
	_ list.ListResourceWithConfigure = (*chatList)(nil)
)

// NewChatList returns the bitrix24_chat list resource, for `terraform query`.
func NewChatList() list.ListResource { return &chatList{} }

type chatList struct {
	data *providerData
}

type chatListModel struct {
	Search types.String `tfsdk:"search"`
}

// listReaders is how many chats are read at once for include_resource:
// their im.dialog.get reads join one batch call (the coalescer).
const listReaders = 8

func (l *chatList) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_chat"
}

func (l *chatList) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists Bitrix24 group chats for `terraform query`, each with the resource identity of `bitrix24_chat` " +
			"(the chat's `id`), so that `terraform query -generate-config-out=chats.tf` writes an `import` block and a `bitrix24_chat` " +
			"block for each. With `include_resource = true` every chat is also read in full (`im.dialog.get` in batches, and " +
			"`im.chat.user.list` per chat), as `bitrix24_chat` reads it. Needs Terraform 1.14 or later.\n\n" +
			"Without `search`, it lists the chats in the webhook user's recent list (`im.recent.list`, 200 chats a request): group " +
			"and open chats, whatever they are bound to; not private dialogs, open lines, channels, copilot or collab chats, and " +
			"not the general chat. The portal leaves out chats the user has hidden from the recent list and chats without a " +
			"single message.",
		Attributes: map[string]schema.Attribute{
			"search": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "List only the chats whose title matches this text, as the `bitrix24_dialogs` data source's " +
					"`search` matches it: every word of `search` (a run of letters, digits and `_`) begins a word of the title, " +
					"case-insensitively (`Rele` finds `Release train`, `lease` does not). The provider pages through the portal's " +
					"search (`im.search.chat.list`, 50 chats a request), which needs a word of at least 3 characters and never lists " +
					"channels, collabs, copilot chats or private dialogs. It finds only chats the webhook's user is a member of " +
					"(or open chats).",
				Validators: []validator.String{searchTextValidator("Use a longer word of the titles, or leave search unset to list every chat the webhook's user belongs to.")},
			},
		},
	}
}

func (l *chatList) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if req.ProviderData == nil {
		return
	}
	data, ok := req.ProviderData.(*providerData)
	if !ok {
		resp.Diagnostics.AddError("Unexpected List Resource Configure Type",
			fmt.Sprintf("Expected *provider.providerData, got %T. Please report this issue to the provider developers.", req.ProviderData))
		return
	}
	l.data = data
}

// listedChat is one chat found, before it is read.
type listedChat struct {
	id   int64
	name string
}

func (l *chatList) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var cfg chatListModel
	var diags diag.Diagnostics
	diags.Append(req.Config.Get(ctx, &cfg)...)
	if diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	if l.data == nil {
		diags.AddError("Bitrix24 provider not configured",
			"The provider was not configured before the list resource was used. Please report this issue to the provider developers.")
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	client := l.data.client
	ctx = maskSecrets(ctx, client.Redactor())
	chats, ok := findChats(ctx, client, cfg, req.Limit, &diags)
	if !ok {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	tflog.Debug(ctx, "Listed Bitrix24 chats", map[string]any{"found": len(chats), "include_resource": req.IncludeResource})
	var full []*portalChat
	var failed []error
	var me int64
	if req.IncludeResource && len(chats) > 0 {
		if me, ok = self(ctx, client, &diags); !ok {
			stream.Results = list.ListResultsStreamDiagnostics(diags)
			return
		}
		full, failed = readChats(ctx, client, chats, me)
	}
	stream.Results = func(push func(list.ListResult) bool) {
		for i, c := range chats {
			result := req.NewListResult(ctx)
			result.DisplayName = fmt.Sprintf("%s (%s)", c.name, bitrix24.ChatDialogID(c.id))
			result.Diagnostics.Append(result.Identity.SetAttribute(ctx, path.Root("id"), types.Int64Value(c.id))...)
			if req.IncludeResource {
				if failed[i] != nil {
					chatReadError(&result.Diagnostics, c.id, me, failed[i])
				} else {
					m := chatModel{OnDestroy: types.StringValue(onDestroyAbandon)}
					result.Diagnostics.Append(full[i].toModel(&m)...)
					result.DisplayName = fmt.Sprintf("%s (%s)", full[i].title, bitrix24.ChatDialogID(c.id))
					result.Diagnostics.Append(result.Resource.Set(ctx, &m)...)
				}
			}
			if !push(result) {
				return
			}
		}
	}
}

// findChats lists the chats: the search's, or the recent list's group
// chats, up to limit (0: no limit).
func findChats(ctx context.Context, client *bitrix24.Client, cfg chatListModel, limit int64, diags *diag.Diagnostics) ([]listedChat, bool) {
	var out []listedChat
	full := func() bool { return limit > 0 && int64(len(out)) >= limit }
	if !cfg.Search.IsNull() {
		found, err := client.ChatsContaining(ctx, cfg.Search.ValueString())
		if err != nil {
			_, detail := readErrorDiagnostic("", err)
			diags.AddAttributeError(path.Root("search"), fmt.Sprintf("Cannot search Bitrix24 chats for %q", cfg.Search.ValueString()), detail)
			return nil, false
		}
		for _, f := range found {
			if t := f.Type.Value; t == "general" || t == "generalChannel" || t == "private" {
				continue
			}
			if full() {
				break
			}
			out = append(out, listedChat{id: f.ID.Value, name: f.Name.Value})
		}
		return out, true
	}
	err := client.RecentChats(ctx, func(r bitrix24.RecentChat) bool {
		if r.GroupChat() {
			out = append(out, listedChat{id: r.ChatID(), name: r.Name()})
		}
		return !full()
	})
	if err != nil {
		_, detail := readErrorDiagnostic("", err)
		diags.AddError("Cannot list the Bitrix24 chats of the webhook's user", "The provider lists them with im.recent.list.\n\n"+detail)
		return nil, false
	}
	return out, true
}

// readChats reads the chats as bitrix24_chat does, listReaders at a time,
// keeping their order.
func readChats(ctx context.Context, client *bitrix24.Client, chats []listedChat, me int64) ([]*portalChat, []error) {
	full := make([]*portalChat, len(chats))
	failed := make([]error, len(chats))
	sem := make(chan struct{}, listReaders)
	var wg sync.WaitGroup
	for i, c := range chats {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			full[i], failed[i] = readChat(ctx, client, c.id, me)
		}()
	}
	wg.Wait()
	return full, failed
}
