package provider

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/bitrix24"
	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/fakeportal"
	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/recorder"
)

// captureState keeps the JSON of the state's values.
type captureState struct{ out *[]byte }

func (c captureState) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	if req.State == nil || req.State.Values == nil {
		resp.Error = errNoState
		return
	}
	data, err := json.Marshal(req.State.Values)
	if err != nil {
		resp.Error = err
		return
	}
	*c.out = data
}

var errNoState = errors.New("the state has no values")

// recordDemo records ids and searches from the demo portal through the
// client, as bitrix24-fakeportal record does, and serves the recording.
func recordDemo(t *testing.T, opts recorder.Options) (*recorder.Recording, *httptest.Server) {
	t.Helper()
	_, srv := startPortal(t)
	c, err := bitrix24.New(bitrix24.Config{
		Auth:      bitrix24.Auth{Webhook: &bitrix24.Webhook{PortalURL: srv.URL, UserID: 1, Code: testWebhookCode}},
		RateLimit: bitrix24.DefaultRateLimit, RateLimitBurst: bitrix24.DefaultRateLimitBurst, MaxRetries: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := recorder.Record(context.Background(), c, 1, opts)
	if err != nil {
		t.Fatalf("recording: %v", err)
	}
	f, err := fakeportal.ParseFixtures(rec.JSON)
	if err != nil {
		t.Fatal(err)
	}
	p := fakeportal.New(f)
	served := p.Start()
	t.Cleanup(func() { p.Close(); served.Close() })
	return rec, served
}

// recordedConfig reads what the recording holds in every way the data
// sources can: by id and alias, the private dialog, by name, by entity, in
// one batch, by search, and users by email and id.
const recordedConfig = `
data "bitrix24_dialog" "deal" {
  dialog_id = "chat1439"
}
data "bitrix24_dialog" "alias" {
  dialog_id = "sg103"
}
data "bitrix24_dialog" "private" {
  dialog_id = "5"
}
data "bitrix24_dialog" "old" {
  dialog_id = "chat21191"
}
data "bitrix24_dialog" "by_name" {
  name = "Platform on-call"
}
data "bitrix24_dialog" "by_entity" {
  entity_type = "CRM"
  entity_id   = "DEAL|1663"
}
data "bitrix24_dialogs" "batch" {
  dialog_ids = ["chat42", "chat1439", "5", "chat21191"]
}
data "bitrix24_dialogs" "search" {
  search = "Release train"
}
data "bitrix24_user" "olga" {
  email = "olga@example.com"
}
data "bitrix24_user" "anna" {
  id = 503
}
`

// TestRecord_roundTrip records chats from the demo portal (ids, a private
// dialog, the chat42/sg103 aliases and searches), serves the recording
// with a second fake portal, and plans the same configuration against
// both: the states are identical, byte for byte.
func TestRecord_roundTrip(t *testing.T) {
	t.Parallel()
	_, orig := startPortal(t)
	rec, served := recordDemo(t, recorder.Options{
		IDs:      []string{"chat1439", "sg103", "chat42", "5", "chat21191"},
		Searches: []string{"Platform on-call", "Release train"},
	})
	plan := func(providerBlock string) []byte {
		var state []byte
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testProviderFactories,
			Steps: []resource.TestStep{{
				Config:            providerBlock + recordedConfig,
				ConfigStateChecks: []statecheck.StateCheck{captureState{&state}},
			}},
		})
		return state
	}
	want := plan(webhookProvider(orig))
	got := plan("provider \"bitrix24\" {\n  webhook_url = \"" + served.URL + rec.WebhookPath() + "\"\n}\n")
	if len(want) < 1000 {
		t.Fatalf("the state against the demo portal is too small to compare: %s", want)
	}
	if string(got) != string(want) {
		t.Errorf("the state against the recording differs from the state against the portal:\nrecording: %s\nportal:    %s", got, want)
	}
}

// TestRecord_anonymizedPlans plans against an anonymized recording: the
// people are placeholders, found by their placeholder email.
func TestRecord_anonymizedPlans(t *testing.T) {
	t.Parallel()
	rec, served := recordDemo(t, recorder.Options{IDs: []string{"chat1439", "5"}, Anonymize: true})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: "provider \"bitrix24\" {\n  webhook_url = \"" + served.URL + rec.WebhookPath() + "\"\n}\n" + `
data "bitrix24_dialog" "deal" {
  dialog_id = "chat1439"
}
data "bitrix24_user" "five" {
  email = "user5@example.invalid"
}
data "bitrix24_dialog" "private" {
  dialog_id = data.bitrix24_user.five.dialog_id
}`,
			ConfigStateChecks: append(append(expectAttrs("data.bitrix24_user.five", map[string]knownvalue.Check{
				"id": num(5), "name": str("User"), "last_name": str("5"),
			}), expectAttrs("data.bitrix24_dialog.private", map[string]knownvalue.Check{
				"id": num(77), "name": str("User 5"),
			})...), expectAttrs("data.bitrix24_dialog.deal", map[string]knownvalue.Check{
				"name": str("Deal chat: Acme renewal"), "owner": num(503),
			})...),
		}},
	})
}
