package provider

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/bitrix24"
	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/fakeportal"
)

// hasPath reports whether any diagnostic points at an attribute, which
// makes Terraform print that configuration line.
func hasPath(diags diag.Diagnostics) bool {
	for _, d := range diags {
		if dp, ok := d.(diag.DiagnosticWithPath); ok && !dp.Path().Equal(path.Empty()) {
			return true
		}
	}
	return false
}

// Every numeric and duration setting says what it takes in its own words:
// the range, how 0 is read, the value given; never the framework's
// "between 0.000000 and 1000.000000" or a duration repeated twice.
func TestUnitTuning_rangeMessages(t *testing.T) {
	for _, tc := range []struct {
		attr, value string
		want        []string
	}{
		{"rate_limit", "-1", []string{"rate_limit", "0 (off) or a number from 0.01 to 1000", "got -1."}},
		{"rate_limit", "1e-9", []string{"0 (off) or a number from 0.01 to 1000", "got 1e-9"}},
		{"rate_limit", "1e-11", []string{"from 0.01 to 1000"}},
		{"rate_limit", "fast", []string{`got "fast"`}},
		{"rate_limit", "NaN", []string{`from 0.01 to 1000`}},
		{"rate_limit_burst", "0", []string{"a whole number from 1 to 10000", "got 0."}},
		{"max_retries", "1.5", []string{"a whole number from 0 to 20", "got 1.5."}},
		{"max_retries", "-1", []string{"a whole number from 0 to 20"}},
		{"busy_timeout", "2h", []string{"a duration from 1s to 1h,", `got "2h".`}},
		{"request_timeout", "90m", []string{"a duration from 1s to 1h", `got "90m"`}},
		{"request_timeout", "thirty seconds", []string{`such as "30s"`, `got "thirty seconds"`}},
		{"batch_window", "5s", []string{"a duration from 0s to 1s"}},
	} {
		t.Run(tc.attr+"="+tc.value, func(t *testing.T) {
			env := map[string]string{settingByAttr(tc.attr).env: tc.value}
			for _, s := range []settings{testSettings(map[string]string{tc.attr: tc.value}, nil), testSettings(nil, env)} {
				_, diags := resolveTuning(s)
				text := diagText(diags)
				for _, w := range tc.want {
					if !strings.Contains(text, w) {
						t.Errorf("want %q in %s", w, text)
					}
				}
				if strings.Count(text, "got") != 1 || strings.Contains(text, "000000") {
					t.Errorf("the message repeats the value or shows the framework's numbers: %s", text)
				}
			}
			// The schema validator says the same.
			var diags diag.Diagnostics
			v := settingValidator{settingByAttr(tc.attr)}
			p := path.Root(tc.attr)
			if v.spec.kind == kindDuration {
				var resp validator.StringResponse
				v.ValidateString(context.Background(), validator.StringRequest{Path: p, ConfigValue: types.StringValue(tc.value)}, &resp)
				diags = resp.Diagnostics
			} else if f, ok := new(big.Float).SetString(tc.value); ok {
				x, _ := f.Float64()
				var resp validator.Float64Response
				v.ValidateFloat64(context.Background(), validator.Float64Request{Path: p, ConfigValue: types.Float64Value(x)}, &resp)
				diags = resp.Diagnostics
			} else {
				return // Not a number: HCL refuses it before any validator.
			}
			if text := diagText(diags); !strings.Contains(text, tc.want[0]) || strings.Count(text, "got") != 1 {
				t.Errorf("validator: want %q once, got %s", tc.want[0], text)
			}
		})
	}
}

