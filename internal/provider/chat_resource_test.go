package provider

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/fakeportal"
)

const chatAddr = "bitrix24_chat.alerts"

func chatResourceConfig(url, body string) string {
	return fmt.Sprintf("provider \"bitrix24\" {\n  webhook_url = %q\n}\nresource \"bitrix24_chat\" \"alerts\" {\n%s\n}\n", url+"/rest/1/"+testWebhookCode+"/", body)
}

func members(ids ...int64) knownvalue.Check {
	checks := make([]knownvalue.Check, len(ids))
	for i, id := range ids {
		checks[i] = knownvalue.Int64Exact(id)
	}
	return knownvalue.SetExact(checks)
}

// statsLog logs the portal's counters since the last one (reset before a
// step, it counts the apply; otherwise also the refreshes and plans
// around it), as a state check at the end of a step, and starts them
// again. Every Terraform command that configures the provider adds one
// scope request, the credential check: two in an apply step (its plan and
// apply walks).
type statsLog struct {
	t     *testing.T
	p     *fakeportal.Portal
	label string
}

func (s statsLog) CheckState(_ context.Context, _ statecheck.CheckStateRequest, _ *statecheck.CheckStateResponse) {
	s.t.Logf("requests for %s: %d in all; %s", s.label, s.p.TotalRequests(), s.p.Stats().Summary())
	s.p.ResetStats()
}

func chatID(t *testing.T, p *fakeportal.Portal, title string) int64 {
	t.Helper()
	ids := p.ChatsTitled(title)
	if len(ids) != 1 {
		t.Fatalf("want one chat titled %q, got %v", title, ids)
	}
	return ids[0]
}

// TestChatResource_lifecycle creates a chat, checks that the next plan is
// empty, then changes the title, the colour, the members and the owner one
// at a time, each in place, and logs what every step cost.
func TestChatResource_lifecycle(t *testing.T) {
	p, srv := startPortal(t)
	cfg := func(title, color, members, owner string) string {
		body := fmt.Sprintf("  title = %q\n  description = \"Where alerts land\"\n  color = %q\n  members = %s\n", title, color, members)
		if owner != "" {
			body += "  owner_id = " + owner + "\n"
		}
		return chatResourceConfig(srv.URL, body)
	}
	update := []plancheck.PlanCheck{plancheck.ExpectResourceAction(chatAddr, plancheck.ResourceActionUpdate)}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig: p.ResetStats,
				Config:    cfg("Release alerts", "MINT", "[3, 12]", ""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(chatAddr, tfjsonpath.New("dialog_id"), knownvalue.StringRegexp(regexp.MustCompile(`^chat\d+$`))),
					statecheck.ExpectKnownValue(chatAddr, tfjsonpath.New("title"), str("Release alerts")),
					statecheck.ExpectKnownValue(chatAddr, tfjsonpath.New("description"), str("Where alerts land")),
					statecheck.ExpectKnownValue(chatAddr, tfjsonpath.New("color"), str("MINT")),
					statecheck.ExpectKnownValue(chatAddr, tfjsonpath.New("type"), str("CHAT")),
					statecheck.ExpectKnownValue(chatAddr, tfjsonpath.New("members"), members(3, 12)),
					statecheck.ExpectKnownValue(chatAddr, tfjsonpath.New("owner_id"), num(1)),
					statecheck.ExpectKnownValue(chatAddr, tfjsonpath.New("entity_type"), knownvalue.Null()),
					statecheck.ExpectKnownValue(chatAddr, tfjsonpath.New("on_destroy"), str("abandon")),
					statsLog{t, p, "create (apply only)"},
				},
			},
			{
				Config:            cfg("Release alerts (prod)", "MINT", "[3, 12]", ""),
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: update},
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(chatAddr, tfjsonpath.New("title"), str("Release alerts (prod)")), statsLog{t, p, "title update"}},
			},
			{
				Config:            cfg("Release alerts (prod)", "AZURE", "[3, 12]", ""),
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: update},
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(chatAddr, tfjsonpath.New("color"), str("AZURE")), statsLog{t, p, "colour update"}},
			},
			{
				Config:            cfg("Release alerts (prod)", "AZURE", "[12, 503, 7]", ""),
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: update},
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(chatAddr, tfjsonpath.New("members"), members(7, 12, 503)), statsLog{t, p, "members update (+503 +7, -3)"}},
			},
			{
				Config:           cfg("Release alerts (prod)", "AZURE", "[12, 503, 7]", "503"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: update},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(chatAddr, tfjsonpath.New("owner_id"), num(503)),
					statecheck.ExpectKnownValue(chatAddr, tfjsonpath.New("members"), members(7, 12, 503)),
					statsLog{t, p, "owner update"},
				},
			},
		},
	})
	id := chatID(t, p, "Release alerts (prod)")
	if got := p.ChatMembers(id); !slices.Equal(got, []int64{1, 7, 12, 503}) {
		t.Errorf("the portal's members are %v", got)
	}
	if n := p.Requests("im.chat.add"); n != 0 {
		t.Errorf("im.chat.add was sent again after the first step: %d", n)
	}
}

