// Package tlsfronttest makes certificates and HTTPS requests for the tests of plowbox's
// TLS front and of the binary that serves it.
package tlsfronttest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"
)

// Cert is a self-signed certificate made for one test.
type Cert struct {
	Leaf            *x509.Certificate
	Key             *ecdsa.PrivateKey
	CertPEM, KeyPEM []byte
}

// SelfSigned makes a certificate for the given DNS names and 127.0.0.1.
func SelfSigned(t *testing.T, names ...string) Cert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: names[0]},
		DNSNames:     names,
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return Cert{
		Leaf: leaf, Key: key,
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}),
	}
}

// EncodeP12 packs c into a PKCS12 file as OpenSSL 3 does (AES-256, PBKDF2).
func EncodeP12(t *testing.T, c Cert, password string) []byte {
	t.Helper()
	b, err := pkcs12.Modern.Encode(c.Key, c.Leaf, nil, password)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// HTTPSGet fetches path from addr over real TLS, trusting only root and sending
// serverName as SNI.
func HTTPSGet(t *testing.T, addr, serverName, path string, root *x509.Certificate) (*http.Response, string) {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(root)
	client := &http.Client{Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: serverName},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
	}, Timeout: 10 * time.Second}
	resp, err := client.Get("https://" + serverName + path)
	if err != nil {
		t.Fatalf("GET https://%s%s: %v", serverName, path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}
