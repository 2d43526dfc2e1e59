// Package httpserver is the agent's HTTP service ("http", the one components
// and services find with GetServiceData and mount handlers on) with what the
// upstream one lacks for an agent that signs requests:
//
//   - it serves a listener bound before the agent starts, so a taken or
//     invalid address fails the start instead of leaving an agent without a
//     server (upstream listens inside Run, whose error the controller drops);
//   - it outlives the controller: Close ends it after the components have
//     stopped, so that remote_write's and loki.write's last flush still reach
//     the signing gateway (upstream closes it together with them);
//   - its own bounds: a header read timeout, a header size limit, an idle
//     timeout, and HTTP/2 with prior knowledge only (the cluster's transport)
//     — no `Upgrade: h2c`, which x/net's handler answers by reading the whole
//     body into memory before any handler's bound applies.
//
// Routes, paths and the `http` block's TLS are upstream's.
package httpserver

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/grafana/agent/pkg/flow"
	"github.com/grafana/agent/service"
	httpservice "github.com/grafana/agent/service/http"
	"github.com/grafana/ckit/memconn"
	"github.com/prometheus/client_golang/prometheus"
)

// The server's bounds. Telemetry writers send their headers at once and
// small; a client that trickles them, or sends more, is cut.
const (
	// ReadHeaderTimeout bounds how long a client may take to send a
	// request's headers.
	ReadHeaderTimeout = 10 * time.Second
	// MaxHeaderBytes bounds a request's headers (and HTTP/2's header list).
	MaxHeaderBytes = 64 << 10
	// IdleTimeout closes a keep-alive connection idle this long.
	IdleTimeout = 2 * time.Minute
)

// Options configure the service.
type Options struct {
	// Listener is the public listener, already bound. Required.
	Listener net.Listener
	// ListenAddr is the address components are told the server is at
	// (gateway_url, the cluster's advertised port). If empty, the
	// listener's address.
	ListenAddr string
	// MemoryListenAddr is the in-memory address exporters' targets are
	// scraped over. If empty, none.
	MemoryListenAddr string
	// Logger receives the service's logs. If nil, none.
	Logger log.Logger
	// Gatherer is what /metrics serves. If nil, an empty registry.
	Gatherer prometheus.Gatherer
	// ReadyFunc answers /-/ready. If nil, /-/ready is not served.
	ReadyFunc func() bool
	// ReloadFunc is /-/reload's. If nil, /-/reload is not served.
	ReloadFunc func() (*flow.Source, error)
	// ReloadError is the text /-/reload answers and logs for a failed
	// reload. If nil, err.Error().
	ReloadError func(error) string
	// EnablePProf serves /debug/pprof/.
	EnablePProf bool
}

// Service is the agent's HTTP service.
type Service struct {
	opts   Options
	log    log.Logger
	memLis *memconn.Listener
	tls    atomic.Pointer[tls.Config] // nil: plain HTTP

	start  sync.Once
	found  atomic.Pointer[lookups] // set by Run
	srv    *http.Server
	served sync.WaitGroup
	closed atomic.Bool
}

var _ service.Service = (*Service)(nil)

// New returns the service; it serves once the controller runs it.
func New(o Options) *Service {
	if o.Logger == nil {
		o.Logger = log.NewNopLogger()
	}
	if o.Gatherer == nil {
		o.Gatherer = prometheus.NewRegistry()
	}
	if o.ListenAddr == "" {
		o.ListenAddr = o.Listener.Addr().String()
	}
	s := &Service{opts: o, log: o.Logger, memLis: memconn.NewListener(o.Logger)}
	s.srv = &http.Server{
		ReadHeaderTimeout: ReadHeaderTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
		IdleTimeout:       IdleTimeout,
		Protocols:         new(http.Protocols),
	}
	s.srv.Protocols.SetHTTP1(true)
	s.srv.Protocols.SetUnencryptedHTTP2(true)
	return s
}

// Definition implements service.Service: upstream's name and `http` block.
func (s *Service) Definition() service.Definition {
	return service.Definition{Name: httpservice.ServiceName, ConfigType: httpservice.Arguments{}}
}

