package provider

import (
	"os"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// TestLive_dialog reads a real dialog from a real portal. It runs only when
// BITRIX24_WEBHOOK_URL and BITRIX24_TEST_DIALOG_ID are set.
func TestLive_dialog(t *testing.T) {
	dialogID := os.Getenv("BITRIX24_TEST_DIALOG_ID")
	if os.Getenv("BITRIX24_WEBHOOK_URL") == "" || dialogID == "" {
		t.Skip("live portal test: set BITRIX24_WEBHOOK_URL and BITRIX24_TEST_DIALOG_ID to run it")
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: `
provider "bitrix24" {}
data "bitrix24_dialog" "live" {
  dialog_id = "` + dialogID + `"
}
data "bitrix24_dialogs" "live" {
  dialog_ids = ["` + dialogID + `"]
}`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.bitrix24_dialog.live", tfjsonpath.New("id"), knownvalue.NotNull()),
				statecheck.ExpectKnownValue("data.bitrix24_dialog.live", tfjsonpath.New("name"), knownvalue.NotNull()),
				statecheck.ExpectKnownValue("data.bitrix24_dialog.live", tfjsonpath.New("type"), knownvalue.NotNull()),
				statecheck.ExpectKnownValue("data.bitrix24_dialogs.live", tfjsonpath.New("dialogs"), knownvalue.MapSizeExact(1)),
			},
		}},
	})
}

// TestLive_chat creates a chat with a random title on a real portal, and
// leaves it when the test destroys it (the chat stays on the portal with
// no members but those the portal keeps). It runs only when
// BITRIX24_WEBHOOK_URL and BITRIX24_TEST_CREATE_CHAT=1 are set.
func TestLive_chat(t *testing.T) {
	if os.Getenv("BITRIX24_WEBHOOK_URL") == "" || os.Getenv("BITRIX24_TEST_CREATE_CHAT") != "1" {
		t.Skip("live portal test: set BITRIX24_WEBHOOK_URL and BITRIX24_TEST_CREATE_CHAT=1 to create (and leave) a chat")
	}
	title := "terraform-provider-bitrix24 test " + acctest.RandString(8)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: `
provider "bitrix24" {}
resource "bitrix24_chat" "live" {
  title      = "` + title + `"
  color      = "MINT"
  on_destroy = "leave"
}`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("bitrix24_chat.live", tfjsonpath.New("title"), knownvalue.StringExact(title)),
				statecheck.ExpectKnownValue("bitrix24_chat.live", tfjsonpath.New("color"), knownvalue.StringExact("MINT")),
				statecheck.ExpectKnownValue("bitrix24_chat.live", tfjsonpath.New("dialog_id"), knownvalue.NotNull()),
			},
		}},
	})
}
