package fakeportal

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// isDialogID is Bitrix\Im\Common::isDialogId.
var isDialogID = regexp.MustCompile(`(?i)^([0-9]+|(chat|sg|crm)[0-9]+)$`)

// dialogGet is CIMRestService::dialogGet.
func (p *Portal) dialogGet(c *caller, params map[string]any) (any, *restError) {
	dialogID := paramString(params, "DIALOG_ID")
	if !isDialogID.MatchString(dialogID) {
		return nil, errDialogIDEmpty
	}
	p.mu.Lock()
	d := p.findDialog(c.userID, dialogID)
	p.mu.Unlock()
	if d == nil {
		return nil, errNoChat
	}
	if !slices.Contains(d.Members, c.userID) {
		return nil, errNoAccess
	}
	// Keep the fixture's bytes (string ids, [] maps) and echo dialog_id.
	dec := json.NewDecoder(bytes.NewReader(d.Result))
	dec.UseNumber()
	var result map[string]any
	if err := dec.Decode(&result); err != nil {
		return nil, errInternal
	}
	result["dialog_id"] = dialogID
	return result, nil
}

// findDialog resolves a DIALOG_ID for a user; the caller holds mu.
func (p *Portal) findDialog(userID int64, dialogID string) *Dialog {
	if other, err := strconv.ParseInt(dialogID, 10, 64); err == nil {
		for i, d := range p.fixtures.Dialogs {
			if len(d.Private) == 2 && ((d.Private[0] == userID && d.Private[1] == other) || (d.Private[1] == userID && d.Private[0] == other)) {
				return &p.fixtures.Dialogs[i]
			}
		}
		return nil
	}
	for i, d := range p.fixtures.Dialogs {
		for _, id := range d.IDs {
			if strings.EqualFold(id, dialogID) {
				return &p.fixtures.Dialogs[i]
			}
		}
	}
	return nil
}
