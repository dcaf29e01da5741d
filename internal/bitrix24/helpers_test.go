package bitrix24

import (
	"net/http"
	"strconv"
)

func fakeResponse(status int) *http.Response {
	return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}}}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
