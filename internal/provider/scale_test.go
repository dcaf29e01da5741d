package provider

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/fakeportal"
)

// TestPlan120DialogsUnderTheLeakyBucket plans 120 bitrix24_dialog reads
// (for_each) against a portal with a standard plan's leaky bucket (burst 50,
// then 2 per second). No read may fail, and the portal must never have to
// answer QUERY_LIMIT_EXCEEDED: the provider paces itself.
func TestPlan120DialogsUnderTheLeakyBucket(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, window string
		maxRequests  int
		bound        time.Duration
	}{
		// 120 requests: 49 at once, then 2 per second.
		{"one request per read", `batch_window = "0s"`, 120, 90 * time.Second},
		// Terraform keeps at most 10 reads in flight (-parallelism), so a
		// call holds at most 10 reads: 12 calls at best. How many reads
		// join a call depends on how soon Terraform starts the next ones
		// after a call is answered, which the machine's load decides: 20–22
		// calls with Terraform and 25–30 with OpenTofu 1.12.6 on a loaded
		// 2-core machine. 40 (3 reads a call on average, against 120
		// without coalescing) still fails when coalescing breaks, and stays
		// below the bucket's burst so that pacing plays no part.
		{"coalesced into batch calls", "", 40, 30 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			portal, srv := startPortal(t)
			portal.AddDialogs(fakeportal.GroupChats(120, 10000, 1)...)
			portal.SetFaults(fakeportal.Faults{RateLimit: 2, RateBurst: 50})
			res := planForEach(t, webhookProvider(srv, tc.window), 10000, 120)
			st := portal.Stats()
			if n := st.Errors["QUERY_LIMIT_EXCEEDED"]; n != 0 {
				t.Fatalf("the portal answered QUERY_LIMIT_EXCEEDED %d times", n)
			}
			if len(st.Errors) != 0 {
				t.Fatalf("the portal answered errors: %v", st.Errors)
			}
			total := st.Requests["im.dialog.get"] + st.Requests["batch"]
			if total > tc.maxRequests || st.Commands["im.dialog.get"]+st.Requests["im.dialog.get"] != 120 {
				t.Fatalf("want 120 reads in at most %d requests, got %+v", tc.maxRequests, st)
			}
			if res.took > tc.bound {
				t.Errorf("the plan took %s, more than %s", res.took, tc.bound)
			}
			t.Logf("120 dialogs, %s: %d HTTP requests, %s, requests by method %v", tc.name, total, res.took.Round(10*time.Millisecond), st.Requests)
		})
	}
}

// TestPlanManyDialogsWithLogging reads 300 dialogs in one bitrix24_dialogs
// (six batch calls, four at a time) and 60 bitrix24_dialog, with provider
// logs at debug and a race-detecting provider binary: concurrent calls log with one
// context, which once crashed the provider inside tflog's masking.
func TestPlanManyDialogsWithLogging(t *testing.T) {
	t.Parallel()
	portal, srv := startPortal(t)
	portal.AddDialogs(fakeportal.GroupChats(300, 20000, 1)...)
	config := providerRequirement + webhookProvider(srv) + `
data "bitrix24_dialogs" "all" {
  dialog_ids = [for i in range(20000, 20300) : "chat${i}"]
}
data "bitrix24_dialog" "each" {
  for_each  = toset([for i in range(20000, 20060) : "chat${i}"])
  dialog_id = each.value
}
output "sums" {
  value = [sum([for d in data.bitrix24_dialogs.all.dialogs : d.id]), sum([for d in data.bitrix24_dialog.each : d.id])]
}
`
	// Provider logs only: Terraform's own debug log of 360 reads is slow.
	res := runPlan(t, config, map[string]string{"TF_LOG_PROVIDER": "debug"})
	if res.err != nil {
		t.Fatalf("plan failed: %v\n%s", res.err, tail(res.output))
	}
	wantPlural, wantEach := 300*20000+299*300/2, 60*20000+59*60/2
	if want := fmt.Sprintf("%d,\n      + %d,", wantPlural, wantEach); !strings.Contains(res.output, want) {
		t.Fatalf("the output lacks the sums %d and %d:\n%s", wantPlural, wantEach, tail(res.output))
	}
	if !strings.Contains(res.output, "Sending coalesced dialog reads") {
		t.Fatalf("no debug line of the client was logged")
	}
	if n := portal.Requests("batch"); n < 6 {
		t.Fatalf("want at least 6 batch calls, got %d", n)
	}
}
