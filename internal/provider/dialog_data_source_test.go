package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
)

// crmChatAttrs is every attribute of chat1439 in the demo portal, the
// current doc's full key set.
func crmChatAttrs(dialogID string) map[string]knownvalue.Check {
	return map[string]knownvalue.Check{
		"dialog_id":         str(dialogID),
		"id":                num(1439),
		"parent_chat_id":    num(0),
		"parent_message_id": num(0),
		"name":              str("Deal chat: Acme renewal"),
		"title":             str("Deal chat: Acme renewal"),
		"description":       str("Where we discuss the deal"),
		"owner":             num(503),
		"extranet":          flag(false),
		"avatar":            str(""),
		"color":             str("#f76187"),
		"type":              str("crm"),
		"counter":           num(0),
		"user_counter":      num(3),
		"message_count":     num(3),
		"unread_id":         num(0),
		"restrictions": knownvalue.ObjectExact(map[string]knownvalue.Check{
			"avatar": flag(true), "rename": flag(true), "extend": flag(true), "call": flag(true), "mute": flag(true),
			"leave": flag(true), "leave_owner": flag(true), "send": flag(true), "user_list": flag(true),
			"path": str("/crm/deal/details/1663/"), "path_title": str("Deal"),
		}),
		"last_message_id": num(84477),
		"last_id":         num(84477),
		"marked_id":       num(0),
		"disk_folder_id":  num(0),
		"entity_type":     str("CRM"),
		"entity_id":       str("DEAL|1663"),
		"entity_data_1":   str(""),
		"entity_data_2":   str(""),
		"entity_data_3":   str(""),
		"mute_list":       knownvalue.ListExact([]knownvalue.Check{}),
		"date_create":     str("2026-02-25T16:50:58+03:00"),
		"message_type":    str("C"),
		"public":          knownvalue.Null(),
		"role":            str("member"),
		"entity_link": knownvalue.ObjectExact(map[string]knownvalue.Check{
			"type": str("DEAL"), "url": str("/crm/deal/details/1663/"), "id": str("DEAL|1663"),
		}),
		"text_field_enabled": flag(true),
		"background_id":      knownvalue.Null(),
		"permissions": knownvalue.ObjectExact(map[string]knownvalue.Check{
			"manage_users_add": str("member"), "manage_users_delete": str("manager"), "manage_ui": str("member"),
			"manage_settings": str("owner"), "manage_messages": str("member"), "can_post": str("member"),
		}),
		"is_new": flag(false),
		"readed_list": knownvalue.ListExact([]knownvalue.Check{
			knownvalue.ObjectExact(map[string]knownvalue.Check{
				"user_id": num(503), "user_name": str("Anna Petrova"), "message_id": num(84477), "date": str("2026-02-25T17:02:11+03:00"),
			}),
			knownvalue.ObjectExact(map[string]knownvalue.Check{
				"user_id": num(7), "user_name": str("Ivan Sidorov"), "message_id": num(84470), "date": knownvalue.Null(),
			}),
		}),
		"manager_list": knownvalue.ListExact([]knownvalue.Check{num(503)}),
		"last_message_views": knownvalue.ObjectExact(map[string]knownvalue.Check{
			"message_id": num(84477),
			"first_viewers": knownvalue.ListExact([]knownvalue.Check{knownvalue.ObjectExact(map[string]knownvalue.Check{
				"user_id": num(503), "user_name": str("Anna Petrova"), "date": str("2026-02-25T17:02:11+03:00"),
			})}),
			"count_of_viewers": num(1),
		}),
	}
}

func TestDialogDataSource_crmChatEveryAttribute(t *testing.T) {
	t.Parallel()
	portal, srv := startPortal(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config:            webhookProvider(srv) + `data "bitrix24_dialog" "crm" { dialog_id = "chat1439" }`,
			ConfigStateChecks: expectAttrs("data.bitrix24_dialog.crm", crmChatAttrs("chat1439")),
		}},
	})
	if n := portal.Requests("im.dialog.get") + portal.Stats().Commands["im.dialog.get"]; n == 0 {
		t.Fatalf("the portal received no im.dialog.get call")
	}
}

