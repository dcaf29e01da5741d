package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/fakeportal"
)

func TestDialogDataSource_byName(t *testing.T) {
	t.Parallel()
	portal, srv := startPortal(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: webhookProvider(srv) + `
data "bitrix24_dialog" "x" {
  name = "  Release train "
}`,
			ConfigStateChecks: expectAttrs("data.bitrix24_dialog.x", map[string]knownvalue.Check{
				"dialog_id": str("chat2001"), "id": num(2001), "name": str("  Release train "), "owner": num(1),
			}),
		}},
	})
	// Each read: one search (under 50 results) and one im.dialog.get.
	st := portal.Stats()
	if st.Requests["im.search.chat.list"] == 0 || st.Requests["im.search.chat.list"] != st.Requests["im.dialog.get"] {
		t.Fatalf("want one search per read: %s", st.Summary())
	}
}

func TestDialogDataSource_byEntity(t *testing.T) {
	t.Parallel()
	_, srv := startPortal(t)
	for entity, want := range map[[2]string]int64{
		{"CRM", "DEAL|1663"}: 1439, {"SONET_GROUP", "103"}: 42, {"TASKS_TASK", "77"}: 2005,
	} {
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testProviderFactories,
			Steps: []resource.TestStep{{
				Config: webhookProvider(srv) + `
data "bitrix24_dialog" "x" {
  entity_type = "` + entity[0] + `"
  entity_id   = "` + entity[1] + `"
}`,
				ConfigStateChecks: expectAttrs("data.bitrix24_dialog.x", map[string]knownvalue.Check{
					"id": num(want), "entity_type": str(entity[0]), "entity_id": str(entity[1]),
				}),
			}},
		})
	}
}

func TestDialogDataSource_lookupErrors(t *testing.T) {
	t.Parallel()
	portal, srv := startPortal(t)
	for config, want := range map[string][]string{
		`name = "Release Train"`:                        {"Bitrix24 chat not found", `named exactly "Release Train" (case-sensitive)`, `"Release train retro", "Release train"`},
		`name = "Ops sync"`:                             {"Several Bitrix24 chats have this name", `2 chats are named "Ops sync": chat2004, chat2003`, "dialog_id"},
		`name = "Secret plans"`:                         {"Bitrix24 chat not found", "member of the chat"},
		"entity_type = \"CRM\"\nentity_id = \"DEAL|9\"": {"Bitrix24 chat not found", `entity_type "CRM", entity_id "DEAL|9"`},
	} {
		expectPlanError(t, webhookProvider(srv)+"data \"bitrix24_dialog\" \"x\" {\n"+config+"\n}", want...)
	}
	if n := portal.Requests("im.dialog.get"); n != 0 {
		t.Fatalf("a failed lookup read a dialog: %d", n)
	}
}

// None, several, or half a lookup is a plan-time error.
func TestDialogDataSource_lookupValidation(t *testing.T) {
	t.Parallel()
	portal, srv := startPortal(t)
	for config, want := range map[string][]string{
		``: {"Missing Attribute Configuration", "Exactly one of these attributes must be configured", "dialog_id,name,entity_type"},
		"dialog_id = \"chat42\"\nname = \"Ops sync\"": {"Invalid Attribute Combination", "dialog_id", "name"},
		`entity_type = "CRM"`:                         {"entity_id", "must be specified"},
		`entity_id = "DEAL|1"`:                        {"entity_type", "must be specified"},
		`name = " x "`:                                {"name", "holds no word of 3 or more letters or digits", "dialog_id"},
		`entity_type = ""` + "\nentity_id = \"1\"":    {"entity_type", "at least 1"},
	} {
		expectPlanError(t, webhookProvider(srv)+"data \"bitrix24_dialog\" \"x\" {\n"+config+"\n}", want...)
	}
	if n := portal.TotalRequests(); n != 0 {
		t.Fatalf("invalid lookups reached the portal: %s", portal.Stats().Summary())
	}
}

func TestUserDataSource(t *testing.T) {
	t.Parallel()
	_, srv := startPortal(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: webhookProvider(srv) + `
data "bitrix24_user" "olga" {
  email = "olga@example.com"
}
data "bitrix24_user" "pavel" {
  id = 3
}
# The private dialog with a user found by email.
data "bitrix24_dialog" "with_olga" {
  dialog_id = data.bitrix24_user.olga.dialog_id
}`,
			ConfigStateChecks: append(append(expectAttrs("data.bitrix24_user.olga", map[string]knownvalue.Check{
				"id": num(5), "email": str("olga@example.com"), "active": flag(true), "name": str("Olga"),
				"last_name": str("Smirnova"), "work_position": str("Team lead"), "dialog_id": str("5"),
			}), expectAttrs("data.bitrix24_user.pavel", map[string]knownvalue.Check{
				"id": num(3), "email": str("pavel@example.com"), "work_position": str("SRE"),
			})...), expectAttrs("data.bitrix24_dialog.with_olga", map[string]knownvalue.Check{"id": num(77), "type": str("private")})...),
		}},
	})
}

