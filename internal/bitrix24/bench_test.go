package bitrix24

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/fakeportal"
)

func BenchmarkDecodeDialog(b *testing.B) {
	data, err := os.ReadFile("testdata/doc_2026_crm.json")
	if err != nil {
		b.Fatal(err)
	}
	var env envelope
	if json.Unmarshal(data, &env) != nil {
		b.Fatal("sample does not decode")
	}
	b.SetBytes(int64(len(env.Result)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeDialog(env.Result); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetDialogs reads 1000 dialogs from an in-process fake portal
// with no limits: the client's own cost per dialog, in 20 batch calls.
func BenchmarkGetDialogs(b *testing.B) {
	p := fakeportal.New(fakeportal.DefaultFixtures())
	p.AddDialogs(fakeportal.GroupChats(1000, 100000, 1)...)
	srv := p.Start()
	defer srv.Close()
	hook, _ := ParseWebhookURL(srv.URL + "/rest/1/demowebhookcode1/")
	c, err := New(Config{Auth: Auth{Webhook: &hook}, RateLimit: 1e6, RateLimitBurst: 1e6})
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]string, 1000)
	for i := range ids {
		ids[i] = fmt.Sprint("chat", 100000+i)
	}
	b.ReportAllocs()
	for b.Loop() {
		got, failed, err := c.GetDialogs(context.Background(), ids)
		if err != nil || len(failed) != 0 || len(got) != 1000 {
			b.Fatalf("%d dialogs, %d failed, %v", len(got), len(failed), err)
		}
	}
	b.ReportMetric(float64(p.Requests("batch"))/float64(b.N), "requests/op")
}
