package provider

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/bitrix24"
)

// Provider-defined functions (Terraform 1.8 and later, OpenTofu 1.7 and
// later): provider::bitrix24::dialog_id and provider::bitrix24::parse_dialog_id.

var (
	_ function.Function = dialogIDFunction{}
	_ function.Function = parseDialogIDFunction{}
)

// NewDialogIDFunction returns provider::bitrix24::dialog_id.
func NewDialogIDFunction() function.Function { return dialogIDFunction{} }

// NewParseDialogIDFunction returns provider::bitrix24::parse_dialog_id.
func NewParseDialogIDFunction() function.Function { return parseDialogIDFunction{} }

type dialogIDFunction struct{}

func (dialogIDFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "dialog_id"
}

func (dialogIDFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "The dialog id of a chat, from its numeric id",
		MarkdownDescription: "Returns the dialog id that `im.dialog.get`, `im.message.add` and `bitrix24_dialog` take for a chat: " +
			"`dialog_id(1439)` is `\"chat1439\"`.",
		Parameters: []function.Parameter{
			// A number, not an Int64Parameter: the framework's own conversion
			// error for 1.5 is "%!s(*big.Float=1.5) … report to the provider
			// developer"; Run says what is wrong instead.
			function.NumberParameter{Name: "chat_id", MarkdownDescription: "The chat's numeric id, a positive whole number, for example `data.bitrix24_dialog.x.id`."},
		},
		Return: function.StringReturn{},
	}
}

func (dialogIDFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var n *big.Float
	resp.Error = function.ConcatFuncErrors(req.Arguments.Get(ctx, &n))
	if resp.Error != nil {
		return
	}
	id, err := chatIDArgument(n)
	if err != nil {
		resp.Error = function.NewArgumentFuncError(0, err.Error())
		return
	}
	resp.Error = function.ConcatFuncErrors(resp.Result.Set(ctx, "chat"+strconv.FormatInt(id, 10)))
}

// chatIDArgument checks a chat id given as a Terraform number.
func chatIDArgument(n *big.Float) (int64, error) {
	if n == nil {
		return 0, errors.New("chat_id must be a positive whole number, got null")
	}
	text := n.Text('g', 20)
	if !n.IsInt() {
		return 0, fmt.Errorf("chat_id must be a positive whole number, got %s, which has a fraction", text)
	}
	id, acc := n.Int64()
	switch {
	case acc != big.Exact && n.Sign() > 0:
		return 0, fmt.Errorf("chat_id must be a positive whole number of at most %d, got %s", int64(math.MaxInt64), text)
	case acc != big.Exact || id <= 0:
		return 0, fmt.Errorf("chat_id must be a positive whole number, got %s", text)
	}
	return id, nil
}

type parseDialogIDFunction struct{}

var parsedDialogIDTypes = map[string]attr.Type{"kind": types.StringType, "id": types.Int64Type}

func (parseDialogIDFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "parse_dialog_id"
}

func (parseDialogIDFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "The kind and numeric id of a dialog id",
		MarkdownDescription: "Splits a dialog id into its kind and number: `parse_dialog_id(\"chat1439\")` is " +
			"`{kind = \"chat\", id = 1439}`. The kind is `chat` (`chatN`), `sg` (`sgN`, a workgroup's chat) or " +
			"`user` (`N`, the private dialog with user N). The prefix is case-insensitive, as the portal takes it.",
		Parameters: []function.Parameter{
			function.StringParameter{Name: "dialog_id", MarkdownDescription: "A dialog id, for example `chat1439`, `sg103` or `5`."},
		},
		Return: function.ObjectReturn{AttributeTypes: parsedDialogIDTypes},
	}
}

func (parseDialogIDFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var dialogID string
	resp.Error = function.ConcatFuncErrors(req.Arguments.Get(ctx, &dialogID))
	if resp.Error != nil {
		return
	}
	kind, id, ok := bitrix24.ParseDialogID(dialogID)
	if !ok {
		resp.Error = function.NewArgumentFuncError(0, "dialog_id "+dialogIDProblem(dialogID))
		return
	}
	obj, diags := types.ObjectValue(parsedDialogIDTypes, map[string]attr.Value{"kind": types.StringValue(kind), "id": types.Int64Value(id)})
	resp.Error = function.ConcatFuncErrors(function.FuncErrorFromDiags(ctx, diags), resp.Result.Set(ctx, obj))
}
