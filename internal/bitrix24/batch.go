package bitrix24

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
)

// MethodBatch is the REST method that runs up to 50 commands in one request.
const MethodBatch = "batch"

// BatchCommand is one command of a batch call.
type BatchCommand struct {
	Method string
	Params url.Values
}

// BatchResult is one command's own result or error.
type BatchResult struct {
	Result json.RawMessage
	Err    error
}

type batchAnswer struct {
	Result      json.RawMessage `json:"result"`
	ResultError json.RawMessage `json:"result_error"`
	ResultTime  json.RawMessage `json:"result_time"`
}

// CallBatch runs up to MaxBatchCommands commands in one batch call with
// halt=0, and returns each command's result or error in order. The call as a
// whole is retried like any other; an error for one command is returned in
// its BatchResult. RunCommands also retries the commands that failed.
func (c *Client) CallBatch(ctx context.Context, cmds []BatchCommand) ([]BatchResult, error) {
	return c.callBatch(ctx, c.newRetrier(), cmds)
}

// callBatch is CallBatch within the retry budget r.
func (c *Client) callBatch(ctx context.Context, r *retrier, cmds []BatchCommand) ([]BatchResult, error) {
	if len(cmds) == 0 {
		return nil, nil
	}
	if len(cmds) > MaxBatchCommands {
		return nil, fmt.Errorf("a batch holds at most %d commands, got %d", MaxBatchCommands, len(cmds))
	}
	cmd := make(map[string]string, len(cmds))
	for i, bc := range cmds {
		cmd[batchKey(i)] = bc.Method + "?" + bc.Params.Encode()
	}
	answer0, err := c.callWith(ctx, r, MethodBatch, map[string]any{"halt": 0, "cmd": cmd})
	raw := answer0.Result
	if err != nil {
		return nil, err
	}
	var answer batchAnswer
	if err := json.Unmarshal(raw, &answer); err != nil || bytes.TrimSpace(raw)[0] != '{' {
		return nil, &ResponseError{Method: MethodBatch, HTTPStatus: 200, Reason: "the batch result is not an object", Snippet: snippet(raw, c.redactor)}
	}
	results := jsonMap(answer.Result)
	errs := jsonMap(answer.ResultError)
	times := jsonMap(answer.ResultTime)
	out := make([]BatchResult, len(cmds))
	for i, bc := range cmds {
		key := batchKey(i)
		if t, ok := times[key]; ok {
			var tb Object[TimeBlock]
			_ = json.Unmarshal(t, &tb)
			if tb.Valid {
				c.noteTime(bc.Method, &tb.Value)
			}
		}
		if e, ok := errs[key]; ok {
			var body struct {
				Error            String `json:"error"`
				ErrorDescription String `json:"error_description"`
			}
			_ = json.Unmarshal(e, &body)
			out[i].Err = &APIError{Method: bc.Method, HTTPStatus: 200, Code: c.redactor.Clean(body.Error.Value), Description: c.redactor.Clean(body.ErrorDescription.Value)}
			continue
		}
		r, ok := results[key]
		if !ok {
			out[i].Err = &ResponseError{Method: bc.Method, HTTPStatus: 200, Reason: "the batch answer has neither a result nor an error for this command"}
			continue
		}
		out[i].Result = r
	}
	return out, nil
}

func batchKey(i int) string { return "c" + strconv.Itoa(i) }

// jsonMap reads a JSON object into its entries. The portal sends an empty
// map as [], and a map with keys 0..n-1 as a list: both are handled.
func jsonMap(raw json.RawMessage) map[string]json.RawMessage {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil
	}
	switch raw[0] {
	case '{':
		var m map[string]json.RawMessage
		_ = json.Unmarshal(raw, &m)
		return m
	case '[':
		var list []json.RawMessage
		_ = json.Unmarshal(raw, &list)
		m := make(map[string]json.RawMessage, len(list))
		for i, v := range list {
			m[strconv.Itoa(i)] = v
		}
		return m
	}
	return nil
}

// RunCommands runs up to MaxBatchCommands commands as one read: one plain
// call for a single command, else a batch call. Commands that failed for a
// reason the retry table retries (the portal was busy, a passing fault, a
// method blocked for a while) are retried together in the next batch call.
// The read has one retry budget (retrier) for the retries of whole calls
// and of failed commands. When the call as a whole fails, its error is
// every pending command's error.
func (c *Client) RunCommands(ctx context.Context, cmds []BatchCommand) []BatchResult {
	out := make([]BatchResult, len(cmds))
	r := c.newRetrier()
	if len(cmds) == 1 {
		params := make(map[string]any, len(cmds[0].Params))
		for k := range cmds[0].Params {
			params[k] = cmds[0].Params.Get(k)
		}
		var answer reply
		answer, out[0].Err = c.callWith(ctx, r, cmds[0].Method, params)
		out[0].Result = answer.Result
		return out
	}
	pending := make([]int, len(cmds))
	for i := range pending {
		pending[i] = i
	}
	for {
		batch := make([]BatchCommand, len(pending))
		for j, i := range pending {
			batch[j] = cmds[i]
		}
		results, err := c.callBatch(ctx, r, batch)
		if err != nil {
			for _, i := range pending {
				out[i].Err = err
			}
			return out
		}
		var again []int
		var worst error
		for j, i := range pending {
			out[i] = results[j]
			if cls := classify(results[j].Err); cls != retryNever && cls != retryRefresh {
				again = append(again, i)
				worst = moreUrgent(worst, results[j].Err)
			}
		}
		if len(again) == 0 || ctx.Err() != nil {
			return out
		}
		// When the request left, after its pacing wait: a refusal of
		// commands sent after the last cut of the rate cuts it again.
		wait, ok := r.next(ctx, worst, r.lastSent)
		if !ok {
			for _, i := range again {
				out[i].Err = r.fail(out[i].Err)
			}
			return out
		}
		c.debug(ctx, "Batch commands failed; retrying them together", map[string]any{
			"commands": len(again), "delay_ms": wait.Milliseconds(), "error": worst.Error(),
		})
		if err := c.clock.Sleep(ctx, wait); err != nil {
			for _, i := range again {
				out[i].Err = err
			}
			return out
		}
		pending = again
	}
}

// moreUrgent picks the error whose retry rule waits longest: a blocked
// method, then a busy portal, then a passing fault.
func moreUrgent(a, b error) error {
	rank := map[retryClass]int{retryTransient: 1, retryBusy: 2, retryOperating: 3}
	if a == nil || rank[classify(b)] > rank[classify(a)] {
		return b
	}
	return a
}
