package provider

import (
	"os"
	"testing"

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
