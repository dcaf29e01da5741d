package bitrix24

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/clock"
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

// The server runs the first 50 commands of a longer batch and answers
// every further one with ERROR_BATCH_LENGTH_EXCEEDED in result_error; the
// call itself succeeds (rest_provider.php methodsBatch). The client never
// sends such a batch (CallBatch refuses it), but a raw call shows the shape.
func TestFakePortalRefusesCommandsPast50(t *testing.T) {
	_, srv := newPortal(t, fakeportal.Faults{})
	c, _ := webhookClient(t, srv, func(c *Config) { c.MaxRetries = 0 })
	cmd := map[string]string{}
	for i := 0; i < 51; i++ {
		cmd[fmt.Sprint("c", i)] = "im.dialog.get?DIALOG_ID=chat42"
	}
	raw, err := c.Call(context.Background(), MethodBatch, map[string]any{"cmd": cmd})
	if err != nil {
		t.Fatalf("the batch call itself should succeed: %v", err)
	}
	var got struct {
		Result      map[string]json.RawMessage `json:"result"`
		ResultError map[string]struct {
			Error string `json:"error"`
		} `json:"result_error"`
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	if len(got.Result) != 50 || len(got.ResultError) != 1 {
		t.Fatalf("want 50 results and 1 error, got %d and %d", len(got.Result), len(got.ResultError))
	}
	for key, e := range got.ResultError {
		if e.Error != CodeBatchLengthExceeded {
			t.Fatalf("command %s: want %s, got %q", key, CodeBatchLengthExceeded, e.Error)
		}
	}
}

// Commands that fail inside a batch are retried together in one next
// batch, not one by one.
func TestRunCommands_failedCommandsAreRetriedTogether(t *testing.T) {
	p, srv := newCannedPortal(t,
		cannedAnswer{body: `{"result":{"result":{"c0":{"id":1},"c4":{"id":5}},"result_error":{
			"c1":{"error":"INTERNAL_SERVER_ERROR","error_description":"x"},
			"c2":{"error":"QUERY_LIMIT_EXCEEDED","error_description":"Too many requests"},
			"c3":{"error":"ACCESS_ERROR","error_description":"no"}}}}`},
		cannedAnswer{body: `{"result":{"result":{"c0":{"id":2},"c1":{"id":3}},"result_error":[]}}`})
	c, _ := fakeClockClient(t, srv, nil)
	got := c.readDialogs(context.Background(), []string{"chat1", "chat2", "chat3", "chat4", "chat5"})
	for i, want := range []int64{1, 2, 3, 0, 5} {
		if want == 0 {
			if !HasCode(got[i].err, CodeAccessError) {
				t.Errorf("dialog %d: want its own ACCESS_ERROR, got %v", i, got[i].err)
			}
			continue
		}
		if got[i].err != nil || got[i].value.ID.Value != want {
			t.Errorf("dialog %d: got %+v", i, got[i])
		}
	}
	reqs := p.requests()
	if len(reqs) != 2 || !strings.HasSuffix(reqs[1], "/batch") {
		t.Fatalf("want two batch calls, got %v", reqs)
	}
	if body := p.bodies[1]; !strings.Contains(body, "chat2") || !strings.Contains(body, "chat3") || strings.Contains(body, "chat4") {
		t.Fatalf("the second batch should hold chat2 and chat3 only: %s", body)
	}
}

// Four commands blocked by OPERATION_TIME_LIMIT wait once for the reset,
// together, and the error of a reset too far away names a time to come.
func TestRunCommands_operatingLimitWaitsOnceForAll(t *testing.T) {
	const otl = `{"error":"OPERATION_TIME_LIMIT","error_description":"Method is blocked due to operation time limit."}`
	var p *cannedPortal
	var c *Client
	reset := time.Unix(1_700_000_005, 0) // 5 s after the fake clock starts
	p, srv := newCannedPortal(t,
		cannedAnswer{body: fmt.Sprintf(`{"result":{"result":{"c0":{"id":9}},"result_error":[],"result_time":{"c0":{"operating":400,"operating_reset_at":%d}}}}`, reset.Unix())},
		cannedAnswer{body: `{"result":{"result":[],"result_error":{"c0":` + otl + `,"c1":` + otl + `,"c2":` + otl + `,"c3":` + otl + `}}}`},
		cannedAnswer{body: `{"result":{"result":{"c0":{"id":1},"c1":{"id":2},"c2":{"id":3},"c3":{"id":4}},"result_error":[]}}`})
	c, clk := fakeClockClient(t, srv, nil)
	if got := c.readDialogs(context.Background(), []string{"chat9", "chat10"}); got[0].err != nil {
		t.Fatal(got[0].err)
	}
	start := clk.Now()
	got := c.readDialogs(context.Background(), []string{"chat1", "chat2", "chat3", "chat4"})
	for i := range got {
		if got[i].err != nil || got[i].value.ID.Value != int64(i+1) {
			t.Fatalf("dialog %d: %+v", i, got[i])
		}
	}
	if took := clk.Now().Sub(start); took < 5*time.Second || took > 6*time.Second {
		t.Fatalf("waited %s for a reset 5 s away", took)
	}
	if n := len(p.requests()); n != 3 {
		t.Fatalf("want 3 batch calls, got %d", n)
	}
}

// A refusal is dated when its request left, after the pacing wait: when
// another read cut the rate while this batch waited to go, the refusal of
// the batch's commands cuts the rate again (it was sent after that cut).
func TestRunCommands_refusalIsDatedAfterThePacingWait(t *testing.T) {
	const qleBatch = `{"result":{"result":[],"result_error":{"c0":{"error":"QUERY_LIMIT_EXCEEDED","error_description":"x"},"c1":{"error":"QUERY_LIMIT_EXCEEDED","error_description":"x"}}}}`
	_, srv := newCannedPortal(t, cannedAnswer{body: qleBatch})
	clk := clock.NewFake(time.Unix(1_700_000_000, 0))
	c, _ := webhookClient(t, srv, func(cfg *Config) { cfg.Clock = clk; cfg.RateLimit = 2; cfg.RateLimitBurst = 2 })
	c.flow.reserve() // The model's bucket is full: the batch waits 500ms.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.RunCommands(ctx, []BatchCommand{
			{Method: MethodDialogGet, Params: url.Values{"DIALOG_ID": {"chat1"}}},
			{Method: MethodDialogGet, Params: url.Values{"DIALOG_ID": {"chat2"}}},
		})
	}()
	if !clk.BlockUntil(1, 5*time.Second) {
		t.Fatal("the batch did not wait for the flow control")
	}
	rate := c.flow.refused(clk.Now()) // Another read's refusal cuts the rate to 0.5/s.
	clk.Advance(time.Second)          // The batch leaves, and its commands are refused.
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, refusals := c.flow.snapshot(); refusals == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the refusal of the batch's commands was not recorded")
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
	if got, _ := c.flow.snapshot(); got >= rate {
		t.Fatalf("a refusal of a request sent after the cut to %v/s should cut again, the rate is %v/s", rate, got)
	}
}