func TestDialogDataSource_groupChatByWorkgroupID(t *testing.T) {
	t.Parallel()
	_, srv := startPortal(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			// sgN reaches the workgroup's chat, case-insensitively.
			Config: webhookProvider(srv) + `data "bitrix24_dialog" "group" { dialog_id = "SG103" }`,
			ConfigStateChecks: expectAttrs("data.bitrix24_dialog.group", map[string]knownvalue.Check{
				"dialog_id":      str("SG103"),
				"id":             num(42),
				"name":           str("Platform on-call"),
				"extranet":       flag(true),
				"avatar":         str("https://example.bitrix24.com/upload/avatar42.png"),
				"type":           str("sonetGroup"),
				"message_type":   str("O"),
				"entity_type":    str("SONET_GROUP"),
				"entity_id":      str("103"),
				"counter":        num(2),
				"unread_id":      num(9001),
				"disk_folder_id": num(311),
				// The portal sends [] for an empty map.
				"restrictions": knownvalue.Null(),
				"public": knownvalue.ObjectExact(map[string]knownvalue.Check{
					"code": str("oncall42"), "link": str("https://example.bitrix24.com/online/oncall42"),
				}),
				"role":          str("manager"),
				"background_id": str("slate"),
				"mute_list":     knownvalue.ListExact([]knownvalue.Check{num(12)}),
				"manager_list":  knownvalue.ListExact([]knownvalue.Check{num(3), num(1)}),
				"readed_list":   knownvalue.ListExact([]knownvalue.Check{}),
				"entity_link":   knownvalue.Null(),
				"permissions":   knownvalue.Null(),
				"last_message_views": knownvalue.ObjectExact(map[string]knownvalue.Check{
					"message_id": num(9002), "first_viewers": knownvalue.ListExact([]knownvalue.Check{}), "count_of_viewers": num(0),
				}),
			}),
		}},
	})
}

func TestDialogDataSource_oldPortalShortKeySetWithStringIDs(t *testing.T) {
	t.Parallel()
	_, srv := startPortal(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: webhookProvider(srv) + `data "bitrix24_dialog" "old" { dialog_id = "chat21191" }`,
			ConfigStateChecks: expectAttrs("data.bitrix24_dialog.old", map[string]knownvalue.Check{
				// "21191" and "2" arrive as strings.
				"id":    num(21191),
				"owner": num(2),
				// The old portal sends "title"; both attributes get it.
				"title":        str("Mint Chat #3"),
				"name":         str("Mint Chat #3"),
				"date_create":  str("2017-10-14T12:15:32+02:00"),
				"message_type": str("C"),
				// Keys this portal version does not send are null.
				"description":        knownvalue.Null(),
				"entity_id":          knownvalue.Null(),
				"restrictions":       knownvalue.Null(),
				"mute_list":          knownvalue.Null(),
				"readed_list":        knownvalue.Null(),
				"manager_list":       knownvalue.Null(),
				"last_message_views": knownvalue.Null(),
				"is_new":             knownvalue.Null(),
				"counter":            knownvalue.Null(),
			}),
		}},
	})
}

func TestDialogDataSource_privateDialogByUserID(t *testing.T) {
	t.Parallel()
	_, srv := startPortal(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: webhookProvider(srv) + `data "bitrix24_dialog" "dm" { dialog_id = "5" }`,
			ConfigStateChecks: expectAttrs("data.bitrix24_dialog.dm", map[string]knownvalue.Check{
				"dialog_id":    str("5"),
				"id":           num(77),
				"type":         str("private"),
				"message_type": str("P"),
				"name":         str("Olga Smirnova"),
				"owner":        num(0),
			}),
		}},
	})
}

