package fakeportal

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// maxBatch is the portal's limit on commands in one batch call.
const maxBatch = 50

// batch runs cmd (a map or list of "method?query" strings) as the real
// portal does: always HTTP 200, per-command results and errors, empty maps
// sent as [].
func (p *Portal) batch(c *caller, params map[string]any) (any, *restError) {
	raw, _ := param(params, "cmd")
	keys, cmds, isList := batchCommands(raw)
	if len(keys) > maxBatch {
		return nil, errBatchLength
	}
	halt := paramString(params, "halt")
	stopOnError := halt == "1" || strings.EqualFold(halt, "true") || strings.EqualFold(halt, "Y")

	results := map[string]any{}
	errs := map[string]any{}
	times := map[string]any{}
	totals := map[string]any{}
	nexts := map[string]any{}
	for _, key := range keys {
		method, query, _ := strings.Cut(cmds[key], "?")
		method = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(method)), ".json")
		values, err := url.ParseQuery(query)
		sub := map[string]any{}
		if err == nil {
			mergeForm(sub, values)
		}
		p.mu.Lock()
		p.stats.Commands[method]++
		p.mu.Unlock()
		start := p.now()
		var result any
		var e *restError
		if method == "batch" {
			e = errBatchNotAllowed
		} else {
			result, e = p.dispatch(c, method, sub)
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
			result, totals[key] = pg.body(), pg.total
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

// batchCommands reads cmd as a map (keys sorted as sent is not knowable
// from JSON, so by key) or a list (keys "0".."n-1").
func batchCommands(raw any) (keys []string, cmds map[string]string, isList bool) {
	cmds = map[string]string{}
	switch x := raw.(type) {
	case map[string]any:
		for k, v := range x {
			keys = append(keys, k)
			cmds[k] = fmt.Sprint(v)
		}
		sort.Slice(keys, func(i, j int) bool {
			ni, ei := strconv.Atoi(keys[i])
			nj, ej := strconv.Atoi(keys[j])
			if ei == nil && ej == nil {
				return ni < nj
			}
			return keys[i] < keys[j]
		})
	case []any:
		isList = true
		for i, v := range x {
			k := strconv.Itoa(i)
			keys = append(keys, k)
			cmds[k] = fmt.Sprint(v)
		}
	}
	return keys, cmds, isList
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