func TestUnitTuning_values(t *testing.T) {
	cfg, diags := resolveTuning(testSettings(map[string]string{"rate_limit": "0", "request_timeout": "2m", "max_retries": "0"},
		map[string]string{"BITRIX24_RATE_LIMIT_BURST": "250", "BITRIX24_BATCH_WINDOW": " 0s ", "BITRIX24_MAX_RETRIES": "9"}))
	if diags.HasError() {
		t.Fatal(diagText(diags))
	}
	if cfg.RateLimit != 0 || cfg.RateLimitBurst != 250 || cfg.MaxRetries != 0 || cfg.RequestTimeout != 2*time.Minute ||
		cfg.BatchWindow != 0 || cfg.BusyTimeout != bitrix24.DefaultBusyTimeout {
		t.Fatalf("got %+v", cfg)
	}
	cfg, _ = resolveTuning(testSettings(map[string]string{"rate_limit": "0.01"}, nil))
	if cfg.RateLimit != 0.01 {
		t.Fatalf("rate_limit 0.01: got %v", cfg.RateLimit)
	}
	if got := shortDuration(time.Hour); got != "1h" {
		t.Errorf("shortDuration(1h) = %q", got)
	}
	if got := shortDuration(90 * time.Second); got != "1m30s" {
		t.Errorf("shortDuration(90s) = %q", got)
	}
}

// Secrets from the configuration are trimmed as those from the
// environment are: access_token = file("token.txt") loses its newline.
func TestUnitSettings_secretsAreTrimmed(t *testing.T) {
	s := testSettings(map[string]string{attrPortalURL: "https://x.example.com", attrAccessToken: "file-token-0001\n"}, nil)
	auth, diags := resolveAuth(s)
	if diags.HasError() || auth.OAuth == nil || auth.OAuth.AccessToken != "file-token-0001" {
		t.Fatalf("got %+v, %s", auth.OAuth, diagText(diags))
	}
	s = testSettings(nil, map[string]string{"BITRIX24_WEBHOOK_URL": " https://x.example.com/rest/1/envcode12345/\n"})
	if auth, _ := resolveAuth(s); auth.Webhook == nil || auth.Webhook.Code != "envcode12345" {
		t.Fatalf("got %+v", auth.Webhook)
	}
}

func testCAPEM(t *testing.T) string {
	t.Helper()
	ca, err := fakeportal.NewTestCA()
	if err != nil {
		t.Fatal(err)
	}
	return string(ca.PEM)
}