func TestUserDataSource_errors(t *testing.T) {
	t.Parallel()
	_, srv := startPortal(t)
	for config, want := range map[string][]string{
		webhookProvider(srv) + `data "bitrix24_user" "x" { email = "nobody@example.com" }`: {"Bitrix24 user not found", `email "nobody@example.com"`},
		webhookProvider(srv) + `data "bitrix24_user" "x" { email = "shared@example.com" }`: {"Several Bitrix24 users match", "2 users", "ids 12, 13"},
		webhookProvider(srv) + `data "bitrix24_user" "x" { id = 404 }`:                     {"Bitrix24 user not found", "id 404"},
		webhookProvider(srv) + `data "bitrix24_user" "x" { email = "not-an-email" }`:       {"email", "must be an email address"},
		webhookProvider(srv) + `data "bitrix24_user" "x" {}`:                               {"Missing Attribute Configuration", "[email,id]"},
		// A token with im (the provider checks it) but no user scope.
		`provider "bitrix24" {
  portal_url   = "` + srv.URL + `"
  access_token = "` + testAccessToken + `"
}
data "bitrix24_user" "x" { id = 5 }`: {"HTTP 401", "insufficient_scope", "user_basic scope"},
	} {
		expectPlanError(t, config, want...)
	}
}

func TestDialogsDataSource_search(t *testing.T) {
	t.Parallel()
	_, srv := startPortal(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: webhookProvider(srv) + `
data "bitrix24_dialogs" "release" {
  search = "RELEASE"
}
# The portal's search matches Anna's chats by their member; no title holds her name.
data "bitrix24_dialogs" "anna" {
  search = "anna"
}`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.bitrix24_dialogs.release", tfjsonpath.New("dialog_ids"),
					knownvalue.ListExact([]knownvalue.Check{str("chat2002"), str("chat2001")})),
				statecheck.ExpectKnownValue("data.bitrix24_dialogs.release", tfjsonpath.New("dialogs").AtMapKey("chat2002").AtMapKey("name"),
					str("Release train retro")),
				statecheck.ExpectKnownValue("data.bitrix24_dialogs.anna", tfjsonpath.New("dialogs"), knownvalue.MapSizeExact(0)),
			},
		}},
	})
	for config, want := range map[string][]string{
		`search = "x"`: {"search", "holds no word of 3 or more letters or digits"},
		"search = \"ops\"\ndialog_ids = [\"chat42\"]": {"Invalid Attribute Combination", "dialog_ids", "search"},
		``: {"Missing Attribute Configuration", "[dialog_ids,search]"},
	} {
		expectPlanError(t, webhookProvider(srv)+"data \"bitrix24_dialogs\" \"x\" {\n"+config+"\n}", want...)
	}
}

func TestFunctions(t *testing.T) {
	t.Parallel()
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{skipBelowCLI("provider-defined functions")},
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: `
output "dialog_id" {
  value = provider::bitrix24::dialog_id(1439)
}
output "sg" {
  value = provider::bitrix24::parse_dialog_id("SG103")
}
output "user" {
  value = provider::bitrix24::parse_dialog_id("5")
}`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownOutputValue("dialog_id", str("chat1439")),
				statecheck.ExpectKnownOutputValue("sg", knownvalue.ObjectExact(map[string]knownvalue.Check{"kind": str("sg"), "id": num(103)})),
				statecheck.ExpectKnownOutputValue("user", knownvalue.ObjectExact(map[string]knownvalue.Check{"kind": str("user"), "id": num(5)})),
			},
		}},
	})
	for config, want := range map[string][]string{
		`output "x" { value = provider::bitrix24::parse_dialog_id("general") }`: {"must be chatN", "sgN", "positive whole number", `got "general"`},
		`output "x" { value = provider::bitrix24::parse_dialog_id("chat0") }`:   {"must be chatN", `got "chat0"`},
		`output "x" { value = provider::bitrix24::parse_dialog_id("crm5") }`:    {"never resolves crmN", "entity_type"},
		`output "x" { value = provider::bitrix24::dialog_id(0) }`:               {"chat_id must be a positive whole number, got 0"},
	} {
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   []tfversion.TerraformVersionCheck{skipBelowCLI("provider-defined functions")},
			ProtoV6ProviderFactories: testProviderFactories,
			Steps:                    []resource.TestStep{{Config: config, ExpectError: errorRe(want...)}},
		})
	}
}

// A portal that fails every request: each lookup's own diagnostic.
func TestLookups_portalFailures(t *testing.T) {
	t.Parallel()
	_, srv := faultPortal(t, fakeportal.Faults{FailNext: 1000, FailStatus: 500})
	provider := webhookProvider(srv, "max_retries = 0")
	for config, want := range map[string][]string{
		`data "bitrix24_dialog" "x" { name = "Ops sync" }`: {`Cannot search Bitrix24 chats named "Ops sync"`, "im.search.chat.list with HTTP 500", "INTERNAL_SERVER_ERROR"},
		`data "bitrix24_dialog" "x" {
  entity_type = "CRM"
  entity_id   = "DEAL|1663"
}`: {`Cannot find the Bitrix24 chat of CRM "DEAL|1663"`, "im.chat.get with HTTP 500"},
		`data "bitrix24_dialogs" "x" { search = "release" }`:      {`Cannot search Bitrix24 chats for "release"`, "im.search.chat.list with HTTP 500"},
		`data "bitrix24_user" "x" { email = "olga@example.com" }`: {`Cannot find the Bitrix24 user with email "olga@example.com"`, "user.get with HTTP 500"},
	} {
		expectPlanError(t, provider+config, want...)
	}
}
