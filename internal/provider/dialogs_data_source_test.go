package provider

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/fakeportal"
)

func TestDialogsDataSource_readsInOneBatch(t *testing.T) {
	t.Parallel()
	portal, srv := startPortal(t)
	var checks []statecheck.StateCheck
	for name, want := range crmChatAttrs("chat1439") {
		checks = append(checks, statecheck.ExpectKnownValue("data.bitrix24_dialogs.all", tfjsonpath.New("dialogs").AtMapKey("chat1439").AtMapKey(name), want))
	}
	checks = append(checks,
		statecheck.ExpectKnownValue("data.bitrix24_dialogs.all", tfjsonpath.New("dialogs"), knownvalue.MapSizeExact(4)),
		statecheck.ExpectKnownValue("data.bitrix24_dialogs.all", tfjsonpath.New("dialogs").AtMapKey("chat42").AtMapKey("name"), knownvalue.StringExact("Platform on-call")),
		statecheck.ExpectKnownValue("data.bitrix24_dialogs.all", tfjsonpath.New("dialogs").AtMapKey("chat21191").AtMapKey("id"), knownvalue.Int64Exact(21191)),
		statecheck.ExpectKnownValue("data.bitrix24_dialogs.all", tfjsonpath.New("dialogs").AtMapKey("5").AtMapKey("type"), knownvalue.StringExact("private")),
		statecheck.ExpectKnownOutputValue("ids", knownvalue.MapExact(map[string]knownvalue.Check{
			"chat1439": knownvalue.Int64Exact(1439), "chat42": knownvalue.Int64Exact(42), "chat21191": knownvalue.Int64Exact(21191), "5": knownvalue.Int64Exact(77),
		})),
	)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: webhookProvider(srv) + `
data "bitrix24_dialogs" "all" {
  dialog_ids = ["chat1439", "chat42", "chat21191", "5"]
}
output "ids" {
  value = { for id, d in data.bitrix24_dialogs.all.dialogs : id => d.id }
}`,
			ConfigStateChecks: checks,
		}},
	})
	st := portal.Stats()
	if st.Requests["im.dialog.get"] != 0 || st.Commands["im.dialog.get"] == 0 || st.Requests["batch"] == 0 {
		t.Fatalf("the dialogs were not read through batch: %+v", st)
	}
	// Each Terraform command that refreshes reads once; every read is one
	// batch call of four commands.
	if st.Commands["im.dialog.get"] != 4*st.Requests["batch"] {
		t.Fatalf("want 4 commands per batch call, got %d commands in %d calls", st.Commands["im.dialog.get"], st.Requests["batch"])
	}
}

func TestDialogsDataSource_manyIDsTakeCeilNOver50Calls(t *testing.T) {
	t.Parallel()
	portal, srv := startPortal(t)
	portal.AddDialogs(fakeportal.GroupChats(120, 5000, 1)...)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: webhookProvider(srv) + `
data "bitrix24_dialogs" "many" {
  dialog_ids = [for i in range(5000, 5120) : "chat${i}"]
}`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.bitrix24_dialogs.many", tfjsonpath.New("dialogs"), knownvalue.MapSizeExact(120)),
				statecheck.ExpectKnownValue("data.bitrix24_dialogs.many", tfjsonpath.New("dialogs").AtMapKey("chat5119").AtMapKey("id"), knownvalue.Int64Exact(5119)),
			},
		}},
	})
	st := portal.Stats()
	reads := st.Commands["im.dialog.get"] / 120
	if reads == 0 || st.Requests["batch"] != 3*reads {
		t.Fatalf("want 3 batch calls (50+50+20) per read of 120 ids, got %d calls for %d commands", st.Requests["batch"], st.Commands["im.dialog.get"])
	}
}

func TestDialogsDataSource_oneDiagnosticPerFailingID(t *testing.T) {
	t.Parallel()
	_, srv := startPortal(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: webhookProvider(srv) + `
data "bitrix24_dialogs" "some" {
  dialog_ids = ["chat42", "chat99", "chat123456"]
}`,
			// The portal checks access first (im_rest.php dialogGet): a chat the
			// user may not read and one that does not exist fail alike.
			ExpectError: errorRe(
				"Cannot read 2 Bitrix24 dialogs", `"chat99", "chat123456"`, "ACCESS_ERROR", "You do not have access to the specified dialog", "must be a member",
			),
		}},
	})
}

