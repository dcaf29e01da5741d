package bitrix24

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
)

// Posting messages (im/classes/general/im_rest.php: messageAdd).
const (
	MethodMessageAdd = "im.message.add"

	CodeMessageEmpty = "MESSAGE_EMPTY"
	CodeUserNotFound = "USER_NOT_FOUND"
	CodeUserIDEmpty  = "USER_ID_EMPTY"
	CodeChatIDEmpty  = "CHAT_ID_EMPTY"
	CodeParamsError  = "PARAMS_ERROR"

	// MessageLimit is CIMMessenger::MESSAGE_LIMIT: the portal cuts longer
	// texts to this many characters and appends " (...)".
	MessageLimit = 20000
)

// NewMessage is what im.message.add takes.
type NewMessage struct {
	// DialogID is chatN, or a user id for the private dialog with that user.
	DialogID string
	Text     string
	// System sends SYSTEM=Y: a system message, shown without an author.
	System bool
	// NoURLPreview sends URL_PREVIEW=N: links get no preview attachment.
	NoURLPreview bool
}

func (m NewMessage) params(uuid string) map[string]any {
	p := map[string]any{"DIALOG_ID": m.DialogID, "MESSAGE": m.Text}
	if m.System {
		p["SYSTEM"] = "Y"
	}
	if m.NoURLPreview {
		p["URL_PREVIEW"] = "N"
	}
	if uuid != "" {
		p["TEMPLATE_ID"] = uuid
	}
	return p
}

// PostedMessage is a message the portal accepted.
type PostedMessage struct {
	ID int64
	// UUID is the TEMPLATE_ID it was sent with; "" for a system message.
	UUID string
	// Resent counts the requests sent again after an answer was lost;
	// the portal answered the one message's id to the last of them.
	Resent int
}

// NewMessageUUID returns a random UUID version 4 in the lower-case form
// the portal accepts as a message's TEMPLATE_ID (im/lib/Message/Uuid.php
// validate: /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/).
func NewMessageUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// LostMessageError is an im.message.add whose outcome is unknown: its
// answer was lost, and either it could not be sent again safely (a system
// message has no de-duplication) or the sends again did not settle it.
type LostMessageError struct {
	// Add is the first lost answer.
	Add *AmbiguousError
	// UUID is the TEMPLATE_ID the message was sent with; "" when none.
	UUID string
	// Sent counts the requests sent, the first included.
	Sent int
	// Last is the last send's failure, when it was sent again.
	Last error
}

func (e *LostMessageError) Error() string {
	if e.UUID == "" {
		return fmt.Sprintf("%v; a system message cannot be sent again safely, so it was not", e.Add)
	}
	return fmt.Sprintf("%v; sent %d times with TEMPLATE_ID %s without an answer that settles it; the last: %v", e.Add, e.Sent, e.UUID, e.Last)
}

func (e *LostMessageError) Unwrap() error { return e.Add }

// PostMessage posts a message with im.message.add, so that it is posted
// at most once.
//
// The request goes through CallWrite: a refusal before the method ran
// (QUERY_LIMIT_EXCEEDED, OPERATION_TIME_LIMIT, an expired token) is sent
// again, anything else is not. A message that is not a system message
// carries a random TEMPLATE_ID, which the portal de-duplicates
// (im/lib/V2/Chat.php sendMessage → Message/Send/SendingService.php
// checkDuplicateByUuid, im/lib/Message/Uuid.php): a second request with
// the same TEMPLATE_ID posts nothing and answers the first message's id.
// So when such a message's answer is lost, it is sent again with the same
// TEMPLATE_ID, up to MaxRetries times with the client's backoff. While the
// first request is still being finished (its id is linked to the
// TEMPLATE_ID by a background job after the answer), the portal answers
// PARAMS_ERROR "Message isn't added"; that too is sent again. A system
// message (SYSTEM=Y) is not de-duplicated by the portal (needToCheckDuplicate
// skips system messages), so it is never sent twice: a lost answer is a
// *LostMessageError at once.
func (c *Client) PostMessage(ctx context.Context, m NewMessage) (PostedMessage, error) {
	uuid := ""
	if !m.System {
		uuid = NewMessageUUID()
	}
	params := m.params(uuid)
	id, err := c.addMessage(ctx, params)
	if err == nil {
		return PostedMessage{ID: id, UUID: uuid}, nil
	}
	var lost *AmbiguousError
	if !errors.As(err, &lost) {
		return PostedMessage{}, err
	}
	out := &LostMessageError{Add: lost, UUID: uuid, Sent: 1}
	if uuid == "" {
		c.warn(ctx, "The answer to im.message.add was lost; a system message is not sent again", map[string]any{"error": err.Error()})
		return PostedMessage{}, out
	}
	for try := 0; try < max(c.cfg.MaxRetries, 1); try++ {
		c.warn(ctx, "The answer to im.message.add was lost; sending it again with the same TEMPLATE_ID, which the portal de-duplicates",
			map[string]any{"template_id": uuid, "attempt": try + 2, "error": err.Error()})
		if serr := c.clock.Sleep(ctx, c.backoff(try, c.cfg.RetryBaseDelay, c.cfg.RetryMaxDelay)); serr != nil {
			out.Last = serr
			return PostedMessage{}, out
		}
		id, err = c.addMessage(ctx, params)
		out.Sent++
		if err == nil {
			return PostedMessage{ID: id, UUID: uuid, Resent: out.Sent - 1}, nil
		}
		out.Last = err
		if !IsAmbiguous(err) && !HasCode(err, CodeParamsError) {
			break
		}
	}
	return PostedMessage{}, out
}

// addMessage sends im.message.add once (CallWrite) and reads the id.
func (c *Client) addMessage(ctx context.Context, params map[string]any) (int64, error) {
	raw, err := c.CallWrite(ctx, MethodMessageAdd, params)
	if err != nil {
		return 0, err
	}
	var id Int64
	if err := c.decodeStrict(MethodMessageAdd, raw, &id); err != nil {
		return 0, err
	}
	if !id.Valid || id.Value <= 0 {
		return 0, &ResponseError{Method: MethodMessageAdd, HTTPStatus: 200, Reason: "the result is not a message id", Snippet: snippet(raw, c.redactor)}
	}
	return id.Value, nil
}
