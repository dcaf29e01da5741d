package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/fakeportal"
	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/planharness"
)

// Actions and list resources need Terraform 1.14 (terraform-plugin-framework
// 1.16's "Actions are supported in Terraform version 1.14 and later");
// OpenTofu has neither. These tests skip on other CLIs and say why.

// requireActions skips the test unless TF_ACC_TERRAFORM_PATH is Terraform
// 1.14 or later.
func requireActions(t *testing.T) {
	t.Helper()
	cli := os.Getenv("TF_ACC_TERRAFORM_PATH")
	version := func(args ...string) *exec.Cmd {
		cmd := exec.Command(cli, args...)
		cmd.Env = append(os.Environ(), "CHECKPOINT_DISABLE=1") // No update check over the network.
		return cmd
	}
	out, err := version("version", "-json").Output()
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err != nil || json.Unmarshal(out, &v) != nil {
		t.Fatalf("cannot read the version of %s: %v", cli, err)
	}
	text, _ := version("version").Output()
	if strings.Contains(string(text), "OpenTofu") {
		t.Skipf("%s is OpenTofu %s, which runs no actions or list resources: they need Terraform 1.14 or later", cli, v.Version)
	}
	var major, minor int
	if _, err := fmt.Sscanf(v.Version, "%d.%d", &major, &minor); err != nil {
		t.Fatalf("version %q of %s: %v", v.Version, cli, err)
	}
	if major == 1 && minor < 14 {
		t.Skipf("%s is Terraform %s; actions and list resources need Terraform 1.14 or later "+
			"(set TF_ACC_TERRAFORM_PATH to one to run this test)", cli, v.Version)
	}
}

// cliRun runs the CLI in dir with the provider binary under dev_overrides.
type cliRun struct {
	t   *testing.T
	dir string
	env []string
}

func newCLIRun(t *testing.T, config string) *cliRun {
	t.Helper()
	dir, rc := cliWorkdir(t, config)
	return &cliRun{t: t, dir: dir, env: planharness.Env(rc, nil)}
}

// run runs one command and returns its output, its time and its error.
func (r *cliRun) run(args ...string) (string, time.Duration, error) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Getenv("TF_ACC_TERRAFORM_PATH"), append(args, "-no-color")...)
	cmd.Dir, cmd.Env = r.dir, r.env
	start := time.Now()
	out, err := cmd.CombinedOutput()
	took := time.Since(start)
	if strings.Contains(string(out), "DATA RACE") || strings.Contains(string(out), "plugin crashed") {
		r.t.Fatalf("the provider crashed or raced:\n%s", out)
	}
	return string(out), took, err
}

// mustRun runs a command that must succeed.
func (r *cliRun) mustRun(args ...string) string {
	r.t.Helper()
	out, _, err := r.run(args...)
	if err != nil {
		r.t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, tail(out))
	}
	return out
}

// messageActionConfig is the action block bitrix24_message.deploy, the
// action invoke runs.
func messageActionConfig(dialogID, message string, extra ...string) string {
	return fmt.Sprintf("action \"bitrix24_message\" \"deploy\" {\n  config {\n    dialog_id = %q\n    message   = %q\n    %s\n  }\n}\n",
		dialogID, message, strings.Join(extra, "\n    "))
}

func invoke(t *testing.T, srv *httptest.Server, action string, providerExtra ...string) (string, error) {
	t.Helper()
	r := newCLIRun(t, providerRequirement+webhookProvider(srv, providerExtra...)+action)
	out, _, err := r.run("apply", "-input=false", "-auto-approve", "-invoke=action.bitrix24_message.deploy")
	return out, err
}

// -invoke posts exactly once, reports its progress and changes no state.
func TestMessageActionInvoke(t *testing.T) {
	requireActions(t)
	p, srv := startPortal(t)
	out, err := invoke(t, srv, messageActionConfig("chat2001", "Release [B]1.4.0[/B] is out", "url_preview = false"))
	if err != nil {
		t.Fatalf("apply -invoke: %v\n%s", err, tail(out))
	}
	msgs := p.Messages()
	if len(msgs) != 1 || msgs[0].Text != "Release [B]1.4.0[/B] is out" || msgs[0].DialogID != "chat2001" || msgs[0].URLPreview || msgs[0].System {
		t.Fatalf("messages %+v", msgs)
	}
	if n := p.Requests("im.message.add"); n != 1 {
		t.Fatalf("im.message.add sent %d times", n)
	}
	if want := fmt.Sprintf("posted message %d to chat2001", msgs[0].ID); !strings.Contains(out, want) {
		t.Fatalf("the output lacks the progress %q:\n%s", want, out)
	}
	// A private message and a system message.
	p.ResetStats()
	out, err = invoke(t, srv, messageActionConfig("5", "hello Olga", "system = true"))
	if err != nil {
		t.Fatalf("apply -invoke: %v\n%s", err, tail(out))
	}
	if got := p.MessagesTo("5"); len(got) != 1 || !p.Messages()[1].System {
		t.Fatalf("private messages %v, all %+v", got, p.Messages())
	}
}