// TestChatResource_drift: a rename and an added member in the portal show
// as an in-place update, which puts the chat back.
func TestChatResource_drift(t *testing.T) {
	p, srv := startPortal(t)
	config := chatResourceConfig(srv.URL, "  title = \"Drift chat\"\n  members = [3]\n")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{Config: config},
			{
				PreConfig: func() {
					id := chatID(t, p, "Drift chat")
					p.EditChat(id, map[string]any{"name": "Renamed in the portal"}, []int64{1, 3, 99})
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(chatAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(chatAddr, tfjsonpath.New("title"), str("Drift chat")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(chatAddr, tfjsonpath.New("title"), str("Drift chat")),
					statecheck.ExpectKnownValue(chatAddr, tfjsonpath.New("members"), members(3)),
				},
			},
		},
	})
	if got := p.ChatMembers(chatID(t, p, "Drift chat")); !slices.Equal(got, []int64{1, 3}) {
		t.Errorf("user 99 was not removed: %v", got)
	}
}

// TestChatResource_unmanaged: optional attributes left unset are shown but
// not managed; changes in the portal do not make a plan.
func TestChatResource_unmanaged(t *testing.T) {
	p, srv := startPortal(t)
	config := chatResourceConfig(srv.URL, "  title = \"Unmanaged chat\"\n")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{Config: config, ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(chatAddr, tfjsonpath.New("members"), members()),
				statecheck.ExpectKnownValue(chatAddr, tfjsonpath.New("color"), knownvalue.NotNull()),
			}},
			{
				PreConfig: func() {
					p.EditChat(chatID(t, p, "Unmanaged chat"), map[string]any{"color": "#556574"}, []int64{1, 44})
				},
				Config:   config,
				PlanOnly: true,
			},
		},
	})
}

// TestChatResource_import imports a chat made by Terraform with the CLI (by
// chatN and by number) and with an import block, and a chat made in the
// portal; the next plan shows no changes.
func TestChatResource_import(t *testing.T) {
	_, srv := startPortal(t)
	config := chatResourceConfig(srv.URL, "  title = \"Imported chat\"\n  color = \"LIME\"\n  members = [3, 12]\n  owner_id = 1\n")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{Config: config},
			{ResourceName: chatAddr, ImportState: true, ImportStateVerify: true, ImportStateIdFunc: dialogIDOf},
			{ResourceName: chatAddr, ImportState: true, ImportStateVerify: true, ImportStateIdFunc: func(s *terraform.State) (string, error) {
				id, err := dialogIDOf(s)
				return strings.TrimPrefix(id, "chat"), err
			}},
			{ResourceName: chatAddr, ImportState: true, ImportStateKind: resource.ImportBlockWithID, ImportStateIdFunc: dialogIDOf},
		},
	})
}

func dialogIDOf(s *terraform.State) (string, error) {
	rs, ok := s.RootModule().Resources[chatAddr]
	if !ok {
		return "", fmt.Errorf("%s is not in the state", chatAddr)
	}
	return rs.Primary.Attributes["dialog_id"], nil
}

// TestChatResource_importExisting imports the portal's chat21191, made
// outside Terraform, keeping its colour, owner and members.
func TestChatResource_importExisting(t *testing.T) {
	_, srv := startPortal(t)
	config := chatResourceConfig(srv.URL, "  title = \"Mint Chat #3\"\n")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config, ResourceName: chatAddr, ImportState: true, ImportStateId: "chat21191", ImportStatePersist: true,
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					a := states[0].Attributes
					if a["color"] != "MINT" || a["owner_id"] != "2" || a["members.#"] != "1" || a["members.0"] != "2" {
						return fmt.Errorf("imported %v", a)
					}
					return nil
				},
			},
			{Config: config, PlanOnly: true},
			{Config: config, ResourceName: chatAddr, ImportState: true, ImportStateKind: resource.ImportBlockWithID, ImportStateId: "21191"},
		},
	})
}

// TestChatResource_identity imports by resource identity (Terraform 1.12+).
func TestChatResource_identity(t *testing.T) {
	_, srv := startPortal(t)
	config := chatResourceConfig(srv.URL, "  title = \"Identity chat\"\n")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{skipBelowCLI("resource identity")},
		Steps: []resource.TestStep{
			{Config: config},
			{ResourceName: chatAddr, ImportState: true, ImportStateKind: resource.ImportBlockWithResourceIdentity},
		},
	})
}

