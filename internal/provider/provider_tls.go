package provider

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/bitrix24"
)

// maxCAFileBytes bounds ca_cert_file: a bundle of every public CA is
// about 200 KB.
const maxCAFileBytes = 1 << 20

// resolveCAs builds the pool of trusted CAs: the system's plus those of
// ca_cert_pem and ca_cert_file. It is nil when neither is set. Its errors
// never point at the configuration line: Terraform would print it, and
// what was pasted there may be a private key.
func resolveCAs(ctx context.Context, s settings) (*x509.CertPool, diag.Diagnostics) {
	var diags diag.Diagnostics
	var pems [][]byte
	for _, st := range []setting{s[attrCACertPEM], s[attrCACertFile]} {
		if !st.set() {
			continue
		}
		st.sensitive = true // Errors point at the provider block (addSettingError).
		data := []byte(st.value)
		if st.attr == attrCACertFile {
			var err error
			if data, err = readCAFile(ctx, st.value); err != nil {
				addSettingError(&diags, st, "Cannot read the Bitrix24 CA file",
					fmt.Sprintf("The file named by %s cannot be read: %s. Give the path of a PEM file of CA certificates.", st.source(), err))
				continue
			}
		}
		// Each source alone, so that the error names the one at fault.
		_, err := bitrix24.CertPool(data)
		switch {
		case errors.Is(err, bitrix24.ErrPrivateKey):
			addSettingError(&diags, st, "Private key in the Bitrix24 CA setting",
				fmt.Sprintf("The value of %s holds a PRIVATE KEY block: this is a private key, not a CA certificate. Remove it from %s "+
					"(and treat the key as exposed if it was shared), and give the CA's certificate, from -----BEGIN CERTIFICATE----- to "+
					"-----END CERTIFICATE-----.", st.source(), st.attr))
			continue
		case err != nil:
			addSettingError(&diags, st, "Invalid Bitrix24 CA certificate",
				fmt.Sprintf("The value of %s %s. Give one or more PEM blocks, each from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----.", st.source(), err))
			continue
		}
		pems = append(pems, data)
	}
	if len(pems) == 0 || diags.HasError() {
		return nil, diags
	}
	pool, err := bitrix24.CertPool(pems...)
	if err != nil {
		diags.AddError("Invalid Bitrix24 CA certificate", err.Error())
	}
	return pool, diags
}

// openCAFile opens ca_cert_file; tests replace it.
var openCAFile = func(name string) (*os.File, error) {
	// O_NONBLOCK: opening a FIFO for reading waits for a writer; this
	// open never waits. Only regular files are read.
	return os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}

// readCAFile reads ca_cert_file: a regular file of at most maxCAFileBytes.
// A FIFO, a device or a directory is refused before it is read, and the
// read stops when ctx ends (Ctrl-C).
func readCAFile(ctx context.Context, name string) ([]byte, error) {
	type result struct {
		data []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		data, err := readRegularFile(name, maxCAFileBytes)
		done <- result{data, err}
	}()
	select {
	case r := <-done:
		return r.data, r.err
	case <-ctx.Done():
		return nil, errors.New("reading it was interrupted")
	}
}

func readRegularFile(name string, limit int64) ([]byte, error) {
	if fi, err := os.Stat(name); err != nil {
		return nil, pathErr(err)
	} else if err := checkRegular(fi, limit); err != nil {
		return nil, err
	}
	f, err := openCAFile(name)
	if err != nil {
		return nil, pathErr(err)
	}
	defer f.Close()
	// The file may have been replaced since the Stat: check what was opened.
	fi, err := f.Stat()
	if err != nil {
		return nil, pathErr(err)
	}
	if err := checkRegular(fi, limit); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, pathErr(err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("it is larger than %d KiB", limit>>10)
	}
	return data, nil
}

func checkRegular(fi fs.FileInfo, limit int64) error {
	switch m := fi.Mode(); {
	case m.IsDir():
		return errors.New("it is a directory")
	case !m.IsRegular():
		return fmt.Errorf("it is not a regular file (its type is %s)", fileType(m))
	case fi.Size() > limit:
		return fmt.Errorf("it is larger than %d KiB", limit>>10)
	}
	return nil
}

func fileType(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return m.Type().String()
}

// pathErr keeps the reason of a file error: the path is named by the
// message around it.
func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// plainHTTPWarning warns when the webhook code or token would travel
// unencrypted to anything but this machine: to the portal, or, with
// client_secret and refresh_token in its query, to oauth_url.
func plainHTTPWarning(auth bitrix24.Auth) diag.Diagnostics {
	var diags diag.Diagnostics
	base, what := "", ""
	switch {
	case auth.Webhook != nil:
		base, what = auth.Webhook.PortalURL, "the webhook code"
	case auth.OAuth != nil:
		base, what = auth.OAuth.PortalURL, "the access token"
	}
	if plainHTTP(base) {
		diags.AddWarning("Bitrix24 portal URL uses plain http",
			fmt.Sprintf("The portal URL %s starts with http://, so %s travels unencrypted and anyone on the network path can read it. "+
				"Use https://; for a self-hosted portal with a certificate from an internal CA, set ca_cert_pem or ca_cert_file.", base, what))
	}
	if auth.OAuth != nil && plainHTTP(auth.OAuth.TokenURL) {
		diags.AddWarning("Bitrix24 oauth_url uses plain http",
			fmt.Sprintf("oauth_url %s starts with http://, so refreshing the access token sends client_secret and refresh_token "+
				"unencrypted in the request's query, and anyone on the network path can read them. Use https://, or leave oauth_url "+
				"out to use the portal's own OAuth server.", auth.OAuth.TokenURL))
	}
	return diags
}

// plainHTTP reports whether raw is an http:// URL of another machine.
func plainHTTP(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && raw != "" && strings.EqualFold(u.Scheme, "http") && !isLoopback(u.Hostname())
}

// isLoopback reports whether host is this machine: localhost,
// 127.0.0.0/8 or ::1.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
