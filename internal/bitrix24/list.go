package bitrix24

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
)

// Paged lists (im.search.chat.list, user.get) are checked, not trusted:
//
//   - a page holds at most pageSize entries (the LIMIT asked for), so one
//     answer of 330,000 entries fails instead of costing gigabytes, and a
//     list holds at most maxListPages pages of them;
//   - every entry has a positive id; an entry seen before (by id) is kept
//     once;
//   - next must move forward, by at most one page: one that goes back or
//     stays would repeat pages, one that jumps would skip entries;
//   - total is the same on every page and, at the end, equals the entries
//     collected. A list that changed while it was paged (a chat created
//     between two pages shifts a newest-first list down by one: the
//     boundary entry repeats and total grows; a deletion shifts it up and
//     skips one) is paged again from the start, once; if it changes again,
//     the read fails and asks to run again. A total beyond what maxListPages
//     can hold fails at once.
const maxListPages = 200

// listRequest describes one paged list.
type listRequest[T any] struct {
	method   string
	pageSize int
	// params are the parameters of the page at offset.
	params func(offset int) map[string]any
	// id is an entry's id.
	id func(*T) Int64
	// hint ends the error of a list too long to read.
	hint string
}

// listAll reads every page of a list.
func listAll[T any](ctx context.Context, c *Client, req listRequest[T]) ([]T, error) {
	for attempt := 0; ; attempt++ {
		all, changed, err := listOnce(ctx, c, req)
		if err != nil || changed == "" {
			return all, err
		}
		if attempt == 1 {
			return nil, &ResponseError{Method: req.method, HTTPStatus: 200,
				Reason: "the list changed while it was read, twice (" + changed + "); run again"}
		}
		c.debug(ctx, "Paging a list again: it changed while it was read", map[string]any{"method": req.method, "change": changed})
	}
}

// listOnce pages through the list once. changed is not empty when the
// list changed meanwhile.
func listOnce[T any](ctx context.Context, c *Client, req listRequest[T]) (all []T, changed string, err error) {
	fail := func(format string, args ...any) ([]T, string, error) {
		return nil, "", &ResponseError{Method: req.method, HTTPStatus: 200, Reason: fmt.Sprintf(format, args...)}
	}
	seen := map[int64]struct{}{}
	var total Int64
	for offset, pages := 0, 0; ; pages++ {
		if pages == maxListPages {
			return fail("the list did not end after %d pages; %s", maxListPages, req.hint)
		}
		r, err := c.call(ctx, req.method, req.params(offset))
		if err != nil {
			return nil, "", err
		}
		if n := countEntries(r.Result, req.pageSize+1); n > req.pageSize {
			return fail("one page (offset %d) holds more than the %d entries asked for", offset, req.pageSize)
		}
		var page []T
		if !absent(r.Result) {
			if err := c.decodeStrict(req.method, r.Result, &page); err != nil {
				return nil, "", err
			}
		}
		switch {
		case pages == 0:
			total = r.Total
			if total.Valid && total.Value > int64(maxListPages*req.pageSize) {
				return fail("the list holds %d entries, more than the %d that can be read; %s", total.Value, maxListPages*req.pageSize, req.hint)
			}
		case r.Total != total:
			return nil, fmt.Sprintf("total went from %s to %s between pages", totalText(total), totalText(r.Total)), nil
		}
		for i := range page {
			id := req.id(&page[i])
			if !id.Valid || id.Value <= 0 {
				return fail("entry %d of the page at offset %d has no id", i, offset)
			}
			if _, dup := seen[id.Value]; dup {
				continue
			}
			seen[id.Value] = struct{}{}
			all = append(all, page[i])
		}
		if total.Valid && int64(len(all)) > total.Value {
			return fail("the list holds more entries (%d so far) than its total, %d", len(all), total.Value)
		}
		if !r.Next.Valid {
			break
		}
		if r.Next.Value <= int64(offset) || r.Next.Value > int64(offset+req.pageSize) {
			return fail("the page at offset %d names the next page at %d, which does not move forward by at most %d", offset, r.Next.Value, req.pageSize)
		}
		offset = int(r.Next.Value)
	}
	if total.Valid && int64(len(all)) != total.Value {
		return nil, fmt.Sprintf("total %d, %d distinct entries read", total.Value, len(all)), nil
	}
	return all, "", nil
}

func totalText(t Int64) string {
	if !t.Valid {
		return "none"
	}
	return strconv.FormatInt(t.Value, 10)
}

// countEntries counts the elements of a JSON array, stopping at limit; 0
// when raw is not an array (decoding reports that).
func countEntries(raw json.RawMessage, limit int) int {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return 0
	}
	n := 0
	for dec.More() && n < limit {
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return n
		}
		n++
	}
	return n
}
