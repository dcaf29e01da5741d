package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

// The chats webhook user 1 belongs to in the demo portal: group and open chats,
// whatever they are bound to.
// The collab chat3002, the channel chat3003 and the copilot chat3009 are
// not group chats; user 1 is no member of chat99, chat2006, chat3006 and
// chat3010. chat21191 is an old portal's chat (its title under "title").
var userOneChats = []int64{1439, 42, 21191, 2001, 2002, 2003, 2004, 2005, 3001, 3004, 3005, 3007, 3008}

func TestChatListQuery(t *testing.T) {
	p, srv := startPortal(t)
	byID := func(id int64) queryfilter.QueryFilter {
		return queryfilter.ByResourceIdentity(map[string]knownvalue.Check{"id": knownvalue.Int64Exact(id)})
	}
	var checks []querycheck.QueryResultCheck
	checks = append(checks, querycheck.ExpectLength("bitrix24_chat.all", len(userOneChats)))
	for _, id := range userOneChats {
		checks = append(checks, querycheck.ExpectIdentity("bitrix24_chat.all", map[string]knownvalue.Check{"id": knownvalue.Int64Exact(id)}))
	}
	checks = append(checks,
		querycheck.ExpectResourceDisplayName("bitrix24_chat.all", byID(2003), knownvalue.StringExact("Ops sync (chat2003)")),
		querycheck.ExpectLength("bitrix24_chat.release", 2),
		querycheck.ExpectIdentity("bitrix24_chat.release", map[string]knownvalue.Check{"id": knownvalue.Int64Exact(2002)}),
		querycheck.ExpectResourceKnownValues("bitrix24_chat.release", byID(2001), []querycheck.KnownValueCheck{
			{Path: tfjsonpath.New("title"), KnownValue: knownvalue.StringExact("Release train")},
			{Path: tfjsonpath.New("dialog_id"), KnownValue: knownvalue.StringExact("chat2001")},
			{Path: tfjsonpath.New("members"), KnownValue: knownvalue.SetExact([]knownvalue.Check{knownvalue.Int64Exact(3)})},
			{Path: tfjsonpath.New("type"), KnownValue: knownvalue.StringExact("CHAT")},
			{Path: tfjsonpath.New("on_destroy"), KnownValue: knownvalue.StringExact("abandon")},
		}),
		querycheck.ExpectLength("bitrix24_chat.limited", 3),
	)
	start := time.Now()
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Query: true,
			Config: webhookProvider(srv) + `
list "bitrix24_chat" "all" {
  provider = bitrix24
}
list "bitrix24_chat" "release" {
  provider         = bitrix24
  include_resource = true
  config {
    search = "Release"
  }
}
list "bitrix24_chat" "limited" {
  provider = bitrix24
  limit    = 3
}
`,
			QueryResultChecks: checks,
		}},
	})
	t.Logf("query in %s: %s", time.Since(start).Round(time.Millisecond), p.Stats().Summary())
}

// Bad input and portal failures are diagnostics of the query.
func TestChatListErrors(t *testing.T) {
	_, srv := startPortal(t)
	canned := cannedReads(t, 401, "application/json", `{"error":"NO_AUTH_FOUND","error_description":"Wrong authorization data"}`)
	for _, tc := range []struct {
		name, config string
		want         []string
	}{
		{"short search", webhookProvider(srv) + "list \"bitrix24_chat\" \"x\" {\n  provider = bitrix24\n  config {\n    search = \" a \"\n  }\n}\n",
			[]string{"Text the portal cannot search for", "no word of 3 or more", "FIND_SHORT"}},
		{"credentials refused", webhookProvider(canned) + "list \"bitrix24_chat\" \"x\" {\n  provider = bitrix24\n}\n",
			[]string{"Cannot list the Bitrix24 chats", "im.recent.list", "NO_AUTH_FOUND", "webhook_url"}},
		{"search refused", webhookProvider(canned) + "list \"bitrix24_chat\" \"x\" {\n  provider = bitrix24\n  config {\n    search = \"Release\"\n  }\n}\n",
			[]string{"Cannot search Bitrix24 chats", "NO_AUTH_FOUND"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
				ProtoV6ProviderFactories: testProviderFactories,
				Steps:                    []resource.TestStep{{Query: true, Config: tc.config, ExpectError: errorRe(tc.want...)}},
			})
		})
	}
}

// terraform query -generate-config-out writes import and resource blocks
// that import the chats and then plan with no changes.
func TestChatListGenerateConfig(t *testing.T) {
	requireActions(t)
	p, srv := startPortal(t)
	r := newCLIRun(t, providerRequirement+webhookProvider(srv))
	query := "list \"bitrix24_chat\" \"all\" {\n  provider         = bitrix24\n  include_resource = true\n}\n"
	if err := os.WriteFile(filepath.Join(r.dir, "chats.tfquery.hcl"), []byte(query), 0o600); err != nil {
		t.Fatal(err)
	}
	out, took, err := r.run("query", "-generate-config-out=chats.tf")
	if err != nil {
		t.Fatalf("query: %v\n%s", err, tail(out))
	}
	t.Logf("terraform query of %d chats with include_resource in %s: %s", len(userOneChats), took.Round(time.Millisecond), p.Stats().Summary())
	generated, err := os.ReadFile(filepath.Join(r.dir, "chats.tf"))
	if err != nil {
		t.Fatalf("no chats.tf: %v\n%s", err, tail(out))
	}
	if n := strings.Count(string(generated), "import {"); n != len(userOneChats) {
		t.Fatalf("%d import blocks, want %d:\n%s", n, len(userOneChats), generated)
	}
	if n := strings.Count(string(generated), `resource "bitrix24_chat"`); n != len(userOneChats) {
		t.Fatalf("%d resource blocks, want %d:\n%s", n, len(userOneChats), generated)
	}
	// The query file stays for later queries; plan and apply ignore it.
	out = r.mustRun("plan", "-input=false")
	if want := regexp.MustCompile(fmt.Sprintf(`Plan: %d to import, 0 to add, 0 to change, 0 to destroy`, len(userOneChats))); !want.MatchString(out) {
		t.Fatalf("plan of the generated configuration: want %s:\n%s\n\nchats.tf:\n%s", want, tail(out), generated)
	}
	r.mustRun("apply", "-input=false", "-auto-approve")
	out, _, err = r.run("plan", "-input=false", "-detailed-exitcode")
	if err != nil {
		t.Fatalf("plan after the import is not empty: %v\n%s\n\nchats.tf:\n%s", err, tail(out), generated)
	}
	if got := len(p.Messages()); got != 0 {
		t.Fatalf("importing posted %d messages", got)
	}
}
