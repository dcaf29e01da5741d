package fakeportal

import (
	"encoding/json"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// maxBatch is the portal's limit on commands in one batch call.
const maxBatch = 50

// batch runs cmd (a map or list of "method?query" strings) as
// rest/classes/general/rest_provider.php::methodsBatch does: the call itself
// always succeeds; each command has its result or its error; every command
// past the 50th (CRestUtil::BATCH_MAX_LENGTH) answers
// ERROR_BATCH_LENGTH_EXCEEDED in result_error; a command that is not a
// string is skipped (but counted); with a true halt (PHP truthiness) the
// first error stops the run; empty maps are sent as [].
func (p *Portal) batch(c *caller, params map[string]any) (any, *restError) {
	raw, _ := param(params, "cmd")
	keys, cmds, isList := batchCommands(raw)
	haltValue, _ := param(params, "halt")
	stopOnError := phpTruthy(haltValue)

	results := map[string]any{}
	errs := map[string]any{}
	times := map[string]any{}
	totals := map[string]any{}
	nexts := map[string]any{}
	for n, key := range keys {
		var result any
		var e *restError
		start := p.now()
		method := ""
		if n >= maxBatch {
			e = errBatchLength
		} else {
			cmd, ok := cmds[key].(string)
			if !ok {
				continue
			}
			var query string
			method, query, _ = strings.Cut(cmd, "?")
			method = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(method)), ".json")
			values, err := url.ParseQuery(query)
			sub := map[string]any{}
			if err == nil {
				mergeForm(sub, values)
			}
			p.mu.Lock()
			p.stats.Commands[method]++
			p.mu.Unlock()
			if method == "batch" {
				e = errBatchNotAllowed
			} else {
				result, e = p.dispatch(c, method, sub)
			}
		}
		if e != nil {
			p.mu.Lock()
			p.stats.Errors[e.code]++
			p.mu.Unlock()
			errs[key] = map[string]any{"error": e.code, "error_description": e.desc}
			if stopOnError {
				break
			}
			continue
		}
		if pg, ok := result.(page); ok {
			result = pg.body()
			if !pg.noTotal {
				totals[key] = pg.total
			}
			if pg.next > 0 {
				nexts[key] = pg.next
			}
		}
		results[key] = result
		times[key] = p.timeBlock(method, start)
	}
	return map[string]any{
		"result":       phpArray(results, isList),
		"result_error": phpArray(errs, isList),
		"result_total": phpArray(totals, isList),
		"result_next":  phpArray(nexts, isList),
		"result_time":  phpArray(times, isList),
	}, nil
}

// batchCommands reads cmd as a map or a list (keys "0".."n-1"). The server
// runs a map in the order sent; the fake has decoded it into a Go map, so
// it runs numeric keys in numeric order, then the others by name.
func batchCommands(raw any) (keys []string, cmds map[string]any, isList bool) {
	cmds = map[string]any{}
	switch x := raw.(type) {
	case map[string]any:
		for k, v := range x {
			keys = append(keys, k)
			cmds[k] = v
		}
		sort.Slice(keys, func(i, j int) bool {
			ni, ei := strconv.Atoi(keys[i])
			nj, ej := strconv.Atoi(keys[j])
			switch {
			case ei == nil && ej == nil:
				return ni < nj
			case ei == nil || ej == nil:
				return ei == nil
			}
			return keys[i] < keys[j]
		})
	case []any:
		isList = true
		for i, v := range x {
			k := strconv.Itoa(i)
			keys = append(keys, k)
			cmds[k] = v
		}
	}
	return keys, cmds, isList
}

// phpTruthy is PHP's boolean conversion of a request value: absent, false,
// 0, "", "0" and empty arrays are false, everything else (even "false" and
// "N") is true.
func phpTruthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != "" && x != "0"
	case json.Number:
		f, err := x.Float64()
		return err != nil || f != 0
	case float64:
		return x != 0
	case map[string]any:
		return len(x) > 0
	case []any:
		return len(x) > 0
	}
	return true
}

// phpArray encodes a map as PHP's json_encode would: [] when empty, a list
// when the keys are 0..n-1, else an object.
func phpArray(m map[string]any, isList bool) any {
	if len(m) == 0 {
		return []any{}
	}
	if isList {
		list := make([]any, 0, len(m))
		for i := 0; i < len(m); i++ {
			v, ok := m[strconv.Itoa(i)]
			if !ok {
				return m
			}
			list = append(list, v)
		}
		return list
	}
	return m
}
