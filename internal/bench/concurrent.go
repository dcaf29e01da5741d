package main

import (
	"fmt"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/fakeportal"
)

// runConcurrent runs k plans at once against one portal with the real
// leaky bucket, as CI jobs that plan at the same time share a cloud
// portal's budget, and prints how many succeeded, the diagnostics of those
// that did not, and what the portal saw.
func runConcurrent(nsFlag, only string, k int, latency time.Duration, rate float64, burst int) error {
	tf, work, bin, rc, err := prepare()
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	fmt.Printf("%d plans at once against one portal (bucket %g/s, burst %d, latency %s)\n", k, rate, burst, latency)
	fmt.Println("N | shape | plans succeeded | error diagnostics | requests | QUERY_LIMIT_EXCEEDED | refused/accepted | slowest plan | floor | slowest/floor")
	for _, field := range strings.Split(nsFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil || n < 1 {
			return fmt.Errorf("bad -n value %q", field)
		}
		for _, s := range shapes {
			if only != "" && !strings.Contains(s.name, only) {
				continue
			}
			portal := fakeportal.New(fakeportal.DefaultFixtures())
			portal.AddDialogs(fakeportal.GroupChats(n, first, 1)...)
			portal.SetFaults(fakeportal.Faults{RateLimit: rate, RateBurst: burst, Latency: latency})
			srv := httptest.NewServer(portal)
			var wg sync.WaitGroup
			results := make([]result, k)
			outputs := make([]string, k)
			for i := range results {
				wg.Add(1)
				go func() {
					defer wg.Done()
					results[i], outputs[i] = planOn(tf, rc, bin, work, s.config(n), n, srv.URL, nil, false)
				}()
			}
			wg.Wait()
			portal.Close()
			srv.Close()
			ok, diags := 0, 0
			var slowest time.Duration
			for i, r := range results {
				if r.err == nil {
					ok++
				}
				diags += strings.Count(outputs[i], "Error: ")
				slowest = max(slowest, r.wall)
			}
			st := portal.Stats()
			total := 0
			for _, v := range st.Requests {
				total += v
			}
			refused := st.Errors["QUERY_LIMIT_EXCEEDED"]
			fl := floor(total-refused, rate, burst)
			fmt.Printf("%d | %s | %d/%d | %d | %d | %d | %.3f | %s | %s | %.2f\n", n, s.name, ok, k, diags, total, refused,
				float64(refused)/float64(max(total-refused, 1)), slowest.Round(10*time.Millisecond), fl.Round(10*time.Millisecond),
				slowest.Seconds()/max(fl.Seconds(), 0.01))
			for i, r := range results {
				if r.err != nil {
					fmt.Fprintf(os.Stderr, "plan %d failed:\n%s\n", i, lastLines(outputs[i], 15))
					break
				}
			}
		}
	}
	return nil
}

// floor is the least time the portal's bucket lets accepted requests
// through: all but a burst of them drain at its rate.
func floor(accepted int, rate float64, burst int) time.Duration {
	if rate <= 0 || accepted <= burst {
		return 0
	}
	return time.Duration(float64(accepted-burst) / rate * float64(time.Second))
}