// TestChatResource_lostAnswer: im.chat.add creates the chat and its answer
// is lost (the connection dropped, or a 504); the provider finds the chat
// by its marker or entity, and exactly one chat exists.
func TestChatResource_lostAnswer(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		extra  string
	}{
		{"connection dropped", 0, ""},
		{"504", http.StatusGatewayTimeout, ""},
		{"bound to an entity", 0, "  entity_type = \"CRM\"\n  entity_id = \"DEAL|4242\"\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, srv := startPortal(t)
			p.SetFaults(fakeportal.Faults{LoseChatAddAnswer: 1, LoseChatAddStatus: tc.status})
			title := "Lost answer " + tc.name
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testProviderFactories,
				Steps: []resource.TestStep{{
					Config: chatResourceConfig(srv.URL, fmt.Sprintf("  title = %q\n  members = [3]\n%s", title, tc.extra)),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(chatAddr, tfjsonpath.New("members"), members(3)),
					},
				}},
			})
			if n := p.Requests("im.chat.add"); n != 1 {
				t.Errorf("im.chat.add was sent %d times", n)
			}
			chatID(t, p, title)
		})
	}
}

// TestChatResource_destroyModes: abandon leaves the chat as it is; leave
// makes the webhook's user leave it.
func TestChatResource_destroyModes(t *testing.T) {
	for _, mode := range []string{"abandon", "leave"} {
		t.Run(mode, func(t *testing.T) {
			p, srv := startPortal(t)
			title := "Destroy " + mode
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testProviderFactories,
				Steps:                    []resource.TestStep{{Config: chatResourceConfig(srv.URL, fmt.Sprintf("  title = %q\n  members = [3]\n  on_destroy = %q\n", title, mode))}},
				CheckDestroy: func(*terraform.State) error {
					got := p.ChatMembers(chatID(t, p, title))
					want := []int64{1, 3}
					if mode == "leave" {
						want = []int64{3}
					}
					if !slices.Equal(got, want) {
						return fmt.Errorf("after destroy the members are %v, want %v", got, want)
					}
					return nil
				},
			})
		})
	}
}

// TestChatResource_badInput: each bad input fails the plan with a
// diagnostic that names the attribute and what to do.
func TestChatResource_badInput(t *testing.T) {
	_, srv := startPortal(t)
	for _, tc := range []struct {
		name, body string
		want       []string
	}{
		{"unknown colour", "title = \"x\"\ncolor = \"ORANGE\"", []string{"color", "value must be one of", "MINT"}},
		{"lower-case colour", "title = \"x\"\ncolor = \"mint\"", []string{"color", "value must be one of"}},
		{"empty title", "title = \"  \"", []string{"title", "must not be empty or only white space"}},
		{"entity_type without entity_id", "title = \"x\"\nentity_type = \"CRM\"", []string{"entity_id", "must be specified when", "entity_type"}},
		{"owner not a member", "title = \"x\"\nmembers = [3]\nowner_id = 7", []string{"The new owner is not a member", "owner_id = 7", "add 7 to members"}},
		{"own user in members", "title = \"x\"\nmembers = [1, 3]", []string{"own user is listed", "members = [1, 3]", "remove 1 from members"}},
		{"unknown type", "title = \"x\"\ntype = \"PRIVATE\"", []string{"type", "value must be one of", "OPEN"}},
		{"unknown on_destroy", "title = \"x\"\non_destroy = \"delete\"", []string{"on_destroy", "value must be one of", "leave"}},
		// The portal trims, cuts to 255 characters and drops "0" (im/lib/V2/Chat.php setTitle, setDescription,
		// setEntityId): the state would differ from the configuration and the new chat be left tainted.
		{"title with surrounding space", "title = \" Ops board \"", []string{"title", "white space at its start or end", "trimspace"}},
		{"title over 255 characters", "title = \"" + strings.Repeat("é", 256) + "\"", []string{"title", "256 characters long", "only the first 255"}},
		{"title 0", "title = \"0\"", []string{"title", "takes for no value"}},
		{"description with a trailing newline", "title = \"x\"\ndescription = \"Alerts\\n\"", []string{"description", "white space at its start or end"}},
		// The provider strips control characters from what the portal sends (CleanValue).
		{"title with a bell", "title = \"Ops\\u0007 board\"", []string{"title", "control characters", "Remove them"}},
		{"description with a lone CR", "title = \"x\"\ndescription = \"a\\rb\"", []string{"description", "control characters"}},
		{"entity_id with surrounding space", "title = \"x\"\nentity_type = \"CRM\"\nentity_id = \" DEAL|5\"", []string{"entity_id", "white space at its start or end"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expectPlanError(t, chatResourceConfig(srv.URL, tc.body), tc.want...)
		})
	}
}

