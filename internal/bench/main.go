// Command bench measures real `terraform plan`s of many Bitrix24 dialogs
// against the fake portal with a standard plan's leaky bucket (burst 50,
// then 2 per second) and 50 ms latency, for three shapes:
//
//   - bitrix24_dialog with for_each, reads coalesced into batch calls;
//   - the same with coalescing off (batch_window = "0s");
//   - one bitrix24_dialogs read.
//
// For each run it prints N, the shape, the HTTP requests the portal received,
// how many of them it answered QUERY_LIMIT_EXCEEDED, the plan's wall time
// and its floor (the least time the bucket lets the accepted requests through),
// the provider's peak RSS, and the wall time of the same plan against a
// portal with no limit and no latency (a self-hosted portal), once with the
// provider's default pacing and once with pacing off (rate_limit = 0).
// Every figure comes from the run.
//
//	TF_ACC_TERRAFORM_PATH=$(bash .ci/terraform.sh) go run ./internal/bench -n 1,50,200,1000
//	TF_ACC_TERRAFORM_PATH=... go run ./internal/bench -n 10000 -shapes bitrix24_dialogs
//	TF_ACC_TERRAFORM_PATH=... go run ./internal/bench -concurrent 8 -n 1000 -shapes bitrix24_dialogs
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/fakeportal"
	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/planharness"
)

type shape struct {
	name   string
	config func(n int) string
}

var shapes = []shape{
	{"for_each, coalesced", func(n int) string { return forEach(n, "") }},
	{"for_each, no coalescing", func(n int) string { return forEach(n, `batch_window = "0s"`) }},
	{"bitrix24_dialogs", func(n int) string {
		return fmt.Sprintf(`
locals {
  ids = %s
}
data "bitrix24_dialogs" "all" {
  dialog_ids = local.ids
}
output "sum" {
  value = sum([for d in data.bitrix24_dialogs.all.dialogs : d.id])
}
`, idList(n))
	}},
}

// idList is an HCL expression for the ids chatFIRST … chatFIRST+n-1.
// Terraform's range() makes at most 1024 values, so it is built in
// blocks of 1000.
func idList(n int) string {
	return fmt.Sprintf(`slice(flatten([for a in range(0, %d) : [for b in range(0, 1000) : "chat${%d + a * 1000 + b}"]]), 0, %d)`,
		(n+999)/1000, first, n)
}

const first = 100000

func forEach(n int, extra string) string {
	return fmt.Sprintf(`
provider "bitrix24" {
  %s
}
locals {
  ids = toset(%s)
}
data "bitrix24_dialog" "each" {
  for_each  = local.ids
  dialog_id = each.value
}
output "sum" {
  value = sum([for d in data.bitrix24_dialog.each : d.id])
}
`, extra, idList(n))
}

type result struct {
	requests, queryLimit int
	wall                 time.Duration
	peakRSSKiB           int64
	err                  error
}

