package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/bitrix24"
)

var (
	_ action.Action              = (*messageAction)(nil)
	_ action.ActionWithConfigure = (*messageAction)(nil)
)

// NewMessageAction returns the bitrix24_message action.
func NewMessageAction() action.Action { return &messageAction{} }

// messageAction posts one message with im.message.add each time it is
// invoked.
type messageAction struct {
	data *providerData
}

type messageModel struct {
	DialogID   types.String `tfsdk:"dialog_id"`
	Message    types.String `tfsdk:"message"`
	System     types.Bool   `tfsdk:"system"`
	URLPreview types.Bool   `tfsdk:"url_preview"`
}

func (a *messageAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_message"
}

// messageText is a message the portal accepts: not only white space
// (MESSAGE_EMPTY), and not longer than the portal keeps.
var messageText = regexp.MustCompile(`\S`)

func (a *messageAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Posts a message to a Bitrix24 chat or private dialog with `im.message.add`, each time the action " +
			"is invoked: `terraform apply -invoke=action.bitrix24_message.NAME`, or an `action_trigger` in a resource's " +
			"`lifecycle` (for example after a `terraform_data` holding the release version changes). The message is posted as the " +
			"webhook's (or token's) user, who must be a member of the chat; the webhook needs the `im` scope. Needs Terraform 1.14 " +
			"or later; OpenTofu does not run actions.\n\n" +
			"**Posted at most once.** `im.message.add` is not idempotent by itself. The provider sends each message with a random " +
			"`TEMPLATE_ID` (a UUID), which the portal keeps for every message and checks before it posts one: a request with a " +
			"`TEMPLATE_ID` it has seen posts nothing and answers the first message's id. So when the portal's answer is lost (a " +
			"timeout, a reset connection, a 5xx or HTML page from a proxy), the provider sends the same request again, up to " +
			"`max_retries` times, and the message appears once. A system message (`system = true`) is not de-duplicated by the " +
			"portal, so it is never sent again: a lost answer fails the action and says that the message may have been posted. A " +
			"refusal before the portal ran the method (`QUERY_LIMIT_EXCEEDED`) is waited out and sent again, within `busy_timeout`.\n\n" +
			"The action reports progress (`posted message 123 to chat1439`) while it runs, and changes no state.",
		Attributes: map[string]schema.Attribute{
			"dialog_id": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "Where to post: `chatN` for a chat (for example `chat1439`, or a `bitrix24_chat`'s `dialog_id`), " +
					"or a user id for the private dialog with that user. `sgN` posts to a workgroup's chat when it has one " +
					"(`CHAT_ID_EMPTY` otherwise). `crmN` is refused at plan time, as the portal never resolves it: use the deal chat's " +
					"`chatN` (`bitrix24_dialog` with `entity_type` and `entity_id` finds it).",
				Validators: []validator.String{dialogIDValidator()},
			},
			"message": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "The text, at most 20000 characters (the portal cuts longer texts and appends ` (...)`). " +
					"Surrounding white space is trimmed by the portal; a line break is a newline (or `[BR]`). The portal stores the " +
					"text as given, and the Bitrix24 clients render the messenger's BB-codes (the set `im/lib/text.php` knows): " +
					"`[B]bold[/B]`, `[I]italic[/I]`, `[U]underline[/U]`, `[S]strike[/S]`, `[URL=https://example.com]a link[/URL]` " +
					"(bare links are linked too), `[USER=7]Name[/USER]` (a mention; the portal reduces it to its text when the " +
					"webhook's user may not see user 7), `[CHAT=1439]Name[/CHAT]`, `[CODE]…[/CODE]`, `[size=20]…[/size]`, " +
					"`[color=#df532d]…[/color]`, `[SEND=text]button[/SEND]` and `[PUT=text]button[/PUT]`, and a quote between two " +
					"lines of 54 dashes. Markdown is not rendered.",
				Validators: []validator.String{
					stringvalidator.RegexMatches(messageText, "must not be empty or only white space (the portal answers MESSAGE_EMPTY)"),
					stringvalidator.UTF8LengthAtMost(bitrix24.MessageLimit),
				},
			},
			"system": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Post a system message (`SYSTEM=Y`): shown without an author, in the chat's system style. The portal " +
					"makes it an ordinary message when the webhook's user is an extranet user or may not read the dialog. Default `false`. " +
					"A system message is never sent twice: see above.",
			},
			"url_preview": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Whether the portal attaches a preview of the first link in the text (`URL_PREVIEW`). Default `true`; " +
					"`false` sends `URL_PREVIEW=N`.",
			},
		},
	}
}

func (a *messageAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	if req.ProviderData == nil {
		return
	}
	data, ok := req.ProviderData.(*providerData)
	if !ok {
		resp.Diagnostics.AddError("Unexpected Action Configure Type",
			fmt.Sprintf("Expected *provider.providerData, got %T. Please report this issue to the provider developers.", req.ProviderData))
		return
	}
	a.data = data
}