func TestDialogDataSource_invalidDialogID(t *testing.T) {
	t.Parallel()
	portal, srv := startPortal(t)
	// 0, chat0 and sg0 never resolve (im/lib/dialog.php getChatId), nor
	// does crmN; crm|TYPE|ID fails the portal's format check.
	for _, id := range []string{"", "chat", "chat-1", "12a", "group5", " chat1", "0", "chat0", "SG00", "chat99999999999999999999"} {
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testProviderFactories,
			Steps: []resource.TestStep{{
				Config:      webhookProvider(srv) + fmt.Sprintf(`data "bitrix24_dialog" "bad" { dialog_id = %q }`, id),
				ExpectError: errorRe("dialog_id", "must be chatN", "sgN", "user id", "positive whole number", fmt.Sprintf("got %q", id)),
			}},
		})
	}
	for _, id := range []string{"crm42", "CRM7", "crm|DEAL|1"} {
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testProviderFactories,
			Steps: []resource.TestStep{{
				Config:      webhookProvider(srv) + fmt.Sprintf(`data "bitrix24_dialogs" "bad" { dialog_ids = ["chat42", %q] }`, id),
				ExpectError: errorRe("dialog_ids[1]", fmt.Sprintf("got %q", id), "never resolves crmN", `entity_type = "CRM"`, `entity_id = "DEAL|1663"`),
			}},
		})
	}
	// Validation happens before any request.
	if n := portal.TotalRequests(); n != 0 {
		t.Fatalf("invalid ids reached the portal: %d requests", n)
	}
}

func TestDialogDataSource_portalErrors(t *testing.T) {
	t.Parallel()
	_, srv := startPortal(t)
	cases := map[string]struct {
		config string
		want   *regexp.Regexp
	}{
		"not a member": {
			webhookProvider(srv) + `data "bitrix24_dialog" "x" { dialog_id = "chat99" }`,
			errorRe(`Cannot read Bitrix24 dialog "chat99"`, "HTTP 403", "ACCESS_ERROR", "You do not have access to the specified dialog", "must be a member of the chat"),
		},
		"no such chat": {
			webhookProvider(srv) + `data "bitrix24_dialog" "x" { dialog_id = "chat123456" }`,
			errorRe(`dialog "chat123456"`, "HTTP 403", "ACCESS_ERROR", "You do not have access to the specified dialog", "must be a member"),
		},
		"wrong webhook code": {
			fmt.Sprintf("provider \"bitrix24\" {\n webhook_url = %q\n}\n", srv.URL+"/rest/1/wrongcode/") + `data "bitrix24_dialog" "x" { dialog_id = "chat42" }`,
			errorRe("Bitrix24 portal refused the credentials", `"webhook_url" in the provider configuration`, "HTTP 401", "INVALID_CREDENTIALS", "Copy the webhook URL again"),
		},
		"webhook without im scope": {
			fmt.Sprintf("provider \"bitrix24\" {\n webhook_url = %q\n}\n", srv.URL+"/rest/9/crmonlywebhook9/") + `data "bitrix24_dialog" "x" { dialog_id = "chat42" }`,
			errorRe("Bitrix24 credentials lack the im scope", `the scopes "crm", but not im`),
		},
		"unknown oauth token": {
			fmt.Sprintf("provider \"bitrix24\" {\n portal_url = %q\n access_token = \"nosuchtoken\"\n}\n", srv.URL) + `data "bitrix24_dialog" "x" { dialog_id = "chat42" }`,
			errorRe("Bitrix24 portal refused the credentials", `"access_token" in the provider configuration`, "HTTP 401", "invalid_token", "does not know the access token"),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testProviderFactories,
				Steps:                    []resource.TestStep{{Config: tc.config, ExpectError: tc.want}},
			})
		})
	}
}

