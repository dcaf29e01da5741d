package provider

import (
	"encoding/json"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/fakeportal"
)

// chatWith is a group chat that user 1 may read, with the given keys of
// its im.dialog.get answer.
func chatWith(id int64, keys map[string]any) fakeportal.Dialog {
	d := fakeportal.GroupChats(1, id, 1)[0]
	var result map[string]any
	_ = json.Unmarshal(d.Result, &result)
	for k, v := range keys {
		result[k] = v
	}
	d.Result, _ = json.Marshal(result)
	return d
}

// Current portals send background_id as a name (im/lib/V2/Chat/Background):
// before, a name failed the read as "not a whole number".
func TestDialogDataSource_backgroundIDIsText(t *testing.T) {
	t.Parallel()
	portal, srv := startPortal(t)
	portal.AddDialogs(chatWith(6001, map[string]any{"background_id": "azure"}), chatWith(6002, map[string]any{"background_id": "collab"}))
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: webhookProvider(srv) + `
data "bitrix24_dialog" "x" { dialog_id = "chat6001" }
data "bitrix24_dialogs" "y" { dialog_ids = ["chat6002"] }`,
			ConfigStateChecks: append(expectAttrs("data.bitrix24_dialog.x", map[string]knownvalue.Check{"background_id": str("azure")}),
				expectDialogsAttr("data.bitrix24_dialogs.y", "chat6002", "background_id", str("collab"))),
		}},
	})
}

// Names and descriptions reach the state byte for byte: zero-width
// joiners, non-joiners, direction marks and no-break spaces stay (before,
// they were removed or turned into spaces); terminal escapes and control
// characters but line breaks and tabs go.
func TestDialogDataSource_valuesByteForByte(t *testing.T) {
	t.Parallel()
	portal, srv := startPortal(t)
	name := "Team\u200d👩\u200d💻 می\u200cخواهم \u200fשלום\u200e Ops\u00a0sync"
	portal.AddDialogs(chatWith(6003, map[string]any{
		"name": name, "description": "line 1\r\nline 2\tend \x1b[31mred\x1b[0m \x1b]0;title\x07bell\x00",
	}))
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: webhookProvider(srv) + `data "bitrix24_dialog" "x" { dialog_id = "chat6003" }`,
			ConfigStateChecks: expectAttrs("data.bitrix24_dialog.x", map[string]knownvalue.Check{
				"name": str(name), "title": str(name), "description": str("line 1\r\nline 2\tend red bell"),
			}),
		}},
	})
}

// expectDialogsAttr checks one attribute of one entry of bitrix24_dialogs.
func expectDialogsAttr(addr, key, attr string, want knownvalue.Check) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(addr, tfjsonpath.New("dialogs").AtMapKey(key).AtMapKey(attr), want)
}