func (a *messageAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var cfg messageModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if a.data == nil {
		resp.Diagnostics.AddError("Bitrix24 provider not configured",
			"The provider was not configured before the action was invoked. Please report this issue to the provider developers.")
		return
	}
	client := a.data.client
	ctx = maskSecrets(ctx, client.Redactor())
	m := bitrix24.NewMessage{
		DialogID:     cfg.DialogID.ValueString(),
		Text:         cfg.Message.ValueString(),
		System:       cfg.System.ValueBool(),
		NoURLPreview: !cfg.URLPreview.IsNull() && !cfg.URLPreview.ValueBool(),
	}
	ctx = tflog.SetField(ctx, "dialog_id", m.DialogID)
	tflog.Debug(ctx, "Posting a Bitrix24 message", map[string]any{"characters": len([]rune(m.Text)), "system": m.System})
	progress(resp, fmt.Sprintf("posting a message to %s", m.DialogID))
	posted, err := client.PostMessage(ctx, m)
	if err != nil {
		attr, summary, detail := messageErrorDiagnostic(m, err)
		if attr != "" {
			resp.Diagnostics.AddAttributeError(path.Root(attr), summary, detail)
		} else {
			resp.Diagnostics.AddError(summary, detail)
		}
		return
	}
	tflog.Info(ctx, "Posted a Bitrix24 message", map[string]any{"message_id": posted.ID, "resent": posted.Resent, "template_id": posted.UUID})
	if posted.Resent > 0 {
		resp.Diagnostics.AddWarning("The portal's answer to im.message.add was lost",
			fmt.Sprintf("The provider sent the message again %d time(s) with the same TEMPLATE_ID %s, and the portal answered message "+
				"%d: it was posted once.", posted.Resent, posted.UUID, posted.ID))
	}
	progress(resp, fmt.Sprintf("posted message %d to %s", posted.ID, m.DialogID))
}

func progress(resp *action.InvokeResponse, msg string) {
	if resp.SendProgress != nil {
		resp.SendProgress(action.InvokeProgressEvent{Message: msg})
	}
}

// messageErrorDiagnostic says what failed, with the portal's code, and
// what to do next; attr names the attribute at fault, if any.
func messageErrorDiagnostic(m bitrix24.NewMessage, err error) (attr, summary, detail string) {
	summary = fmt.Sprintf("Cannot post the Bitrix24 message to %q", m.DialogID)
	_, portal := readErrorDiagnostic(m.DialogID, err)
	var lost *bitrix24.LostMessageError
	if errors.As(err, &lost) {
		summary = fmt.Sprintf("The Bitrix24 message to %q may have been posted", m.DialogID)
		if lost.UUID == "" {
			_, cause := readErrorDiagnostic(m.DialogID, lost.Add.Err)
			return "", summary, "The request im.message.add was sent and its answer was lost, so the portal may or may not have " +
				"posted the message. It is a system message (system = true), which the portal does not de-duplicate, so the " +
				"provider did not send it again: that could post it twice.\n\nLook at " + m.DialogID + " in the portal before you " +
				"invoke the action again.\n\nThe lost answer: " + cause
		}
		_, last := readErrorDiagnostic(m.DialogID, lost.Last)
		return "", summary, fmt.Sprintf("The request im.message.add was sent and its answer was lost. The provider sent it "+
			"again with the same TEMPLATE_ID %s, %d request(s) in all, which the portal de-duplicates, but no answer settled "+
			"whether the message was posted.\n\nLook at %s in the portal before you invoke the action again: a new invocation "+
			"is a new message.\n\nThe last answer: %s", lost.UUID, lost.Sent, m.DialogID, last)
	}
	var apiErr *bitrix24.APIError
	code := func(c, text string) string {
		if errors.As(err, &apiErr) {
			c = fmt.Sprintf("HTTP %d, error %s%s", apiErr.HTTPStatus, c, describe(apiErr.Description))
		}
		return fmt.Sprintf("The portal answered im.message.add with %s: %s", c, text)
	}
	switch {
	case bitrix24.HasCode(err, bitrix24.CodeMessageEmpty):
		return "message", summary, code("MESSAGE_EMPTY", "the text is empty. Set message to text that is not only white space.")
	case bitrix24.HasCode(err, bitrix24.CodeUserNotFound):
		return "dialog_id", summary, code("USER_NOT_FOUND", fmt.Sprintf("a dialog id of digits is a user id, and the portal "+
			"has no user %s. For a chat use chatN, such as chat1439 (a bitrix24_chat's dialog_id); for a private message, a user id "+
			"that exists (the bitrix24_user data source finds one by email).", m.DialogID))
	case bitrix24.HasCode(err, bitrix24.CodeUserIDEmpty):
		return "dialog_id", summary, code("USER_ID_EMPTY", "a user id must be 1 or more. For a chat use chatN.")
	case bitrix24.HasCode(err, bitrix24.CodeChatIDEmpty):
		return "dialog_id", summary, code("CHAT_ID_EMPTY", fmt.Sprintf("the portal found no chat for %s. sgN posts only to a "+
			"workgroup that has a chat. Use the chat's chatN: bitrix24_dialog with "+
			"entity_type and entity_id finds the chat of a deal or workgroup.", m.DialogID))
	case bitrix24.HasCode(err, bitrix24.CodeAccessError):
		return "dialog_id", summary, code("ACCESS_ERROR", fmt.Sprintf("the webhook's user may not post in %s. In the general "+
			"chat, posting may be limited to some users (the portal's messenger settings); some chats forbid sending altogether. "+
			"Post to another chat, or ask an administrator to let the webhook's user post there.", m.DialogID))
	case bitrix24.HasCode(err, bitrix24.CodeParamsError):
		return "dialog_id", summary, code("PARAMS_ERROR", fmt.Sprintf("the portal did not add the message. It answers this when "+
			"chat %s does not exist, or when the webhook's user is not a member of it (or may not write there). Add the webhook's "+
			"user to the chat (a bitrix24_chat's members), or post to a chat that user belongs to.", m.DialogID))
	}
	return "", summary, portal
}