// One failure that hits many ids is one diagnostic with the count and the
// first five ids, not one per id.
func TestDialogsDataSource_oneDiagnosticForAFailureOfManyIDs(t *testing.T) {
	t.Parallel()
	_, srv := startPortal(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: webhookProvider(srv) + `
locals {
  missing = [for i in range(900000, 900200) : "chat${i}"]
}
data "bitrix24_dialogs" "some" {
  dialog_ids = concat(["chat42"], local.missing)
}`,
			ExpectError: errorRe("Cannot read 200 Bitrix24 dialogs", `The same failure hit 200 of the 201 dialogs in dialog_ids: `+
				`"chat900000", "chat900001", "chat900002", "chat900003", "chat900004" and 195 more.`, "ACCESS_ERROR"),
		}},
	})
}

// The grouped diagnostic is the only one: checked on the raw output of a
// real plan, which ExpectError cannot count.
func TestDialogsDataSource_deadPortalGivesAHandfulOfDiagnostics(t *testing.T) {
	t.Parallel()
	config := providerRequirement + `
provider "bitrix24" {
  webhook_url     = "http://` + closedAddress() + `/rest/1/` + testWebhookCode + `/"
  max_retries     = 1
  request_timeout = "2s"
}
locals {
  ids = [for i in range(1, 1001) : "chat${i}"]
}
data "bitrix24_dialogs" "all" {
  dialog_ids = local.ids
}
`
	res := runPlan(t, config, nil)
	if res.err == nil {
		t.Fatalf("the plan succeeded against a closed port:\n%s", tail(res.output))
	}
	if n := strings.Count(res.output, "Error: "); n < 1 || n > 3 {
		t.Fatalf("want 1 to 3 diagnostics for 1000 ids on a dead portal, got %d:\n%s", n, tail(res.output))
	}
	// The grouped diagnostic counts the ids (Terraform echoes the
	// configuration, so "dialogs" alone would match it).
	if !regexp.MustCompile(`Cannot read [0-9]{3,4} Bitrix24 dialogs`).MatchString(res.output) ||
		!regexp.MustCompile(`The same failure hit [0-9]{3,4} of the 1000 dialogs in dialog_ids:\s+("chat[0-9]+",\s+){4}"chat[0-9]+"\s+and\s+[0-9]{3,4}\s+more`).MatchString(res.output) {
		t.Fatalf("the diagnostic should count the ids:\n%s", tail(res.output))
	}
	t.Logf("dead portal, 1000 ids: %d diagnostics, %d lines, %s", strings.Count(res.output, "Error: "), strings.Count(res.output, "\n"), res.took.Round(time.Millisecond))
}

func TestDialogsDataSource_duplicatesAreReadOnce(t *testing.T) {
	t.Parallel()
	portal, srv := startPortal(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: webhookProvider(srv) + `
data "bitrix24_dialogs" "x" {
  dialog_ids = ["chat42", "chat1439", "chat42"]
}`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.bitrix24_dialogs.x", tfjsonpath.New("dialogs"), knownvalue.MapSizeExact(2)),
				statecheck.ExpectKnownValue("data.bitrix24_dialogs.x", tfjsonpath.New("dialogs").AtMapKey("chat42").AtMapKey("id"), knownvalue.Int64Exact(42)),
				statecheck.ExpectKnownValue("data.bitrix24_dialogs.x", tfjsonpath.New("dialog_ids"), knownvalue.ListSizeExact(3)),
			},
		}},
	})
	// Each read of the data source is one batch of the two distinct ids.
	if st := portal.Stats(); st.Requests["batch"] == 0 || st.Commands["im.dialog.get"] != 2*st.Requests["batch"] {
		t.Fatalf("the duplicate id was read again: %+v", st)
	}
}

func TestDialogsDataSource_validation(t *testing.T) {
	t.Parallel()
	portal, srv := startPortal(t)
	for config, want := range map[string]string{
		`dialog_ids = ["chat42", "general"]`: "must be chatN",
		`dialog_ids = []`:                    "at least 1",
		`dialog_ids = ["chat42", null]`:      "null",
	} {
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testProviderFactories,
			Steps: []resource.TestStep{{
				Config:      webhookProvider(srv) + "data \"bitrix24_dialogs\" \"x\" {\n" + config + "\n}",
				ExpectError: errorRe("dialog_ids", want),
			}},
		})
	}
	if n := portal.TotalRequests(); n != 0 {
		t.Fatalf("invalid ids reached the portal: %d requests", n)
	}
}

