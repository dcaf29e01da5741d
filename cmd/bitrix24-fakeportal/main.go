// Command bitrix24-fakeportal serves the in-memory Bitrix24 portal on
// loopback, for the offline demo and for offline CI plans.
//
//	go run ./cmd/bitrix24-fakeportal -port 8024 -fixtures my.json
//
// It prints the portal URL and the demo webhook URL, then serves until
// interrupted. Its record subcommand reads chats from a real portal into a
// fixtures file (see record.go).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/fakeportal"
	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/recorder"
)

func main() {
	run := serve
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "record":
			run = func() error { return record(os.Args[2:]) }
		case "serve":
			os.Args = append(os.Args[:1], os.Args[2:]...)
		}
	}
	if err := run(); err != nil {
		log.SetFlags(0)
		log.Fatal(errorMessage(err))
	}
}

// errorMessage is how the command shows err: a credentials error is
// followed by the environment variables that give them.
func errorMessage(err error) string {
	var credErr *recorder.CredentialsError
	if errors.As(err, &credErr) {
		return fmt.Sprintf("bitrix24-fakeportal: %v\n%s", err, recorder.AuthHelp)
	}
	return fmt.Sprintf("bitrix24-fakeportal: %v", err)
}

const usage = `bitrix24-fakeportal serves an in-memory Bitrix24 portal on loopback: webhook and OAuth auth,
im.dialog.get, batch, the portal's error codes, its rate and operating-time limits, and injected faults.
Plan a Terraform configuration against it without a real portal, in your own CI or on a laptop.

Without -fixtures it serves the demo portal:
  webhook  /rest/1/demowebhookcode1/  (user 1, scope im; not a secret: it exists only here)
  token    demo-access-token-1        (OAuth, user 1, scope im)
  chats    chat42 (also sg103) "Platform on-call", chat1439 (a CRM deal chat), chat21191, the private
           dialog with user 5, and chat99 (user 1 is not a member: ACCESS_ERROR)
           (internal/fakeportal/fixtures/default.json)

A fixtures file has the same shape as default.json; internal/fakeportal/fixtures/README.md explains each
field. A file with no webhooks and no tokens starts a portal that accepts no one. "bitrix24-fakeportal record"
writes one from the chats of a real portal.

Usage:
  bitrix24-fakeportal [serve] [flags]
  bitrix24-fakeportal record -out FILE [-ids chat1,chat42,5] [-search TEXT] [-anonymize]   (record -help)

Flags:
`

func serve() error {
	flag.Usage = func() {
		fmt.Fprint(flag.CommandLine.Output(), usage)
		flag.PrintDefaults()
	}
	var (
		host      = flag.String("host", "127.0.0.1", "address to listen on (keep it on loopback)")
		port      = flag.Int("port", 0, "port to listen on; 0 picks a free one")
		fixtures  = flag.String("fixtures", "", "JSON fixtures file; the built-in demo portal when empty")
		chats     = flag.Int("generate-chats", 0, "also add this many group chats chat100000… readable by user 1")
		urlFile   = flag.String("url-file", "", "write the portal URL to this file once listening")
		f         fakeportal.Faults
		rateLimit = flag.Float64("rate-limit", 0, "leaky bucket drain, requests per second (0: no limit; a standard portal: 2)")
		rateBurst = flag.Int("rate-burst", 50, "leaky bucket size")
	)
	flag.Float64Var(&f.OperatingLimit, "operating-limit", 0, "operating-time limit per method, in seconds (0: off)")
	flag.Float64Var(&f.OperatingCost, "operating-cost", 0.01, "seconds each call adds to its method's operating time")
	flag.DurationVar(&f.OperatingWindow, "operating-window", 10*time.Minute, "operating-time window")
	flag.IntVar(&f.FailNext, "fail-next", 0, "fail this many requests")
	flag.IntVar(&f.FailStatus, "fail-status", 500, "HTTP status of failed requests: 500, 502, 503 or 504")
	flag.IntVar(&f.HTMLNext, "html-next", 0, "answer this many requests with an HTML maintenance page")
	flag.IntVar(&f.ResetNext, "reset-next", 0, "reset the connection of this many requests")
	flag.IntVar(&f.SlowNext, "slow-next", 0, "delay this many requests by -slow")
	flag.DurationVar(&f.Slow, "slow", 5*time.Second, "delay of slow requests")
	flag.BoolVar(&f.Hang, "hang", false, "never answer")
	flag.DurationVar(&f.Latency, "latency", 0, "latency added to every request")
	flag.DurationVar(&f.TokenTTL, "token-ttl", time.Hour, "life of access tokens issued by /oauth/token/")
	flag.Parse()
	if *rateLimit > 0 {
		f.RateLimit, f.RateBurst = *rateLimit, *rateBurst
	}

	fx := fakeportal.DefaultFixtures()
	if *fixtures != "" {
		var err error
		if fx, err = fakeportal.LoadFixtures(*fixtures); err != nil {
			return err
		}
	}
	if *chats > 0 {
		fx.Dialogs = append(fx.Dialogs, fakeportal.GroupChats(*chats, 100000, 1, 2)...)
	}
	portal := fakeportal.New(fx)
	portal.SetFaults(f)

	ln, err := net.Listen("tcp", net.JoinHostPort(*host, strconv.Itoa(*port)))
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	if *urlFile != "" {
		if err := os.WriteFile(*urlFile, []byte(base+"\n"), 0o600); err != nil {
			return err
		}
	}
	fmt.Printf("Bitrix24 fake portal listening on %s\n", base)
	if len(fx.Webhooks) > 0 {
		w := fx.Webhooks[0]
		fmt.Printf("Demo webhook (not a secret, it exists only here): %s/rest/%d/%s/\n", base, w.UserID, w.Code)
	}
	if len(fx.Webhooks) == 0 && len(fx.Tokens) == 0 {
		fmt.Fprintln(os.Stderr, "Warning: the fixtures have no webhooks and no tokens, so every request will be refused with NO_AUTH_FOUND. "+
			"Add a \"webhooks\" entry (see internal/fakeportal/fixtures/README.md).")
	}

	srv := &http.Server{Handler: portal, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		portal.Close()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	fmt.Printf("Bitrix24 fake portal stopped; it received %s\n", portal.Stats().Summary())
	return nil
}
