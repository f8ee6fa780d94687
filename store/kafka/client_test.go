package kafka

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/plowbox/plowbox/store/follow"
)

// deliversWith writes one mix and checks whether the good-topic sink delivers it over conn.
func deliversWith(t *testing.T, c *kfake.Cluster, conn Conn) (delivered bool, lastErr string) {
	t.Helper()
	rg := newRig(t)
	rg.mix()
	conn.Brokers = c.ListenAddrs()
	s, err := OpenSinks(SinkConfig{Conn: conn, GoodTopic: goodTopic, FromStart: true, DeliveryTimeout: time.Second}, rg.st,
		follow.Options{MaxBackoff: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	f := s.Followers()[0]
	done := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { s.Run(ctx); close(done) }()
	defer func() { cancel(); <-done; s.Close() }()
	deadline := time.After(10 * time.Second)
	for {
		ch := f.Progress()
		if f.Cursor() >= rg.st.LastSeq() {
			return true, ""
		}
		if st := f.Stats(); st.Failures > 0 {
			return false, st.LastError
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("neither delivered nor failed: %+v", f.Stats())
		}
	}
}

// SASL PLAIN and SCRAM, as managed Kafka asks for them; a wrong password fails the sink
// (shown in its stats) rather than plowbox.
func TestSinkSASL(t *testing.T) {
	c := cluster(t, kfake.EnableSASL(), kfake.Superuser("PLAIN", "plain-user", "p1"),
		kfake.Superuser("SCRAM-SHA-256", "scram256", "p2"), kfake.Superuser("SCRAM-SHA-512", "scram512", "p3"))
	for _, tc := range []struct {
		conn Conn
		ok   bool
	}{
		{Conn{SASL: "plain", User: "plain-user", Password: "p1"}, true},
		{Conn{SASL: "scram-sha-256", User: "scram256", Password: "p2"}, true},
		{Conn{SASL: "scram-sha-512", User: "scram512", Password: "p3"}, true},
		{Conn{SASL: "scram-sha-256", User: "scram256", Password: "wrong"}, false},
	} {
		t.Run(tc.conn.SASL+"/"+tc.conn.Password, func(t *testing.T) {
			ok, msg := deliversWith(t, c, tc.conn)
			if ok != tc.ok {
				t.Errorf("delivered %v, want %v (last error %q)", ok, tc.ok, msg)
			}
		})
	}
	if _, err := (Conn{Brokers: []string{"x:1"}, SASL: "gssapi"}).options(); err == nil {
		t.Error("an unknown SASL mechanism was accepted")
	}
}

// TLS with the brokers' CA from --kafka-tls-ca.
func TestSinkTLS(t *testing.T) {
	cert, caFile := selfSigned(t)
	c := cluster(t, kfake.TLS(&tls.Config{Certificates: []tls.Certificate{cert}}))
	if ok, msg := deliversWith(t, c, Conn{TLS: true, CAFile: caFile}); !ok {
		t.Errorf("not delivered over TLS: %s", msg)
	}
	if ok, _ := deliversWith(t, c, Conn{TLS: true}); ok {
		t.Error("delivered to a broker whose CA is not trusted")
	}
}

// selfSigned returns a certificate for 127.0.0.1 and the path of its PEM.
func selfSigned(t *testing.T) (tls.Certificate, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kfake"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, IsCA: true, BasicConstraintsValid: true,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, path
}