func TestDialogDataSource_coalescingOnAndOffGiveTheSameState(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, window    string
		wantDialogGet   bool
		wantBatchedRead bool
	}{
		{"off", `batch_window = "0s"`, true, false},
		{"on", `batch_window = "200ms"`, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			portal, srv := startPortal(t)
			var checks []statecheck.StateCheck
			for name, want := range crmChatAttrs("chat1439") {
				checks = append(checks, statecheck.ExpectKnownOutputValueAtPath("d", tfjsonpath.New("crm").AtMapKey(name), want))
			}
			checks = append(checks,
				statecheck.ExpectKnownOutputValueAtPath("d", tfjsonpath.New("group").AtMapKey("id"), knownvalue.Int64Exact(42)),
				statecheck.ExpectKnownOutputValueAtPath("d", tfjsonpath.New("old").AtMapKey("title"), knownvalue.StringExact("Mint Chat #3")),
				statecheck.ExpectKnownOutputValueAtPath("d", tfjsonpath.New("dm").AtMapKey("id"), knownvalue.Int64Exact(77)),
			)
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testProviderFactories,
				Steps: []resource.TestStep{{
					Config: webhookProvider(srv, tc.window) + `
data "bitrix24_dialog" "d" {
  count     = length(local.ids)
  dialog_id = local.ids[count.index]
}
# terraform-plugin-testing's state shim rejects for_each addresses, so the
# test uses count and names the results in an output.
locals {
  ids = ["chat1439", "chat42", "chat21191", "5"]
}
output "d" {
  value = {
    crm   = data.bitrix24_dialog.d[0]
    group = data.bitrix24_dialog.d[1]
    old   = data.bitrix24_dialog.d[2]
    dm    = data.bitrix24_dialog.d[3]
  }
}`,
					ConfigStateChecks: checks,
				}},
			})
			st := portal.Stats()
			if got := st.Requests["im.dialog.get"] > 0; got != tc.wantDialogGet {
				t.Errorf("plain im.dialog.get calls: %d", st.Requests["im.dialog.get"])
			}
			if got := st.Requests["batch"] > 0; got != tc.wantBatchedRead {
				t.Errorf("batch calls: %d", st.Requests["batch"])
			}
			if tc.wantBatchedRead && st.Requests["batch"] >= st.Commands["im.dialog.get"] {
				t.Errorf("coalescing saved no requests: %d batch calls for %d reads", st.Requests["batch"], st.Commands["im.dialog.get"])
			}
		})
	}
}

// A failure of the batch call itself names the batch call, once for all
// its dialogs.
func TestDialogsDataSource_batchCallFailure(t *testing.T) {
	t.Parallel()
	_, srv := faultPortal(t, fakeportal.Faults{FailNext: 1000, FailStatus: 500})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: webhookProvider(srv, "max_retries = 0") + `
data "bitrix24_dialogs" "x" {
  dialog_ids = ["chat42", "chat1439"]
}`,
			ExpectError: errorRe("Cannot read 2 Bitrix24 dialogs", `"chat42", "chat1439"`,
				"The portal answered the batch call of im.dialog.get reads with HTTP 500, error INTERNAL_SERVER_ERROR"),
		}},
	})
}

// Ids that differ only in the prefix's case or in leading zeros are one
// dialog: read once, and found under each spelling (before, each spelling
// was a command of its own).
func TestDialogsDataSource_caseInsensitiveDuplicates(t *testing.T) {
	t.Parallel()
	portal, srv := startPortal(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: webhookProvider(srv) + `data "bitrix24_dialogs" "x" { dialog_ids = ["chat42", "CHAT42", "chat042", "sg103", "chat42"] }`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.bitrix24_dialogs.x", tfjsonpath.New("dialog_ids"),
					knownvalue.ListExact([]knownvalue.Check{str("chat42"), str("CHAT42"), str("chat042"), str("sg103"), str("chat42")})),
				statecheck.ExpectKnownValue("data.bitrix24_dialogs.x", tfjsonpath.New("dialogs"), knownvalue.MapSizeExact(4)),
				expectDialogsAttr("data.bitrix24_dialogs.x", "CHAT42", "id", num(42)),
				expectDialogsAttr("data.bitrix24_dialogs.x", "CHAT42", "dialog_id", str("CHAT42")),
				expectDialogsAttr("data.bitrix24_dialogs.x", "chat042", "name", str("Platform on-call")),
				expectDialogsAttr("data.bitrix24_dialogs.x", "sg103", "id", num(42)),
			},
		}},
	})
	// Each plan/refresh reads chat42 and sg103 once: two commands per read.
	st := portal.Stats()
	if reads := st.Requests["im.dialog.get"] + st.Commands["im.dialog.get"]; reads%2 != 0 || reads == 0 || st.Commands["im.dialog.get"] > 2*st.Requests["batch"] {
		t.Fatalf("want 2 dialog reads per batch: %s", st.Summary())
	}
}