func privateKeyPEM(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// Errors about ca_cert_pem never show its value: they point at the
// provider block, not the configuration line, and do not quote it. A
// private key gets its own message.
func TestUnitCAs_errorsNeverShowTheValue(t *testing.T) {
	key := privateKeyPEM(t)
	body := strings.Split(key, "\n")[1]
	for name, tc := range map[string]struct {
		value string
		want  string
	}{
		"private key":             {key, "this is a private key, not a CA certificate"},
		"certificate and key":     {testCAPEM(t) + key, "this is a private key, not a CA certificate"},
		"RSA private key":         {strings.ReplaceAll(key, "PRIVATE KEY", "RSA PRIVATE KEY"), "this is a private key"},
		"not PEM":                 {"hello secret text", "holds no PEM certificate"},
		"broken certificate body": {"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "cannot be parsed"},
	} {
		t.Run(name, func(t *testing.T) {
			for _, s := range []settings{testSettings(map[string]string{attrCACertPEM: tc.value}, nil), testSettings(nil, map[string]string{"BITRIX24_CA_CERT_PEM": tc.value})} {
				pool, diags := resolveCAs(context.Background(), s)
				text := diagText(diags)
				if pool != nil || !strings.Contains(text, tc.want) {
					t.Fatalf("want %q, got %s", tc.want, text)
				}
				if hasPath(diags) {
					t.Fatalf("the error points at the configuration line, which Terraform prints: %s", text)
				}
				if strings.Contains(text, body) || strings.Contains(text, "hello secret") {
					t.Fatalf("the error shows the value: %s", text)
				}
			}
		})
	}
	if pool, diags := resolveCAs(context.Background(), testSettings(map[string]string{attrCACertPEM: testCAPEM(t)}, nil)); pool == nil || diags.HasError() {
		t.Fatalf("a CA certificate is refused: %s", diagText(diags))
	}
}

// ca_cert_file is a regular file of at most 1 MiB: a FIFO, a device or a
// directory is refused at once, without opening or reading it.
func TestUnitCAs_fileMustBeARegularBoundedFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	big := filepath.Join(dir, "big.pem")
	if err := os.WriteFile(big, make([]byte, maxCAFileBytes+1), 0o600); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(good, []byte(testCAPEM(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]string{
		fifo:                    "not a regular file (its type is a named pipe)",
		"/dev/zero":             "not a regular file (its type is a character device)",
		dir:                     "it is a directory",
		big:                     "larger than 1024 KiB",
		filepath.Join(dir, "x"): "no such file or directory",
	} {
		done := make(chan diag.Diagnostics, 1)
		go func() {
			_, diags := resolveCAs(context.Background(), testSettings(map[string]string{attrCACertFile: file}, nil))
			done <- diags
		}()
		select {
		case diags := <-done:
			if text := diagText(diags); !strings.Contains(text, want) || !strings.Contains(text, "Cannot read the Bitrix24 CA file") {
				t.Errorf("%s: want %q, got %s", file, want, text)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: reading ca_cert_file blocks", file)
		}
	}
	if pool, diags := resolveCAs(context.Background(), testSettings(map[string]string{attrCACertFile: good}, nil)); pool == nil || diags.HasError() {
		t.Fatalf("a CA file is refused: %s", diagText(diags))
	}
}

// A read of ca_cert_file that hangs (a stuck network file system) stops
// when the plan is interrupted.
func TestUnitCAs_fileReadStopsWithContext(t *testing.T) {
	file := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(file, []byte(testCAPEM(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	hang := make(chan struct{})
	defer close(hang)
	orig := openCAFile
	openCAFile = func(string) (*os.File, error) { <-hang; return nil, errors.New("released") }
	defer func() { openCAFile = orig }()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, diags := resolveCAs(ctx, testSettings(map[string]string{attrCACertFile: file}, nil))
	if text := diagText(diags); !strings.Contains(text, "interrupted") {
		t.Fatalf("want an interrupted read, got %s", text)
	}
}

// An http:// oauth_url of another machine gets a warning naming oauth_url,
// as a plain-http portal does; loopback and https do not.
func TestUnitWarnings_plainHTTPOAuthURL(t *testing.T) {
	for tokenURL, warn := range map[string]bool{
		"http://oauth.example.com/oauth/token/":  true,
		"HTTP://10.0.0.5/oauth/token/":           true,
		"http://127.0.0.1:8080/oauth/token/":     false,
		"http://localhost/oauth/token/":          false,
		"https://oauth.example.com/oauth/token/": false,
		"":                                       false,
	} {
		diags := plainHTTPWarning(bitrix24.Auth{OAuth: &bitrix24.OAuth{PortalURL: "https://x.example.com", TokenURL: tokenURL}})
		text := diagText(diags)
		if got := strings.Contains(text, "oauth_url") && strings.Contains(text, "client_secret and refresh_token"); got != warn {
			t.Errorf("%q: warning %v, want %v: %s", tokenURL, got, warn, text)
		}
	}
}

// portal_url that holds a whole webhook URL says to use webhook_url,
// without showing the code or pointing at the configuration line; other
// portal_url errors give one example.
func TestUnitPortalURL_messages(t *testing.T) {
	const code = "pastedcode12345"
	for _, value := range []string{"https://x.bitrix24.com/rest/1/" + code + "/", "https://x.bitrix24.com/rest/1/" + code} {
		s := testSettings(map[string]string{attrPortalURL: value, attrAccessToken: "access-token-0001"}, nil)
		_, diags := resolveAuth(s)
		text := diagText(diags)
		if !strings.Contains(text, "use") || !strings.Contains(text, "webhook_url") || strings.Contains(text, code) || hasPath(diags) {
			t.Errorf("%s: %s", value, text)
		}
	}
	_, diags := resolveAuth(testSettings(map[string]string{attrPortalURL: "https://x.bitrix24.com/crm/", attrAccessToken: "access-token-0001"}, nil))
	if text := diagText(diags); strings.Count(text, "for example") != 1 || !strings.Contains(text, "no path") {
		t.Errorf("want one example: %s", text)
	}
	_, diags = resolveAuth(testSettings(map[string]string{attrPortalURL: "http://[fe80::1%25eth0]:8080", attrAccessToken: "access-token-0001"}, nil))
	if text := diagText(diags); !strings.Contains(text, "zone") {
		t.Errorf("an IPv6 zone is not refused: %s", text)
	}
	_, diags = resolveAuth(testSettings(map[string]string{attrWebhookURL: "http://[fe80::1%25eth0]/rest/1/code12345/"}, nil))
	if text := diagText(diags); !strings.Contains(text, "zone") || strings.Contains(text, "code12345") {
		t.Errorf("an IPv6 zone in webhook_url: %s", text)
	}
}

// The OAuth URL error names the default of this portal.
func TestUnitOAuthURL_defaultInError(t *testing.T) {
	_, diags := resolveAuth(testSettings(map[string]string{attrPortalURL: "https://x.bitrix24.ru", attrAccessToken: "access-token-0001", attrOAuthURL: "oauth.example"}, nil))
	if text := diagText(diags); !strings.Contains(text, bitrix24.OAuthTokenURLTech) {
		t.Errorf("want the .ru default: %s", text)
	}
}

// dialog_id() says what is wrong with a number that is not a chat id, in
// its own words rather than the framework's "%!s(*big.Float=1.5)".
func TestUnitFunctions_dialogIDNumbers(t *testing.T) {
	for in, want := range map[string]string{
		"1.5":  "chat_id must be a positive whole number, got 1.5, which has a fraction",
		"0":    "chat_id must be a positive whole number, got 0",
		"-3":   "chat_id must be a positive whole number, got -3",
		"1e30": "chat_id must be a positive whole number of at most 9223372036854775807",
		"1439": "",
	} {
		n, _, err := big.ParseFloat(in, 10, 512, big.ToNearestEven)
		if err != nil {
			t.Fatal(err)
		}
		resp := function.RunResponse{Result: function.NewResultData(types.StringUnknown())}
		dialogIDFunction{}.Run(context.Background(), function.RunRequest{Arguments: function.NewArgumentsData([]attr.Value{types.NumberValue(n)})}, &resp)
		got := ""
		if resp.Error != nil {
			got = resp.Error.Text
		}
		switch {
		case want == "" && got != "":
			t.Errorf("dialog_id(%s): %s", in, got)
		case want == "":
			if result, ok := resp.Result.Value().(types.String); !ok || result.ValueString() != "chat1439" {
				t.Errorf("dialog_id(%s) = %v (%T)", in, resp.Result.Value(), resp.Result.Value())
			}
		case !strings.HasPrefix(got, want) || strings.Contains(got, "big.Float"):
			t.Errorf("dialog_id(%s): got %q, want %q", in, got, want)
		}
	}
}

// A setting the configuration leaves empty (webhook_url = var.hook with
// the variable's default "") takes its environment variable, as a null
// one does: an empty value is no value, and it must not hide
// BITRIX24_WEBHOOK_URL behind "Missing Bitrix24 credentials".
func TestUnitSettings_emptyConfigurationValueTakesTheEnvironment(t *testing.T) {
	env := map[string]string{"BITRIX24_WEBHOOK_URL": "https://x.example.com/rest/1/envcode12345/"}
	for _, empty := range []string{"", "  ", "\n"} {
		s := testSettings(map[string]string{attrWebhookURL: empty}, env)
		auth, diags := resolveAuth(s)
		if diags.HasError() || auth.Webhook == nil || auth.Webhook.Code != "envcode12345" {
			t.Fatalf("webhook_url = %q with BITRIX24_WEBHOOK_URL set: got %+v, %s", empty, auth.Webhook, diagText(diags))
		}
	}
}
