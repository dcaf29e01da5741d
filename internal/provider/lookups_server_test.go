package provider

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/bitrix24"
	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/fakeportal"
)

// The lookups against a fake portal that follows the server source
// (reference §9). Each test failed before the lookups were fixed.

// user.get filters without an operator are SQL LIKE, where _ matches any
// character: john_doe@ also matched john.doe@, and the lookup failed with
// "Several Bitrix24 users match".
func TestUserDataSource_emailIsExact(t *testing.T) {
	t.Parallel()
	_, srv := startPortal(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: webhookProvider(srv) + `
data "bitrix24_user" "underscore" { email = "john_doe@example.com" }
data "bitrix24_user" "dot" { email = "JOHN.DOE@example.com" }`,
			ConfigStateChecks: append(expectAttrs("data.bitrix24_user.underscore", map[string]knownvalue.Check{"id": num(21), "name": str("Johnny")}),
				expectAttrs("data.bitrix24_user.dot", map[string]knownvalue.Check{"id": num(20), "email": str("JOHN.DOE@example.com")})...),
		}},
	})
}

// With only the user_brief scope the portal drops a filter on EMAIL and
// answers every user, without EMAIL: before, that was "Several Bitrix24
// users match" with every id of the portal.
func TestUserDataSource_userBriefScope(t *testing.T) {
	t.Parallel()
	portal, srv := startPortal(t)
	portal.AddToken(fakeportal.Token{AccessToken: "brief-token-1", UserID: 1, Scopes: []string{"im", "user_brief"}})
	expectPlanError(t, fmt.Sprintf("provider \"bitrix24\" {\n portal_url = %q\n access_token = \"brief-token-1\"\n}\n", srv.URL)+
		`data "bitrix24_user" "x" { email = "olga@example.com" }`,
		`Cannot find the Bitrix24 user with email "olga@example.com"`, "without EMAIL", "user_brief", "Add the user_basic scope")
}

// An answer about another user than the one asked for is an error; before,
// user 7's name was stored under id 5.
func TestUserDataSource_answerAboutAnotherUser(t *testing.T) {
	t.Parallel()
	srv := cannedPortal(t, http.StatusOK, "application/json", `{"result":[{"ID":"7","NAME":"Ivan","EMAIL":"ivan@example.com"}],"total":1}`)
	expectPlanError(t, webhookProvider(srv, "max_retries = 0")+`data "bitrix24_user" "x" { id = 5 }`,
		"Cannot find the Bitrix24 user with id 5", "asked for user 5, the portal answered user 7")
}

// A title without a word of 3 characters cannot be searched for (the
// portal answers FIND_SHORT): a plan-time error that says what to do,
// before any request. Before, "QA" passed validation and failed at the
// portal.
func TestDialogDataSource_unsearchableName(t *testing.T) {
	t.Parallel()
	portal, srv := startPortal(t)
	for _, name := range []string{"QA", "a b", "R&D"} {
		expectPlanError(t, webhookProvider(srv)+fmt.Sprintf(`data "bitrix24_dialog" "x" { name = %q }`, name),
			"Text the portal cannot search for", "holds no word of 3 or more letters or digits", "FIND_SHORT", "dialog_id", "entity_type")
	}
	expectPlanError(t, webhookProvider(srv)+`data "bitrix24_dialogs" "x" { search = "QA" }`,
		"Text the portal cannot search for", "dialog_ids")
	if n := portal.TotalRequests(); n != 0 {
		t.Fatalf("unsearchable texts reached the portal: %s", portal.Stats().Summary())
	}
}

// A title that differs only in white space or invisible characters is
// shown with the difference visible; before, Clean folded the spaces and
// removed the marks, and the listed title looked exactly like the one
// asked for.
func TestDialogDataSource_nearMissName(t *testing.T) {
	t.Parallel()
	portal, srv := startPortal(t)
	portal.AddDialogs(chatWith(6101, map[string]any{"name": "Weekly  sync"}), chatWith(6102, map[string]any{"name": "Weekly\u00a0sync"}),
		chatWith(6103, map[string]any{"name": "Weekly\u200d sync"}))
	expectPlanError(t, webhookProvider(srv)+`data "bitrix24_dialog" "x" { name = "Weekly sync" }`,
		"Bitrix24 chat not found", `named exactly "Weekly sync"`,
		`"Weekly\u200d sync" (differs only in invisible characters)`, `"Weekly\u00a0sync" (differs only in white space)`,
		"(differs only in white space)")
}

