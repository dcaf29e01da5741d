package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/bitrix24"
	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/recorder"
)

const recordUsage = `bitrix24-fakeportal record reads chats from a real Bitrix24 portal, through the provider's client and its
flow control, and writes a fixtures file that "bitrix24-fakeportal -fixtures FILE" serves as it is: plan
against the real shapes offline, or attach the file to a bug report.

  bitrix24-fakeportal record -ids chat1439,sg103,5 -search "on-call" -out recorded.json
  bitrix24-fakeportal -fixtures recorded.json -port 8024

What is written:
  * each dialog's im.dialog.get result, byte for byte (key order, string or number ids, [] for empty maps),
    with the ids it was read by (and chatN), and its members (the recording user; with im.chat.user.list,
    the others too);
  * the users the chats name (owner, managers, readers, members; user.get, needs the user_basic scope),
    so that bitrix24_user finds them offline;
  * one webhook with a NEW random code for the recording user. The portal's webhook code, tokens and client
    secret are never written: every recorded string passes the client's secret masking, and the file is
    checked for them before it is written.

-anonymize replaces people's names and emails with placeholders derived from their user ids ("User 503",
"user503@example.invalid"): users' NAME, LAST_NAME (NAME "User", LAST_NAME "503"), EMAIL and WORK_POSITION,
readed_list and last_message_views.first_viewers user_name, and a private dialog's name (the other user's
name). The same portal gives the same placeholders on every run. Chat titles and descriptions are not
people's names and stay; -anonymize-titles replaces them too ("Chat 42"), which breaks name lookups.

` + recorder.AuthHelp + `
With OAuth, -user-id names the token's user (else user.current is asked).

Usage:
  bitrix24-fakeportal record -out FILE [-ids ID,...] [-search TEXT]... [flags]

Flags:
`

// listFlag collects a repeatable flag; with split, comma-separated values
// too.
type listFlag struct {
	values []string
	split  bool
}

func (l *listFlag) String() string { return strings.Join(l.values, ",") }

func (l *listFlag) Set(v string) error {
	if !l.split {
		l.values = append(l.values, v)
		return nil
	}
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part != "" {
			l.values = append(l.values, part)
		}
	}
	return nil
}

func record(args []string) error {
	fs := flag.NewFlagSet("bitrix24-fakeportal record", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), recordUsage)
		fs.PrintDefaults()
	}
	ids := &listFlag{split: true}
	searches := &listFlag{}
	fs.Var(ids, "ids", "dialog ids to record, comma-separated and repeatable: chatN, sgN, crmN, or a user id for the private dialog with that user")
	fs.Var(searches, "search", "record every chat that im.search.chat.list finds for this text (titles and members' names); repeatable")
	var (
		out             = fs.String("out", "", "the fixtures file to write (required; - for standard output)")
		anonymize       = fs.Bool("anonymize", false, "replace people's names and emails with stable placeholders (User 503, user503@example.invalid)")
		anonymizeTitles = fs.Bool("anonymize-titles", false, "also replace chat titles and descriptions (Chat 42); name lookups then no longer find them")
		noMembers       = fs.Bool("no-members", false, "do not ask im.chat.user.list for the members of each chat")
		noUsers         = fs.Bool("no-users", false, "do not record the users the chats name (user.get)")
		userID          = fs.Int64("user-id", 0, "the id of the user the credentials belong to; taken from the webhook, or asked with user.current for OAuth")
		timeout         = fs.Duration("timeout", 30*time.Minute, "give up after this long")
	)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("record: unexpected argument %q (flags go before it? see record -help)", fs.Arg(0))
	}
	if *out == "" {
		return errors.New("record: -out FILE is required (see record -help)")
	}
	if len(ids.values) == 0 && len(searches.values) == 0 {
		return errors.New("record: give -ids or -search (see record -help)")
	}
	cfg, err := recorder.ConfigFromEnv(nil)
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	client, err := bitrix24.New(cfg)
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	uid := *userID
	if uid == 0 && cfg.Auth.Webhook != nil {
		uid = cfg.Auth.Webhook.UserID
	}
	if uid == 0 {
		if uid, err = recorder.CurrentUserID(ctx, client); err != nil {
			return fmt.Errorf("record: who the access token belongs to is unknown (%v); set -user-id", err)
		}
	}
	rec, err := recorder.Record(ctx, client, uid, recorder.Options{
		IDs: ids.values, Searches: searches.values, Anonymize: *anonymize, AnonymizeTitles: *anonymizeTitles,
		SkipMembers: *noMembers, SkipUsers: *noUsers,
		Warn: func(msg string) { fmt.Fprintln(os.Stderr, "Warning:", client.Redactor().Clean(msg)) },
	})
	if err != nil {
		return fmt.Errorf("record: %s", client.Redactor().String(err.Error()))
	}
	if *out == "-" {
		_, err = os.Stdout.Write(rec.JSON)
	} else {
		err = os.WriteFile(*out, rec.JSON, 0o644)
	}
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	name := *out
	if name == "-" {
		name = "FILE"
	}
	fmt.Fprintf(os.Stderr, "Recorded %d dialogs and %d users into %s.\n", len(rec.Fixtures.Dialogs), len(rec.Fixtures.Users), *out)
	fmt.Fprintf(os.Stderr, "Its webhook exists only in the recording (not a secret; the portal's code is not in the file). Serve and plan with:\n")
	fmt.Fprintf(os.Stderr, "  bitrix24-fakeportal -fixtures %s -port 8024\n", name)
	fmt.Fprintf(os.Stderr, "  BITRIX24_WEBHOOK_URL=http://127.0.0.1:8024%s terraform plan\n", rec.WebhookPath())
	return nil
}