// action_trigger posts after a create and after an update of the resource
// that carries the release version, and not on a plan with no changes.
func TestMessageActionTrigger(t *testing.T) {
	p, srv := startPortal(t)
	config := func(version string) string {
		return webhookProvider(srv) + messageActionConfig("chat2001", "Deployed ${terraform_data.release.output}") + fmt.Sprintf(`
resource "terraform_data" "release" {
  input = %q
  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.bitrix24_message.deploy]
    }
  }
}
`, version)
	}
	posted := func(want ...string) func() {
		return func() {
			if got := p.MessagesTo("chat2001"); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("chat2001 got %q, want %q", got, want)
			}
		}
	}
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{Config: config("1.4.0"), PostApplyFunc: posted("Deployed 1.4.0")},
			{
				Config:             config("1.4.0"),
				ConfigPlanChecks:   resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				PostApplyFunc:      posted("Deployed 1.4.0"),
				ExpectNonEmptyPlan: false,
			},
			{Config: config("1.5.0"), PostApplyFunc: posted("Deployed 1.4.0", "Deployed 1.5.0")},
		},
	})
	if n := p.Requests("im.message.add"); n != 2 {
		t.Fatalf("im.message.add sent %d times, want 2", n)
	}
}

// A lost answer is sent again with the same TEMPLATE_ID: one message, and
// a warning that says so.
func TestMessageActionLostAnswer(t *testing.T) {
	requireActions(t)
	p, srv := startPortal(t)
	p.SetFaults(fakeportal.Faults{LoseMessageAddAnswer: 1, LoseMessageAddStatus: http.StatusGatewayTimeout})
	out, err := invoke(t, srv, messageActionConfig("chat2001", "once"))
	if err != nil {
		t.Fatalf("apply -invoke: %v\n%s", err, tail(out))
	}
	if n, msgs := p.Requests("im.message.add"), p.MessagesTo("chat2001"); n != 2 || len(msgs) != 1 {
		t.Fatalf("sent %d times, posted %v", n, msgs)
	}
	if re := errorRe("answer to im.message.add was lost", "same TEMPLATE_ID", "posted once"); !re.MatchString(out) {
		t.Fatalf("no warning %s:\n%s", re, out)
	}
}

// A system message whose answer is lost is not sent again, and the error
// says it may have been posted.
func TestMessageActionLostSystemMessage(t *testing.T) {
	requireActions(t)
	p, srv := startPortal(t)
	p.SetFaults(fakeportal.Faults{LoseMessageAddAnswer: 1})
	out, err := invoke(t, srv, messageActionConfig("chat2001", "system", "system = true"))
	if err == nil {
		t.Fatalf("apply -invoke succeeded:\n%s", out)
	}
	if re := errorRe("may have been posted", "system message", "did not send it again", "Look at chat2001"); !re.MatchString(out) {
		t.Fatalf("want %s:\n%s", re, out)
	}
	if n, msgs := p.Requests("im.message.add"), p.MessagesTo("chat2001"); n != 1 || len(msgs) != 1 {
		t.Fatalf("sent %d times, posted %v", n, msgs)
	}
}

// Every answer lost: sent max_retries+1 times with one TEMPLATE_ID, posted
// once, and the error says it may have been posted.
func TestMessageActionAllAnswersLost(t *testing.T) {
	requireActions(t)
	p, srv := startPortal(t)
	p.SetFaults(fakeportal.Faults{LoseMessageAddAnswer: 100})
	out, err := invoke(t, srv, messageActionConfig("chat2001", "lost"), "max_retries = 2")
	if err == nil {
		t.Fatalf("apply -invoke succeeded:\n%s", out)
	}
	if re := errorRe("may have been posted", "same TEMPLATE_ID", "3 request(s) in all", "Look at chat2001"); !re.MatchString(out) {
		t.Fatalf("want %s:\n%s", re, out)
	}
	if n, msgs := p.Requests("im.message.add"), p.MessagesTo("chat2001"); n != 3 || len(msgs) != 1 {
		t.Fatalf("sent %d times, posted %v", n, msgs)
	}
}

