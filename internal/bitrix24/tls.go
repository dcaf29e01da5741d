package bitrix24

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// ErrPrivateKey is CertPool's error for PEM text that holds a private key.
var ErrPrivateKey = errors.New("holds a private key (a PRIVATE KEY block), not a CA certificate")

// CertPool returns the system's trusted CAs plus the certificates in pems
// (PEM text). It fails when one of pems holds no certificate or a
// certificate that cannot be parsed.
func CertPool(pems ...[]byte) (*x509.CertPool, error) {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	for _, data := range pems {
		n := 0
		for {
			var block *pem.Block
			block, data = pem.Decode(data)
			if block == nil {
				break
			}
			if strings.Contains(block.Type, "PRIVATE KEY") {
				return nil, ErrPrivateKey
			}
			if block.Type != "CERTIFICATE" {
				continue
			}
			cert, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("holds a certificate that cannot be parsed (%v)", err)
			}
			pool.AddCert(cert)
			n++
		}
		if n == 0 {
			return nil, errors.New("holds no PEM certificate")
		}
	}
	return pool, nil
}