func main() {
	var (
		ns         = flag.String("n", "1,50,200,1000", "comma-separated dialog counts")
		only       = flag.String("shapes", "", "run only shapes whose name contains this text")
		latency    = flag.Duration("latency", 50*time.Millisecond, "portal latency per request")
		rate       = flag.Float64("rate", 2, "portal leaky bucket drain, requests per second")
		burst      = flag.Int("burst", 50, "portal leaky bucket size")
		skipNoCoal = flag.Int("max-n-no-coalescing", 1000, "skip the no-coalescing shape above this N (it takes N/2 seconds)")
		concurrent = flag.Int("concurrent", 0, "instead, run this many plans at once against one shared portal, for each N and shape")
	)
	flag.Parse()
	var err error
	if *concurrent > 0 {
		err = runConcurrent(*ns, *only, *concurrent, *latency, *rate, *burst)
	} else {
		err = run(*ns, *only, *latency, *rate, *burst, *skipNoCoal)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(nsFlag, only string, latency time.Duration, rate float64, burst, maxNoCoal int) error {
	tf, work, bin, rc, err := prepare()
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "N\tshape\trequests\trequests/dialog\tQUERY_LIMIT_EXCEEDED\tplan wall\tfloor\tprovider peak RSS\t"+
		"unlimited portal, 0 ms, default pacing: wall\tpacing off: wall\tpacing off: peak RSS\t\n")
	for _, field := range strings.Split(nsFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil || n < 1 {
			return fmt.Errorf("bad -n value %q", field)
		}
		for _, s := range shapes {
			if only != "" && !strings.Contains(s.name, only) {
				continue
			}
			if strings.Contains(s.name, "no coalescing") && n > maxNoCoal {
				continue
			}
			limited := plan(tf, rc, bin, work, s.config(n), n, fakeportal.Faults{RateLimit: rate, RateBurst: burst, Latency: latency}, nil)
			// A portal with no limit (self-hosted): the provider with its
			// default pacing, then with pacing off.
			paced := plan(tf, rc, bin, work, s.config(n), n, fakeportal.Faults{}, nil)
			free := plan(tf, rc, bin, work, s.config(n), n, fakeportal.Faults{}, []string{"BITRIX24_RATE_LIMIT=0"})
			for _, r := range []result{limited, paced, free} {
				if r.err != nil {
					return fmt.Errorf("plan of %d dialogs (%s): %w", n, s.name, r.err)
				}
			}
			row := fmt.Sprintf("%d\t%s\t%d\t%.3f\t%d\t%s\t%s\t%.1f MiB\t%s\t%s\t%.1f MiB\t\n", n, s.name, limited.requests,
				float64(limited.requests)/float64(n), limited.queryLimit, limited.wall.Round(10*time.Millisecond),
				floor(limited.requests-limited.queryLimit, rate, burst).Round(10*time.Millisecond),
				float64(limited.peakRSSKiB)/1024, paced.wall.Round(10*time.Millisecond), free.wall.Round(10*time.Millisecond),
				float64(free.peakRSSKiB)/1024)
			fmt.Fprint(os.Stderr, strings.ReplaceAll(row, "\t", " | "))
			fmt.Fprint(tw, row)
		}
	}
	return tw.Flush()
}

// plan runs one terraform plan against a fresh portal and measures it.
func plan(tf, rc, bin, work, config string, n int, faults fakeportal.Faults, env []string) result {
	portal := fakeportal.New(fakeportal.DefaultFixtures())
	portal.AddDialogs(fakeportal.GroupChats(n, first, 1)...)
	portal.SetFaults(faults)
	srv := httptest.NewServer(portal)
	defer func() { portal.Close(); srv.Close() }()

	r, _ := planOn(tf, rc, bin, work, config, n, srv.URL, env, true)
	if r.err != nil {
		return r
	}
	st := portal.Stats()
	for _, v := range st.Requests {
		r.requests += v
	}
	r.queryLimit = st.Errors["QUERY_LIMIT_EXCEEDED"]
	return r
}

// planOn runs one terraform plan against the portal at url and checks
// that it shows every dialog; it also returns the plan's output.
func planOn(tf, rc, bin, work, config string, n int, url string, env []string, watchRSS bool) (result, string) {
	dir, err := os.MkdirTemp(work, "plan-")
	if err != nil {
		return result{err: err}, ""
	}
	defer os.RemoveAll(dir)
	header := "terraform {\n  required_providers {\n    bitrix24 = { source = \"tf-bitrix24/bitrix24\" }\n  }\n}\n"
	if !strings.Contains(config, `provider "bitrix24"`) {
		header += "provider \"bitrix24\" {}\n"
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(header+config), 0o600); err != nil {
		return result{err: err}, ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	extra := map[string]string{"BITRIX24_WEBHOOK_URL": url + "/rest/1/demowebhookcode1/"}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		extra[k] = v
	}
	var peak *rssWatcher
	if watchRSS {
		peak = newRSSWatcher(bin)
	}
	r := planharness.Plan(ctx, tf, dir, planharness.Env(rc, extra), nil)
	var rss int64
	if peak != nil {
		rss = peak.stop()
	}
	if r.Err != nil {
		return result{err: fmt.Errorf("%v\n%s", r.Err, lastLines(r.Output, 30)), wall: r.Took}, r.Output
	}
	want := 0
	for i := 0; i < n; i++ {
		want += first + i
	}
	if !strings.Contains(r.Output, fmt.Sprintf("sum = %d", want)) {
		return result{err: fmt.Errorf("the plan does not show every dialog:\n%s", lastLines(r.Output, 30)), wall: r.Took}, r.Output
	}
	return result{wall: r.Took, peakRSSKiB: rss}, r.Output
}

// prepare finds the Terraform CLI, builds the provider into a new work
// directory and writes a CLI configuration that takes it from there. The
// caller removes work.
func prepare() (tf, work, bin, rc string, err error) {
	tf = os.Getenv("TF_ACC_TERRAFORM_PATH")
	if tf == "" {
		return "", "", "", "", errors.New("set TF_ACC_TERRAFORM_PATH to a Terraform CLI (make bench does)")
	}
	if work, err = os.MkdirTemp("", "tf-bitrix24-bench-"); err != nil {
		return "", "", "", "", err
	}
	fmt.Fprintln(os.Stderr, "building the provider...")
	binDir := filepath.Join(work, "bin")
	if err = os.MkdirAll(binDir, 0o700); err == nil {
		err = planharness.BuildProvider(".", binDir, false)
	}
	if err == nil {
		rc, err = planharness.WriteCLIConfig(work, binDir)
	}
	if err != nil {
		_ = os.RemoveAll(work)
		return "", "", "", "", err
	}
	return tf, work, filepath.Join(binDir, planharness.BinaryName), rc, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// rssWatcher samples the provider process's peak RSS (VmHWM) from /proc.
type rssWatcher struct {
	done chan struct{}
	wg   sync.WaitGroup
	peak int64
}

func newRSSWatcher(bin string) *rssWatcher {
	w := &rssWatcher{done: make(chan struct{})}
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			if kib := peakRSS(bin); kib > w.peak {
				w.peak = kib
			}
			select {
			case <-w.done:
				return
			case <-tick.C:
			}
		}
	}()
	return w
}

func (w *rssWatcher) stop() int64 {
	close(w.done)
	w.wg.Wait()
	return w.peak
}

// peakRSS returns the largest VmHWM of the running processes of bin, in KiB.
func peakRSS(bin string) int64 {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	var peak int64
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err != nil || exe != bin {
			continue
		}
		f, err := os.Open(filepath.Join("/proc", e.Name(), "status"))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
				fields := strings.Fields(rest)
				if len(fields) > 0 {
					if kib, err := strconv.ParseInt(fields[0], 10, 64); err == nil && kib > peak {
						peak = kib
					}
				}
			}
		}
		_ = f.Close()
	}
	return peak
}