// Run serves until Close. It returns when ctx ends, but the server goes on
// serving: the components stopping with the controller flush through it.
func (s *Service) Run(ctx context.Context, host service.Host) error {
	s.start.Do(func() {
		s.srv.Handler = s.router(host)
		level.Info(s.log).Log("msg", "now listening for http traffic", "addr", s.opts.ListenAddr)
		for _, lis := range []net.Listener{&tlsSwitch{Listener: s.opts.Listener, cfg: &s.tls}, s.memLis} {
			s.served.Add(1)
			go func() {
				defer s.served.Done()
				if err := s.srv.Serve(lis); err != nil && !errors.Is(err, http.ErrServerClosed) && !s.closed.Load() {
					level.Error(s.log).Log("msg", "http server stopped", "addr", lis.Addr(), "err", err)
				}
			}()
		}
	})
	<-ctx.Done()
	return nil
}

// ComponentsLoaded tells the router the root configuration was loaded
// (whether or not the load failed): the components it kept may be gone.
func (s *Service) ComponentsLoaded() {
	if l := s.found.Load(); l != nil {
		l.forget()
	}
}

// Close stops the server: it stops accepting, waits for the requests in
// flight until ctx ends, then closes what is left.
func (s *Service) Close(ctx context.Context) error {
	s.closed.Store(true)
	err := s.srv.Shutdown(ctx)
	if err != nil {
		_ = s.srv.Close()
	}
	// Listeners Serve never took are closed here.
	_ = s.opts.Listener.Close()
	_ = s.memLis.Close()
	s.served.Wait()
	return err
}

// Update implements service.Service: the `http` block's TLS, applied to
// connections accepted from now on.
func (s *Service) Update(newConfig any) error {
	args := newConfig.(httpservice.Arguments)
	if args.TLS == nil {
		level.Info(s.log).Log("msg", "applying non-TLS config to HTTP server")
		s.tls.Store(nil)
		return nil
	}
	cfg, err := tlsConfig(args.TLS)
	if err != nil {
		return err
	}
	level.Info(s.log).Log("msg", "applying TLS config to HTTP server")
	s.tls.Store(cfg)
	return nil
}

// Data implements service.Service with upstream's Data.
func (s *Service) Data() any {
	return httpservice.Data{
		HTTPListenAddr:   s.opts.ListenAddr,
		MemoryListenAddr: s.opts.MemoryListenAddr,
		BaseHTTPPath:     componentPathPrefix,
		DialFunc: func(ctx context.Context, network, address string) (net.Conn, error) {
			if address == s.opts.MemoryListenAddr {
				return s.memLis.DialContext(ctx)
			}
			return (&net.Dialer{}).DialContext(ctx, network, address)
		},
	}
}

// Listen binds addr (host:port) for the server. Its error names the
// address and the cause ("bind: address already in use"). Port 0 binds
// a free port; the address returned names it.
func Listen(addr string) (net.Listener, string, error) {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", fmt.Errorf("the HTTP server cannot listen on %q (--server.http.listen-addr): %w", addr, unwrapOpError(err))
	}
	// Port 0, or a service name ("http"), which net.Listen takes too:
	// components need the number bound.
	host, port, _ := net.SplitHostPort(addr)
	if n, err := strconv.Atoi(port); err != nil || n == 0 {
		_, bound, _ := net.SplitHostPort(lis.Addr().String())
		addr = net.JoinHostPort(host, bound)
	}
	return lis, addr, nil
}

// unwrapOpError drops net.OpError's "listen tcp ADDR:" prefix, which
// repeats what the message already says.
func unwrapOpError(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err
	}
	return err
}

// tlsSwitch serves TLS when the `http` block says so, plain HTTP
// otherwise, deciding per accepted connection.
type tlsSwitch struct {
	net.Listener
	cfg *atomic.Pointer[tls.Config]
}

func (l *tlsSwitch) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	if cfg := l.cfg.Load(); cfg != nil {
		return tls.Server(c, cfg), nil
	}
	return c, nil
}
