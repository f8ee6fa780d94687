// Package kafka connects plowbox to a Snowplow pipeline on Kafka: sinks that follow the
// store's log and write Snowplow's raw, enriched and bad-row topics, and a tap that reads
// a pipeline's enriched and bad-row topics into the store.
package kafka

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// Conn is how to reach and authenticate to a Kafka cluster.
type Conn struct {
	// Brokers are the seed brokers, host:port.
	Brokers []string
	// TLS turns on TLS; CAFile (PEM) replaces the system roots when set, and CertFile with
	// KeyFile present a client certificate.
	TLS                       bool
	CAFile, CertFile, KeyFile string
	// SASL is "", "plain", "scram-sha-256" or "scram-sha-512", with User and Password.
	SASL, User, Password string
	// ClientID names plowbox to the brokers.
	ClientID string
}

// SASLMechanisms are the values Conn.SASL accepts.
var SASLMechanisms = []string{"", "plain", "scram-sha-256", "scram-sha-512"}

// options returns the franz-go options of c.
func (c Conn) options() ([]kgo.Opt, error) {
	if len(c.Brokers) == 0 {
		return nil, fmt.Errorf("kafka: no brokers")
	}
	opts := []kgo.Opt{kgo.SeedBrokers(c.Brokers...)}
	if c.ClientID != "" {
		opts = append(opts, kgo.ClientID(c.ClientID))
	}
	if c.TLS {
		cfg, err := c.tlsConfig()
		if err != nil {
			return nil, err
		}
		opts = append(opts, kgo.DialTLSConfig(cfg))
	}
	switch strings.ToLower(c.SASL) {
	case "":
	case "plain":
		opts = append(opts, kgo.SASL(plain.Auth{User: c.User, Pass: c.Password}.AsMechanism()))
	case "scram-sha-256":
		opts = append(opts, kgo.SASL(scram.Auth{User: c.User, Pass: c.Password}.AsSha256Mechanism()))
	case "scram-sha-512":
		opts = append(opts, kgo.SASL(scram.Auth{User: c.User, Pass: c.Password}.AsSha512Mechanism()))
	default:
		return nil, fmt.Errorf("kafka: SASL mechanism %q: want plain, scram-sha-256 or scram-sha-512", c.SASL)
	}
	return opts, nil
}

// tlsConfig builds the client TLS configuration.
func (c Conn) tlsConfig() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, fmt.Errorf("kafka: read CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("kafka: CA file %s has no PEM certificate", c.CAFile)
		}
		cfg.RootCAs = pool
	}
	if c.CertFile != "" || c.KeyFile != "" {
		cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("kafka: client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}
