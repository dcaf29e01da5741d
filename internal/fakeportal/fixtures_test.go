package fakeportal

import (
	"strings"
	"testing"
)

func TestParseFixturesErrors(t *testing.T) {
	for _, tc := range []struct{ json, want string }{
		{"{\n  \"webhooks\": [],\n  \"dialgos\": []\n}", `fixtures:3:3: unknown key "dialgos"`},
		{"{\"webhooks\": [{\"user_id\": 1, \"cod\": \"x\"}]}", `fixtures:1:30: unknown key "cod"`},
		{"{\"users\": [{\"ID\": \"1\", \"MAIL\": \"x\"}]}", `fixtures:1:24: unknown key "MAIL"`},
		{"{\n\"oauth_clients\": [{\"refresh_tokens\": [{\"refresh_token\": \"r\", \"scope\": []}]}]}", `fixtures:2:62: unknown key "scope"`},
		{"{\n  \"dialogs\": [\n    {\"ids\": [\"chat1\"],, \"result\": {}}\n  ]\n}", "fixtures:3:23: invalid character ','"},
		{"{\"webhooks\": [{\"user_id\": \"1\"}]}", "fixtures:1:30: webhooks.user_id: a JSON string cannot be a int64"},
	} {
		_, err := ParseFixtures([]byte(tc.json))
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s:\n got %v\nwant %s", tc.json, err, tc.want)
		}
	}
	// A dialog's result may hold any key; a known key in another case is
	// accepted, as encoding/json matches it.
	if _, err := ParseFixtures([]byte(`{"dialogs": [{"ids": ["chat1"], "result": {"anything": {"x": 1}}}], "users": [{"id": "1"}]}`)); err != nil {
		t.Errorf("result keys: %v", err)
	}
}