// The portal's search is a word-prefix match, words in any order: before,
// the provider kept only titles holding the text as a substring, so
// "train release" found nothing.
func TestDialogsDataSource_searchWordsInAnyOrder(t *testing.T) {
	t.Parallel()
	_, srv := startPortal(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: webhookProvider(srv) + `data "bitrix24_dialogs" "x" { search = "train release" }`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.bitrix24_dialogs.x", tfjsonpath.New("dialog_ids"),
					knownvalue.ListExact([]knownvalue.Check{str("chat2002"), str("chat2001")})),
			},
		}},
	})
}

// A chat created between two search pages shifts the newest-first list by
// one: the boundary chat came twice, which made the state's map fail (or
// a chat was missed). Now the changed total makes the provider page again,
// and every chat is there once.
func TestDialogsDataSource_chatCreatedBetweenPages(t *testing.T) {
	t.Parallel()
	portal, srv := faultPortal(t, fakeportal.Faults{CreateChatBetweenPages: 1})
	portal.AddDialogs(fakeportal.GroupChats(60, 7000, 1)...)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: webhookProvider(srv) + `data "bitrix24_dialogs" "x" { search = "Load chat" }`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.bitrix24_dialogs.x", tfjsonpath.New("dialog_ids"), knownvalue.ListSizeExact(61)),
				statecheck.ExpectKnownValue("data.bitrix24_dialogs.x", tfjsonpath.New("dialogs"), knownvalue.MapSizeExact(61)),
			},
		}},
	})
}

// A list answer whose next does not move forward is an error, not a quiet
// partial result.
func TestDialogsDataSource_searchNextBackwards(t *testing.T) {
	t.Parallel()
	srv := cannedPortal(t, http.StatusOK, "application/json", `{"result":[{"id":5,"name":"Loop chat"}],"total":9,"next":0}`)
	expectPlanError(t, webhookProvider(srv, "max_retries = 0")+`data "bitrix24_dialogs" "x" { search = "loop" }`,
		`Cannot search Bitrix24 chats for "loop"`, "im.search.chat.list", "names the next page at 0, which does not move forward")
}

// The dialog read must be the one asked for: chatN answers chat N, and a
// chat found by entity is bound to it.
func TestResolvedMismatch(t *testing.T) {
	r := bitrix24.NewRedactor()
	dialog := func(id int64, entityType, entityID string) *bitrix24.Dialog {
		d, _ := bitrix24.DecodeDialog([]byte(fmt.Sprintf(`{"id":%d,"entity_type":%q,"entity_id":%q}`, id, entityType, entityID)))
		return d
	}
	for _, tc := range []struct {
		r    resolved
		d    *bitrix24.Dialog
		want string
	}{
		{resolved{dialogID: "chat5"}, dialog(5, "", ""), ""},
		{resolved{dialogID: "CHAT5"}, dialog(7, "", ""), "chat 7"},
		{resolved{dialogID: "sg5"}, dialog(7, "", ""), ""},
		{resolved{dialogID: "chat5", entityType: "CRM", entityID: "DEAL|1"}, dialog(5, "crm", "DEAL|1"), ""},
		{resolved{dialogID: "chat5", entityType: "CRM", entityID: "DEAL|1"}, dialog(5, "CRM", "DEAL|2"),
			`a chat bound to entity_type "CRM", entity_id "DEAL|2", not to "CRM", "DEAL|1"`},
	} {
		if got := tc.r.mismatch(tc.d, r); got != tc.want && (tc.want == "" || !strings.Contains(got, tc.want)) {
			t.Errorf("%+v: got %q, want %q", tc.r, got, tc.want)
		}
	}
}
