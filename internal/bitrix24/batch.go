package bitrix24

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"sync"
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
// its BatchResult.
func (c *Client) CallBatch(ctx context.Context, cmds []BatchCommand) ([]BatchResult, error) {
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
	raw, err := c.Call(ctx, MethodBatch, map[string]any{"halt": 0, "cmd": cmd})
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
			out[i].Err = &APIError{Method: bc.Method, HTTPStatus: 200, Code: body.Error.Value, Description: c.redactor.String(body.ErrorDescription.Value)}
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

// GetDialogs reads many dialogs in ceil(N/50) batch calls, up to four at a
// time. It returns a dialog or an error for every id; err is set only when
// ctx ended.
func (c *Client) GetDialogs(ctx context.Context, ids []string) (map[string]*Dialog, map[string]error, error) {
	dialogs := make(map[string]*Dialog, len(ids))
	failed := map[string]error{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for start := 0; start < len(ids); start += MaxBatchCommands {
		chunk := ids[start:min(start+MaxBatchCommands, len(ids))]
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
				return
			}
			got := c.readDialogs(ctx, chunk)
			mu.Lock()
			defer mu.Unlock()
			for i, id := range chunk {
				if got[i].err != nil {
					failed[id] = got[i].err
				} else {
					dialogs[id] = got[i].dialog
				}
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	return dialogs, failed, nil
}

type dialogOrError struct {
	dialog *Dialog
	err    error
}

// readDialogs reads up to 50 dialogs: one plain call for one id, else one
// batch call. A command that failed for a reason worth retrying (the portal
// was busy) is read again on its own, with the usual retries.
func (c *Client) readDialogs(ctx context.Context, ids []string) []dialogOrError {
	out := make([]dialogOrError, len(ids))
	if len(ids) == 1 {
		raw, err := c.Call(ctx, MethodDialogGet, map[string]any{"DIALOG_ID": ids[0]})
		if err == nil {
			out[0].dialog, err = decodeDialogResult(raw)
		}
		out[0].err = err
		return out
	}
	cmds := make([]BatchCommand, len(ids))
	for i, id := range ids {
		cmds[i] = BatchCommand{Method: MethodDialogGet, Params: url.Values{"DIALOG_ID": {id}}}
	}
	results, err := c.CallBatch(ctx, cmds)
	if err != nil {
		for i := range out {
			out[i].err = err
		}
		return out
	}
	for i, r := range results {
		if r.Err != nil && (retryable(r.Err) || HasCode(r.Err, CodeOperationTimeLimit)) {
			c.debug(ctx, "Batch command failed; reading it on its own", map[string]any{"dialog_id": ids[i], "error": r.Err.Error()})
			raw, err := c.Call(ctx, MethodDialogGet, map[string]any{"DIALOG_ID": ids[i]})
			r = BatchResult{Result: raw, Err: err}
		}
		if r.Err != nil {
			out[i].err = r.Err
			continue
		}
		out[i].dialog, out[i].err = decodeDialogResult(r.Result)
	}
	return out
}
