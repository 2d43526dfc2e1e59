package pki

import (
	"crypto/tls"
	"io"
	"log"
	"net"
	"net/http"
	"time"
)

// Server is an HTTP server on a loopback port: what the fakes serve with,
// in aws-agent demo as in the tests. It has the parts of
// net/http/httptest.Server they use, without linking that test package
// into aws-agent.
type Server struct {
	// URL is http://127.0.0.1:PORT, or https:// when served with TLS.
	URL      string
	Listener net.Listener
	srv      *http.Server
}

// Serve serves handler over HTTP on a free loopback port.
func Serve(handler http.Handler) *Server { return serve(handler, nil) }

// ServeTLS serves handler over TLS with config on a free loopback port.
func ServeTLS(handler http.Handler, config *tls.Config) *Server { return serve(handler, config) }

func serve(handler http.Handler, config *tls.Config) *Server {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic("pki: no loopback port to serve on: " + err.Error())
	}
	s := &Server{URL: "http://" + l.Addr().String(), Listener: l,
		srv: &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ErrorLog: discardLog}}
	if config != nil {
		s.URL = "https://" + l.Addr().String()
		l = tls.NewListener(l, config)
	}
	go func() { _ = s.srv.Serve(l) }()
	return s
}

// discardLog keeps net/http's own complaints (a client that hung up
// mid-handshake) out of the demo's output.
var discardLog = log.New(io.Discard, "", 0)

// Close stops the server and closes its connections, in flight or idle.
func (s *Server) Close() { _ = s.srv.Close() }