// Each bad input gets a diagnostic that names the attribute, the portal's
// code and what to do; none posts anything.
func TestMessageActionErrors(t *testing.T) {
	requireActions(t)
	p, srv := startPortal(t)
	p.AddDialogs(fakeportal.Dialog{IDs: []string{"chat1"}, Members: []int64{1, 3}, Result: []byte(
		`{"id":1,"name":"General","type":"general","entity_type":"GENERAL","message_type":"O","restrictions":{"send":false}}`)})
	for _, tc := range []struct {
		name, dialog, message string
		want                  []string
	}{
		{"blank message", "chat2001", "  \n ", []string{`message`, "must not be empty or only white space", "MESSAGE_EMPTY"}},
		{"too long", "chat2001", strings.Repeat("x", 20001), []string{"message", "20000"}},
		{"bad dialog id", "chat", "x", []string{"Invalid dialog id", "dialog_id must be", `got "chat"`}},
		{"no such user", "999", "x", []string{"Cannot post the Bitrix24 message", "dialog_id", "USER_NOT_FOUND", "no user 999", "chatN"}},
		{"user 0", "0", "x", []string{"Invalid dialog id", "positive whole number", `got "0"`}},
		{"crm id", "crm5", "x", []string{"Invalid dialog id", "never resolves crmN", "entity_type"}},
		{"workgroup without a chat", "sg999", "x", []string{"dialog_id", "CHAT_ID_EMPTY", "no chat for sg999", "entity_type"}},
		{"not a member", "chat99", "x", []string{"dialog_id", "PARAMS_ERROR", "not a member", "Add the webhook's user"}},
		{"general chat", "chat1", "x", []string{"dialog_id", "HTTP 403, error ACCESS_ERROR: Action unavailable", "may not post in chat1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := invoke(t, srv, messageActionConfig(tc.dialog, tc.message))
			if err == nil {
				t.Fatalf("apply -invoke succeeded:\n%s", out)
			}
			if re := errorRe(tc.want...); !re.MatchString(out) {
				t.Fatalf("want %s:\n%s", re, tail(out))
			}
		})
	}
	if msgs := p.Messages(); len(msgs) != 0 {
		t.Fatalf("posted %+v", msgs)
	}
	// MESSAGE_EMPTY from the portal itself (text the validator lets through
	// but a portal refuses), through a canned answer.
	canned := cannedPortal(t, http.StatusBadRequest, "application/json", `{"error":"MESSAGE_EMPTY","error_description":"Message can't be empty"}`)
	out, err := invoke(t, canned, messageActionConfig("chat2001", "x"))
	if err == nil || !errorRe("message", "HTTP 400, error MESSAGE_EMPTY: Message can't be empty", "not only white space").MatchString(out) {
		t.Fatalf("want MESSAGE_EMPTY named, got %v:\n%s", err, tail(out))
	}
}

// 50 messages in one apply against a standard portal's bucket (2/s,
// burst 50): every one is posted once, and no refusal reaches the user.
func TestMessageActionFifty(t *testing.T) {
	requireActions(t)
	p, srv := startPortal(t)
	p.SetFaults(fakeportal.Faults{RateLimit: 2, RateBurst: 50})
	config := providerRequirement + webhookProvider(srv) + `
locals {
  n = toset([for i in range(50) : tostring(i)])
}
action "bitrix24_message" "each" {
  for_each = local.n
  config {
    dialog_id = "chat2001"
    message   = "message ${each.key}"
  }
}
resource "terraform_data" "each" {
  for_each = local.n
  input    = each.key
  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.bitrix24_message.each[each.key]]
    }
  }
}
`
	r := newCLIRun(t, config)
	out, took, err := r.run("apply", "-input=false", "-auto-approve")
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, tail(out))
	}
	got := p.MessagesTo("chat2001")
	seen := map[string]bool{}
	for _, m := range got {
		seen[m] = true
	}
	if len(got) != 50 || len(seen) != 50 {
		t.Fatalf("posted %d messages, %d different", len(got), len(seen))
	}
	if regexp.MustCompile(`QUERY_LIMIT_EXCEEDED|Error`).MatchString(out) {
		t.Fatalf("a refusal reached the user:\n%s", tail(out))
	}
	t.Logf("50 messages in %s: %s", took.Round(time.Millisecond), p.Stats().Summary())
	// A second apply of 50 more right after, while the bucket is still
	// full: the client paces itself, and still no refusal reaches the user.
	r2 := newCLIRun(t, config)
	p.ResetStats()
	out, took, err = r2.run("apply", "-input=false", "-auto-approve")
	if err != nil {
		t.Fatalf("second apply: %v\n%s", err, tail(out))
	}
	if n := len(p.MessagesTo("chat2001")); n != 100 {
		t.Fatalf("posted %d messages in all, want 100", n)
	}
	t.Logf("50 more on a full bucket in %s: %s", took.Round(time.Millisecond), p.Stats().Summary())
}