// TestChatResource_applyErrors: errors the portal gives at apply.
func TestChatResource_applyErrors(t *testing.T) {
	t.Run("entity already has a chat", func(t *testing.T) {
		p, srv := startPortal(t)
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: testProviderFactories,
			Steps: []resource.TestStep{{
				Config:      chatResourceConfig(srv.URL, "  title = \"Deal\"\n  entity_type = \"CRM\"\n  entity_id = \"DEAL|1663\"\n"),
				ExpectError: errorRe("already bound to this entity", "Chat 1439 (chat1439)", "terraform import", "chat1439"),
			}},
		})
		if n := p.Requests("im.chat.add"); n != 0 {
			t.Errorf("im.chat.add was sent %d times", n)
		}
	})
	t.Run("rename refused", func(t *testing.T) {
		_, srv := startPortal(t)
		body := "  title = %q\n  entity_type = \"CRM\"\n  entity_id = \"DEAL|5\"\n"
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: testProviderFactories,
			Steps: []resource.TestStep{
				{Config: chatResourceConfig(srv.URL, fmt.Sprintf(body, "Deal 5"))},
				{
					Config:      chatResourceConfig(srv.URL, fmt.Sprintf(body, "Deal five")),
					ExpectError: errorRe("Cannot rename", "ACCESS_ERROR", "cannot be renamed", "Set title back"),
				},
				{Config: chatResourceConfig(srv.URL, fmt.Sprintf(body, "Deal 5")), PlanOnly: true},
			},
		})
	})
	t.Run("lost and not found", func(t *testing.T) {
		p, _ := startPortal(t)
		// The connection of the first im.chat.add is reset before the
		// chat is made (the credential checks come first).
		var once sync.Once
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(strings.ToLower(r.URL.Path), "/im.chat.add") {
				once.Do(func() { p.SetFaults(fakeportal.Faults{ResetNext: 1}) })
			}
			p.ServeHTTP(w, r)
		}))
		t.Cleanup(srv.Close)
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: testProviderFactories,
			Steps: []resource.TestStep{{
				Config:      chatResourceConfig(srv.URL, "  title = \"Never made\"\n"),
				ExpectError: errorRe("Cannot create the Bitrix24 chat", "answer was lost", "does not send it again", "found none", "terraform import"),
			}},
		})
		if n := p.Requests("im.chat.add"); n != 1 {
			t.Errorf("im.chat.add was sent %d times", n)
		}
	})
	t.Run("the webhook user left", func(t *testing.T) {
		p, srv := startPortal(t)
		config := chatResourceConfig(srv.URL, "  title = \"Left chat\"\n  members = [3]\n")
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: testProviderFactories,
			Steps: []resource.TestStep{
				{Config: config},
				{
					PreConfig:   func() { p.EditChat(chatID(t, p, "Left chat"), nil, []int64{3}) },
					Config:      config,
					ExpectError: errorRe("ACCESS_ERROR", "no longer a member", "terraform state rm"),
				},
				{
					PreConfig: func() { p.EditChat(chatID(t, p, "Left chat"), nil, []int64{1, 3}) },
					Config:    config,
				},
			},
		})
	})
}

// TestChatResource_twentyChats creates 20 chats in one apply against a
// standard portal's leaky bucket (burst 50, 2 a second): no refusal reaches
// the user, and the request count is logged.
func TestChatResource_twentyChats(t *testing.T) {
	p, srv := startPortal(t)
	p.SetFaults(fakeportal.Faults{RateLimit: 2, RateBurst: 50})
	config := fmt.Sprintf("provider \"bitrix24\" {\n  webhook_url = %q\n}\n", srv.URL+"/rest/1/"+testWebhookCode+"/") + `
resource "bitrix24_chat" "many" {
  count   = 20
  title   = "Service ${count.index} alerts"
  members = [3, 12]
}
`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			PreConfig: p.ResetStats,
			Config:    config,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("bitrix24_chat.many[19]", tfjsonpath.New("members"), members(3, 12)),
				statsLog{t, p, "20 chats (apply only)"},
			},
		}},
	})
	t.Logf("after the apply (refresh, plan, destroy): %s", p.Stats().Summary())
	if n := len(p.ChatsTitled("Service 7 alerts")); n != 1 {
		t.Errorf("%d chats titled Service 7 alerts", n)
	}
}
