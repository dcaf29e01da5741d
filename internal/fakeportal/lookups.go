package fakeportal

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// User is a portal user, as user.get answers it: string ids, upper-case
// keys.
type User struct {
	ID           string `json:"ID"`
	Active       bool   `json:"ACTIVE"`
	Name         string `json:"NAME"`
	LastName     string `json:"LAST_NAME"`
	Email        string `json:"EMAIL"`
	WorkPosition string `json:"WORK_POSITION"`
}

// page is a list answer with the portal's top-level total and next keys.
type page struct {
	items []any
	total int
	next  int // 0 when there is no next page
	// object, when set, is the result instead of items (im.recent.list).
	object map[string]any
}

var errFindShort = &restError{http.StatusBadRequest, "FIND_SHORT", "Too short a search phrase."}

// chatFields decodes the keys of a fixture's result that the lookups use.
type chatFields struct {
	ID         json.Number `json:"id"`
	Name       string      `json:"name"`
	EntityType string      `json:"entity_type"`
	EntityID   string      `json:"entity_id"`
}

func (d *Dialog) fields() chatFields {
	var f chatFields
	dec := json.NewDecoder(bytes.NewReader(d.Result))
	dec.UseNumber()
	_ = dec.Decode(&f)
	return f
}

// searchChatList is im.search.chat.list: chats whose title, or one of
// whose members' names, contains FIND (case-insensitive), that the caller
// is a member of; no private dialogs; newest (highest id) first; LIMIT at
// most 50 (default 10) from OFFSET (or start).
func (p *Portal) searchChatList(c *caller, params map[string]any) (any, *restError) {
	find := strings.TrimSpace(paramString(params, "FIND"))
	if len([]rune(find)) < 2 {
		return nil, errFindShort
	}
	limit := atoiOr(paramString(params, "LIMIT"), 10)
	if limit <= 0 || limit > 50 {
		limit = min(max(limit, 1), 50)
	}
	offset := atoiOr(paramString(params, "OFFSET"), atoiOr(paramString(params, "start"), 0))
	needle := strings.ToLower(find)

	p.mu.Lock()
	type hit struct {
		id   int64
		item map[string]any
	}
	var hits []hit
	for i := range p.fixtures.Dialogs {
		d := &p.fixtures.Dialogs[i]
		if len(d.Private) > 0 || !slices.Contains(d.Members, c.userID) {
			continue
		}
		f := d.fields()
		if !strings.Contains(strings.ToLower(f.Name), needle) && !p.memberNameMatches(d, needle) {
			continue
		}
		id, _ := f.ID.Int64()
		var item map[string]any
		dec := json.NewDecoder(bytes.NewReader(d.Result))
		dec.UseNumber()
		_ = dec.Decode(&item)
		hits = append(hits, hit{id, item})
	}
	p.mu.Unlock()
	sort.Slice(hits, func(i, j int) bool { return hits[i].id > hits[j].id })
	out := page{items: []any{}, total: len(hits)}
	for i := offset; i < len(hits) && i < offset+limit; i++ {
		out.items = append(out.items, hits[i].item)
	}
	if offset+limit < len(hits) {
		out.next = offset + limit
	}
	return out, nil
}

// memberNameMatches reports whether a member's first or last name holds
// needle: the real search indexes participants' names too. The caller
// holds mu.
func (p *Portal) memberNameMatches(d *Dialog, needle string) bool {
	for _, m := range d.Members {
		for _, u := range p.fixtures.Users {
			if u.ID == strconv.FormatInt(m, 10) &&
				(strings.Contains(strings.ToLower(u.Name), needle) || strings.Contains(strings.ToLower(u.LastName), needle)) {
				return true
			}
		}
	}
	return false
}

// chatGet is im.chat.get: the id of the chat bound to ENTITY_TYPE +
// ENTITY_ID, as {"ID": n}, or null without an error. It does not check
// access.
func (p *Portal) chatGet(params map[string]any) (any, *restError) {
	entityType, entityID := paramString(params, "ENTITY_TYPE"), paramString(params, "ENTITY_ID")
	if entityType == "" || entityID == "" {
		return nil, nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range p.fixtures.Dialogs {
		f := p.fixtures.Dialogs[i].fields()
		if strings.EqualFold(f.EntityType, entityType) && f.EntityID == entityID {
			id, _ := f.ID.Int64()
			return map[string]any{"ID": id}, nil
		}
	}
	return nil, nil
}

// userGet is user.get with an exact FILTER on ID, EMAIL or ACTIVE; pages
// of 50.
func (p *Portal) userGet(params map[string]any) (any, *restError) {
	filter := map[string]string{}
	if raw, ok := param(params, "FILTER"); ok {
		if m, ok := raw.(map[string]any); ok {
			for k, v := range m {
				filter[strings.ToUpper(k)] = paramString(map[string]any{"v": v}, "v")
			}
		}
	}
	offset := atoiOr(paramString(params, "start"), 0)
	p.mu.Lock()
	var all []any
	for _, u := range p.fixtures.Users {
		if v, ok := filter["ID"]; ok && v != u.ID {
			continue
		}
		if v, ok := filter["EMAIL"]; ok && !strings.EqualFold(v, u.Email) {
			continue
		}
		if v, ok := filter["ACTIVE"]; ok && (v == "true" || v == "Y" || v == "1") != u.Active {
			continue
		}
		all = append(all, u)
	}
	p.mu.Unlock()
	out := page{items: []any{}, total: len(all)}
	for i := offset; i < len(all) && i < offset+50; i++ {
		out.items = append(out.items, all[i])
	}
	if offset+50 < len(all) {
		out.next = offset + 50
	}
	return out, nil
}

func atoiOr(s string, def int) int {
	if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil && n >= 0 {
		return n
	}
	return def
}
