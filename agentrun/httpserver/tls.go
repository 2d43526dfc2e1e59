package httpserver

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	httpservice "github.com/grafana/agent/service/http"
)

// tlsConfig is the `http { tls { ... } }` block as upstream reads it: the
// certificate and key read anew at each handshake (so rotated files are
// picked up), the client CA read once. The Windows certificate store is
// Windows-only upstream too.
func tlsConfig(args *httpservice.TLSArguments) (*tls.Config, error) {
	if args.WindowsFilter != nil {
		return nil, errors.New("http.tls: windows_certificate_filter is only available on Windows")
	}
	cfg := &tls.Config{
		MinVersion: uint16(args.MinVersion),
		MaxVersion: uint16(args.MaxVersion),
		ClientAuth: tls.ClientAuthType(args.ClientAuth),
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return certificate(args)
		},
	}
	for _, c := range args.CipherSuites {
		cfg.CipherSuites = append(cfg.CipherSuites, uint16(c))
	}
	for _, c := range args.CurvePreferences {
		cfg.CurvePreferences = append(cfg.CurvePreferences, tls.CurveID(c))
	}
	caPEM := []byte(args.ClientCA)
	if args.ClientCAFile != "" {
		b, err := os.ReadFile(args.ClientCAFile)
		if err != nil {
			return nil, fmt.Errorf("http.tls.client_ca_file: %w", err)
		}
		caPEM = b
	}
	if len(caPEM) > 0 {
		cfg.ClientCAs = x509.NewCertPool()
		if !cfg.ClientCAs.AppendCertsFromPEM(caPEM) {
			return nil, errors.New("http.tls: the client CA holds no PEM certificate")
		}
	}
	return cfg, nil
}

func certificate(args *httpservice.TLSArguments) (*tls.Certificate, error) {
	certPEM, keyPEM := []byte(args.Cert), []byte(args.Key)
	var err error
	if args.CertFile != "" {
		if certPEM, err = os.ReadFile(args.CertFile); err != nil {
			return nil, fmt.Errorf("http.tls.cert_file: %w", err)
		}
	}
	if args.KeyFile != "" {
		if keyPEM, err = os.ReadFile(args.KeyFile); err != nil {
			return nil, fmt.Errorf("http.tls.key_file: %w", err)
		}
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, errors.New("http.tls: the certificate and key do not form a pair (or are not PEM)")
	}
	return &cert, nil
}
