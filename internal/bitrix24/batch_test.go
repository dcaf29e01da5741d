package bitrix24

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/fakeportal"
)

func TestJSONMap_emptyMapsAsArrays(t *testing.T) {
	cases := map[string]int{`[]`: 0, `{}`: 0, `{"c0":1,"c1":2}`: 2, `[1,2,3]`: 3, `null`: 0, ``: 0, `"x"`: 0}
	for in, want := range cases {
		if got := len(jsonMap(json.RawMessage(in))); got != want {
			t.Errorf("jsonMap(%s) has %d entries, want %d", in, got, want)
		}
	}
	if m := jsonMap(json.RawMessage(`[10,20]`)); string(m["1"]) != "20" {
		t.Errorf("a list maps index to value: %v", m)
	}
}

// A canned batch answer: one result, one error, result_time as [].
func TestCallBatch_eachCommandGetsItsOwnAnswer(t *testing.T) {
	for _, emptyMap := range []string{`[]`, `{}`} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = fmt.Fprintf(w, `{"result":{"result":{"c0":{"id":1,"name":"one"},"c2":{"id":"3"}},
				"result_error":{"c1":{"error":"ACCESS_ERROR","error_description":"You don't have access to this chat"}},
				"result_total":%[1]s,"result_next":%[1]s,"result_time":%[1]s},"time":{"start":1}}`, emptyMap)
		}))
		hook, _ := ParseWebhookURL(srv.URL + "/rest/1/code/")
		c, _ := New(Config{Auth: Auth{Webhook: &hook}})
		got := c.readDialogs(context.Background(), []string{"chat1", "chat2", "chat3"})
		srv.Close()
		if got[0].err != nil || got[0].value.Name.Value != "one" {
			t.Errorf("command 0: %+v", got[0])
		}
		if !HasCode(got[1].err, CodeAccessError) {
			t.Errorf("command 1 should fail with its own ACCESS_ERROR: %+v", got[1])
		}
		if got[2].err != nil || got[2].value.ID.Value != 3 {
			t.Errorf("command 2: %+v", got[2])
		}
	}
}

func TestCallBatch_allFailedResultIsEmptyArray(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"result":{"result":[],"result_error":{"c0":{"error":"ACCESS_ERROR","error_description":"x"},"c1":{"error":"DIALOG_ID_EMPTY","error_description":"y"}},"result_total":[],"result_next":[],"result_time":[]}}`))
	}))
	defer srv.Close()
	hook, _ := ParseWebhookURL(srv.URL + "/rest/1/code/")
	c, _ := New(Config{Auth: Auth{Webhook: &hook}})
	got := c.readDialogs(context.Background(), []string{"chat1", "chat2"})
	if !HasCode(got[0].err, CodeAccessError) || !HasCode(got[1].err, CodeDialogIDEmpty) {
		t.Fatalf("got %+v", got)
	}
}

func TestCallBatch_againstFakePortal(t *testing.T) {
	portal, srv := newPortal(t, fakeportal.Faults{})
	c, _ := webhookClient(t, srv, nil)
	cmds := []BatchCommand{
		{Method: MethodDialogGet, Params: url.Values{"DIALOG_ID": {"chat42"}}},
		{Method: MethodDialogGet, Params: url.Values{"DIALOG_ID": {"chat99"}}},
		{Method: MethodDialogGet, Params: url.Values{"DIALOG_ID": {"5"}}},
	}
	res, err := c.CallBatch(context.Background(), cmds)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Err != nil || !HasCode(res[1].Err, CodeAccessError) || res[2].Err != nil {
		t.Fatalf("got %+v", res)
	}
	if portal.Requests("batch") != 1 || portal.Stats().Commands[MethodDialogGet] != 3 {
		t.Fatalf("want one batch of 3: %+v", portal.Stats())
	}
	if _, err := c.CallBatch(context.Background(), make([]BatchCommand, 51)); err == nil {
		t.Fatalf("51 commands should be refused before sending")
	}
}

func TestFakePortalRefusesLongBatch(t *testing.T) {
	_, srv := newPortal(t, fakeportal.Faults{})
	c, _ := webhookClient(t, srv, func(c *Config) { c.MaxRetries = 0 })
	cmd := map[string]string{}
	for i := 0; i < 51; i++ {
		cmd[fmt.Sprint("c", i)] = "im.dialog.get?DIALOG_ID=chat42"
	}
	_, err := c.Call(context.Background(), MethodBatch, map[string]any{"cmd": cmd})
	if !HasCode(err, CodeBatchLengthExceeded) {
		t.Fatalf("want ERROR_BATCH_LENGTH_EXCEEDED, got %v", err)
	}
}

func TestCoalescing(t *testing.T) {
	portal, srv := newPortal(t, fakeportal.Faults{})
	portal.AddDialogs(fakeportal.GroupChats(120, 7000, 1)...)
	c, _ := webhookClient(t, srv, func(c *Config) { c.BatchWindow = 50 * time.Millisecond })
	var wg sync.WaitGroup
	got := make([]*Dialog, 120)
	errs := make([]error, 120)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = c.GetDialog(context.Background(), fmt.Sprint("chat", 7000+i))
		}()
	}
	// Two readers of one dialog share one command.
	wg.Add(1)
	var dup *Dialog
	go func() { defer wg.Done(); dup, _ = c.GetDialog(context.Background(), "chat7000") }()
	wg.Wait()
	for i := range got {
		if errs[i] != nil || got[i].ID.Value != int64(7000+i) {
			t.Fatalf("read %d got %+v, %v", i, got[i], errs[i])
		}
	}
	if dup == nil || dup.ID.Value != 7000 {
		t.Fatalf("duplicate read got %+v", dup)
	}
	st := portal.Stats()
	// 50 + 50 + 20 when the reads arrive together; a slow machine may
	// split one batch. The duplicate read shares a command when it lands in
	// the same batch as the first read of chat7000 (121 otherwise).
	cmds := st.Commands[MethodDialogGet]
	if st.Requests["batch"] < 3 || st.Requests["batch"] > 4 || st.Requests[MethodDialogGet] != 0 || cmds < 120 || cmds > 121 {
		t.Fatalf("want 121 reads in 3 or 4 batch calls of 120 or 121 commands: %+v", st)
	}
}

func TestCoalescing_loneReadIsPlain(t *testing.T) {
	portal, srv := newPortal(t, fakeportal.Faults{})
	c, _ := webhookClient(t, srv, func(c *Config) { c.BatchWindow = 5 * time.Millisecond })
	if _, err := c.GetDialog(context.Background(), "chat42"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetDialog(context.Background(), "chat99"); !HasCode(err, CodeAccessError) {
		t.Fatalf("want ACCESS_ERROR, got %v", err)
	}
	if portal.Requests(MethodDialogGet) != 2 || portal.Requests("batch") != 0 {
		t.Fatalf("lone reads should be plain calls: %+v", portal.Stats())
	}
}

func TestCoalescing_sameDialogReadOnce(t *testing.T) {
	portal, srv := newPortal(t, fakeportal.Faults{})
	c, _ := webhookClient(t, srv, func(c *Config) { c.BatchWindow = 200 * time.Millisecond })
	readConcurrently(t, c, 5, "chat42")
	// Five reads of one dialog within one window: one command, sent as a
	// plain call because the batch holds a single dialog.
	if st := portal.Stats(); st.Requests[MethodDialogGet] != 1 || st.Requests["batch"] != 0 {
		t.Fatalf("want one im.dialog.get for five reads of one dialog: %+v", st)
	}
}