func TestDialogDataSource_cannedErrors(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		status      int
		contentType string
		body        string
		want        *regexp.Regexp
	}{
		"DIALOG_ID_EMPTY": {400, "application/json", `{"error":"DIALOG_ID_EMPTY","error_description":"Dialog ID can't be empty"}`,
			errorRe(`dialog "chat1"`, "HTTP 400", "DIALOG_ID_EMPTY", "Dialog ID can't be empty", "chatN")},
		"INVALID_CREDENTIALS": {401, "application/json", `{"error":"INVALID_CREDENTIALS","error_description":"Invalid request credentials"}`,
			errorRe(`dialog "chat1"`, "HTTP 401", "INVALID_CREDENTIALS", "Invalid request credentials", "webhook_url", "im scope")},
		"expired_token": {401, "application/json", `{"error":"expired_token","error_description":"The access token provided has expired."}`,
			errorRe(`dialog "chat1"`, "HTTP 401", "expired_token", "has expired", "refresh_token", "im scope")},
		"ERROR_METHOD_NOT_FOUND": {404, "application/json", `{"error":"ERROR_METHOD_NOT_FOUND","error_description":"Method not found!"}`,
			errorRe(`dialog "chat1"`, "HTTP 404", "ERROR_METHOD_NOT_FOUND", "Method not found", "portal_url")},
		"owner out of range": {200, "application/json", `{"result":{"id":1,"owner":99999999999999999999}}`,
			errorRe(`dialog "chat1"`, `key "owner" holds "99999999999999999999"`, "not a whole number", "does not store")},
		"id not a number": {200, "application/json", `{"result":{"id":"abc"}}`,
			errorRe(`dialog "chat1"`, `key "id" holds "\"abc\""`, "not a whole number")},
		"id with a fraction": {200, "application/json", `{"result":{"id":1.5}}`,
			errorRe(`dialog "chat1"`, `key "id" holds "1.5"`)},
		"id a flag": {200, "application/json", `{"result":{"id":true}}`,
			errorRe(`dialog "chat1"`, `key "id" holds "true"`)},
		"id too large a float": {200, "application/json", `{"result":{"id":1e400}}`,
			errorRe(`dialog "chat1"`, `key "id" holds "1e400"`)},
		"OVERLOAD_LIMIT": {503, "application/json", `{"error":"OVERLOAD_LIMIT","error_description":"REST API is blocked due to overload"}`,
			errorRe(`dialog "chat1"`, "HTTP 503", "OVERLOAD_LIMIT", "Retrying does not help")},
		"another code": {500, "application/json", `{"error":"PORTAL_DELETED","error_description":"Portal was deleted"}`,
			errorRe(`dialog "chat1"`, "HTTP 500", "PORTAL_DELETED", "Portal was deleted", "documentation")},
		"empty code": {400, "application/json", `{"error":"","error_description":"Not found"}`,
			errorRe(`dialog "chat1"`, "HTTP 400", `"" (no code)`, "Not found")},
		"HTML page": {200, "text/html", "<!DOCTYPE html><html><body><h1>Please log in</h1></body></html>",
			errorRe(`dialog "chat1"`, "HTTP 200", "text/html", "HTML page", "Please log in", "portal_url")},
		"not JSON": {200, "text/plain", "OK",
			errorRe(`dialog "chat1"`, "HTTP 200", "not JSON", "OK")},
		"result not an object": {200, "application/json", `{"result":false}`,
			errorRe(`dialog "chat1"`, "not a dialog object")},
		"no result": {200, "application/json", `{"time":{}}`,
			errorRe(`dialog "chat1"`, `no "result" key`)},
		"redirect": {302, "text/html", "",
			errorRe(`dialog "chat1"`, "HTTP 302", "redirected")},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			srv := cannedReads(t, tc.status, tc.contentType, tc.body)
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testProviderFactories,
				Steps: []resource.TestStep{{
					Config:      webhookProvider(srv, "max_retries = 0") + `data "bitrix24_dialog" "x" { dialog_id = "chat1" }`,
					ExpectError: tc.want,
				}},
			})
		})
	}
}

func TestDialogDataSource_longHTMLBodyIsCut(t *testing.T) {
	t.Parallel()
	srv := cannedReads(t, 503, "text/html", "<html><body>"+strings.Repeat("maintenance ", 200)+"</body></html>")
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: webhookProvider(srv, "max_retries = 0") + `data "bitrix24_dialog" "x" { dialog_id = "chat1" }`,
			// A short snippet of the body, cut with an ellipsis.
			ExpectError: regexp.MustCompile(`(?s)HTTP 503.*HTML page.*maintenance\s+maintenance.*…`),
		}},
	})
}
