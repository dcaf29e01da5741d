package bitrix24

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"testing"
)

// readConcurrently reads one dialog n times at once; every read must succeed.
func readConcurrently(t *testing.T, c *Client, n int, id string) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.GetDialog(context.Background(), id); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("read of %s failed: %v", id, err)
	}
}

func fakeResponse(status int) *http.Response {
	return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}}}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
