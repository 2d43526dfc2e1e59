// Package auth is the aws.auth Flow component. Importing it registers the
// component: a custom agent build needs only
//
//	import _ "github.com/flow-aws-auth/flow-aws-auth/component/aws/auth"
package auth

import (
	"context"
	"net/http"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/gateway"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/stats"
	awsriver "github.com/flow-aws-auth/flow-aws-auth/river"
	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/grafana/agent/component"
	otelauth "github.com/grafana/agent/component/otelcol/auth"
	otelcomponent "go.opentelemetry.io/collector/component"
)

func init() {
	component.Register(component.Registration{
		Name:    "aws.auth",
		Args:    Arguments{},
		Exports: Exports{},
		Build: func(opts component.Options, args component.Arguments) (component.Component, error) {
			return New(opts, args.(Arguments))
		},
	})
}

// Arguments are the River arguments of aws.auth.
type Arguments = awsriver.Arguments

// Component is a running aws.auth.
type Component struct {
	opts     component.Options
	log      log.Logger
	warnings warnings // the gateway's, rate-limited
	stats    *stats.Stats
	metrics  *metrics

	cur     atomic.Pointer[instance]
	updated chan struct{}
	// grpcUser is set once a gRPC exporter took the handler: its calls
	// are refused, which health says.
	grpcUser atomic.Bool

	// Stable identities handed to downstream components: they survive
	// refreshes and reloads, so downstream components are not rebuilt.
	transport *Transport
	handler   otelauth.Handler

	exportMu   sync.Mutex
	gatewayURL string
	pathPrefix string   // this component's path on the agent's HTTP server
	ownHosts   []string // Host headers naming the agent's server, besides loopback ones
	// writers are the hosts the agent's components write to through the
	// gateway, as the agent last told SetWriterHosts; nil until it does:
	// then every host is the agent's own.
	writers atomic.Pointer[map[string]bool]
}

// instance is one configuration at work.
type instance struct {
	args Arguments
	auth *awsauth.Auth
	base http.RoundTripper // http_client_config, under every signature
	// gateway is the signing gateway for this configuration.
	gateway *gateway.Gateway
}

var (
	_ component.Component       = (*Component)(nil)
	_ component.HealthComponent = (*Component)(nil)
	_ component.DebugComponent  = (*Component)(nil)
)

// New builds aws.auth. It validates and returns at once: credentials are
// fetched in Run, so an unreachable STS or IMDS never fails the config load.
func New(opts component.Options, args Arguments) (*Component, error) {
	c := &Component{
		opts:    opts,
		log:     opts.Logger,
		stats:   &stats.Stats{},
		updated: make(chan struct{}, 1),
	}
	c.metrics = newMetrics(opts.Registerer, c)
	c.stats.OnSigned = c.metrics.signed
	c.stats.OnResponse = c.metrics.response
	c.transport = &Transport{c: c}
	c.handler = otelauth.Handler{
		ID:        otelcomponent.NewID(otelcomponent.Type(opts.ID)),
		Extension: &extension{c: c},
	}
	c.pathPrefix, c.gatewayURL, c.ownHosts = componentPath(opts)
	if err := c.Update(args); err != nil {
		return nil, err
	}
	return c, nil
}

// Run keeps the credentials fresh until ctx ends, restarting the refresh
// loop when the arguments change.
func (c *Component) Run(ctx context.Context) error {
	for {
		inst := c.cur.Load()
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			inst.auth.Run(runCtx)
		}()
		select {
		case <-ctx.Done():
			cancel()
			<-done
			return nil
		case <-c.updated:
			cancel()
			<-done
		}
	}
}

// Update swaps the configuration atomically: requests in flight finish
// with the old one, new requests use the new one.
func (c *Component) Update(args component.Arguments) error {
	a := args.(Arguments)
	cfg, base, err := a.Convert()
	if err != nil {
		return err
	}
	inst := &instance{args: a, base: base}
	old := c.cur.Load()
	if old != nil && sameCredentials(old.args, a) {
		// Keep the credentials: a reload that only changes how requests
		// are signed or the gateway must not cost a refresh.
		inst.auth = old.auth
		inst.base = old.base
		inst.gateway = c.newGateway(a, inst.auth, inst.base)
		c.cur.Store(inst)
		c.publish()
		return nil
	}
	cfg.Credentials.HelperStderr = c.helperStderr
	inst.auth, err = awsauth.New(cfg, awsauth.Options{Stats: c.stats, OnRefresh: func(err error) { c.refreshed(inst, err) }})
	if err != nil {
		return err
	}
	inst.gateway = c.newGateway(a, inst.auth, inst.base)
	c.cur.Store(inst)
	if old != nil {
		level.Info(c.log).Log("msg", "aws.auth credential arguments changed; resolving credentials anew", "region", inst.auth.Region())
	}
	select {
	case c.updated <- struct{}{}:
	default:
	}
	c.publish()
	return nil
}

// sameCredentials reports whether a and b resolve the same credentials.
func sameCredentials(a, b Arguments) bool {
	a.Service, b.Service = "", ""
	a.Gateway, b.Gateway = awsriver.Gateway{}, awsriver.Gateway{}
	return reflect.DeepEqual(a, b)
}

// refreshed is told the outcome of each refresh of inst.
func (c *Component) refreshed(inst *instance, err error) {
	c.metrics.refreshed(err)
	if c.cur.Load().auth != inst.auth {
		return // replaced by an update with other credential arguments
	}
	if err != nil {
		level.Warn(c.log).Log("msg", "refreshing AWS credentials failed", "err", inst.auth.Redact(err.Error()))
	} else {
		s := inst.auth.Status().Credentials
		level.Debug(c.log).Log("msg", "refreshed AWS credentials", "source", s.Source, "access_key_id", s.AccessKeyID, "expires", s.Expires.Format(time.RFC3339))
	}
	c.publish()
}

// helperStderr logs what a credential_process helper wrote to its stderr,
// on this component, redacted and bounded (package source).
func (c *Component) helperStderr(n int, text string) {
	level.Warn(c.log).Log("msg", "credential_process wrote to its stderr", "bytes", n, "stderr", text)
}

// publish sends the exports; the controller ignores unchanged ones.
func (c *Component) publish() {
	c.exportMu.Lock()
	defer c.exportMu.Unlock()
	inst := c.cur.Load()
	c.opts.OnStateChange(Exports{
		Handler:     c.handler,
		Transport:   c.transport,
		Credentials: exportedCredentials(inst.auth),
		Identity:    exportedIdentity(inst.auth.Status().Identity),
		GatewayURL:  c.gatewayURL,
	})
}

// CurrentHealth implements component.HealthComponent.
func (c *Component) CurrentHealth() component.Health {
	now := time.Now()
	auth := c.cur.Load().auth
	h := auth.Status().Health(now)
	h.Message = auth.Redact(h.Message)
	if c.grpcUser.Load() {
		h.Healthy, h.Message = false, errGRPC.Error()+" (a gRPC exporter uses the handler; its every call is refused)"
	}
	health := component.HealthTypeHealthy
	if !h.Healthy {
		health = component.HealthTypeUnhealthy
	}
	return component.Health{Health: health, Message: h.Message, UpdateTime: now}
}
