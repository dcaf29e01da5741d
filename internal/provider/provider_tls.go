package provider

import (
	"crypto/x509"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/bitrix24"
)

// resolveCAs builds the pool of trusted CAs: the system's plus those of
// ca_cert_pem and ca_cert_file. It is nil when neither is set.
func resolveCAs(s settings) (*x509.CertPool, diag.Diagnostics) {
	var diags diag.Diagnostics
	var pems [][]byte
	for _, st := range []setting{s[attrCACertPEM], s[attrCACertFile]} {
		if !st.set() {
			continue
		}
		data := []byte(st.value)
		if st.attr == attrCACertFile {
			var err error
			if data, err = os.ReadFile(st.value); err != nil {
				addSettingError(&diags, st, "Cannot read the Bitrix24 CA file",
					fmt.Sprintf("The file named by %s cannot be read: %s.", st.source(), strings.TrimPrefix(err.Error(), "open ")))
				continue
			}
		}
		// Each source alone, so that the error names the one at fault.
		if _, err := bitrix24.CertPool(data); err != nil {
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

// plainHTTPWarning warns when the webhook code or token would travel
// unencrypted to anything but this machine.
func plainHTTPWarning(auth bitrix24.Auth) diag.Diagnostics {
	var diags diag.Diagnostics
	base, what := "", ""
	switch {
	case auth.Webhook != nil:
		base, what = auth.Webhook.PortalURL, "the webhook code"
	case auth.OAuth != nil:
		base, what = auth.OAuth.PortalURL, "the access token"
	}
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "http" || isLoopback(u.Hostname()) {
		return diags
	}
	diags.AddWarning("Bitrix24 portal URL uses plain http",
		fmt.Sprintf("The portal URL %s starts with http://, so %s travels unencrypted and anyone on the network path can read it. "+
			"Use https://; for a self-hosted portal with a certificate from an internal CA, set ca_cert_pem or ca_cert_file.", base, what))
	return diags
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
