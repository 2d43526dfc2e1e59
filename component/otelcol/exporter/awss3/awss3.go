// Package awss3 is the otelcol.exporter.awss3 Flow component: it archives
// traces, logs and metrics to Amazon S3 (or an S3-compatible store),
// signed by an aws.auth component, through a spool on disk that keeps
// what it accepted until S3 took it. Importing it registers the component.
package awss3

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/grafana/agent/component"
	"github.com/grafana/agent/component/otelcol"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/s3archive"
)

func init() {
	component.Register(component.Registration{
		Name:    "otelcol.exporter.awss3",
		Args:    Arguments{},
		Exports: otelcol.ConsumerExports{},
		Build: func(opts component.Options, args component.Arguments) (component.Component, error) {
			return New(opts, args.(Arguments))
		},
	})
}

// signer is what an aws.auth handler's extension offers a component that
// writes to one service.
type signer interface {
	SigningTransport(service string) http.RoundTripper
	Region() string
}

// FlushTimeout bounds the uploads a stopping exporter makes; what is left
// stays in the spool for the next start. It is below the agent's default
// --shutdown.timeout (20s), so that the other components' stages fit.
const FlushTimeout = 10 * time.Second

// Component is a running otelcol.exporter.awss3.
type Component struct {
	opts    component.Options
	log     log.Logger
	archive *s3archive.Archive
	input   *consumer
	metrics *collector

	mu   sync.Mutex
	args Arguments
}

var (
	_ component.Component       = (*Component)(nil)
	_ component.HealthComponent = (*Component)(nil)
	_ component.DebugComponent  = (*Component)(nil)
)

// New opens the spool under the agent's storage path, recovering what an
// earlier run left there, and exports the input.
func New(opts component.Options, args Arguments) (*Component, error) {
	c := &Component{opts: opts, log: opts.Logger}
	o, err := options(args, c.spoolDir())
	if err != nil {
		return nil, err
	}
	if c.archive, err = s3archive.Open(o); err != nil {
		return nil, fmt.Errorf("otelcol.exporter.awss3: %w (the spool is under --storage.path)", err)
	}
	c.args = args
	c.input = &consumer{c: c}
	c.metrics = newMetrics(c)
	if err := opts.Registerer.Register(c.metrics); err != nil {
		return nil, err
	}
	opts.OnStateChange(otelcol.ConsumerExports{Input: c.input})
	return c, nil
}

// spoolDir is the spool, under the agent's --storage.path.
func (c *Component) spoolDir() string { return filepath.Join(c.opts.DataPath, "spool") }

// options turns arguments into the archive's options.
func options(args Arguments, dir string) (s3archive.Options, error) {
	s, ok := args.Auth.Extension.(signer)
	if !ok {
		return s3archive.Options{}, errors.New("auth: must be an aws.auth component's handler (auth = aws.auth.LABEL.handler)")
	}
	u := args.S3Uploader
	region := u.Region
	if region == "" {
		region = s.Region()
	}
	if region == "" && u.Endpoint == "" {
		return s3archive.Options{}, errors.New("s3_uploader: region: not set, and the aws.auth has no region: set the bucket's region")
	}
	return s3archive.Options{
		Dir:         dir,
		Layout:      s3archive.Layout{Prefix: u.S3Prefix, Partition: u.S3PartitionFormat, FilePrefix: u.FilePrefix},
		Compression: u.Compression,
		Bucket: s3archive.Bucket{
			Name: u.S3Bucket, Region: region, Endpoint: u.Endpoint, PathStyle: u.S3ForcePathStyle,
			StorageClass: storageClass(u.StorageClass), ServerSideEncryption: u.ServerSideEncrypt,
			KMSKeyID: u.SSEKMSKeyID, ExpectedOwner: u.ExpectedBucketOwner,
		},
		Transport:  s.SigningTransport("s3"),
		BatchBytes: int64(args.Batch.MaxSize),
		BatchAge:   args.Batch.MaxAge,
		SpoolLimit: int64(args.Spool.MaxSize),
	}, nil
}

// storageClass leaves STANDARD unsaid, as S3's default: S3-compatible
// stores refuse classes they do not have.
func storageClass(c string) string {
	if c == "STANDARD" {
		return ""
	}
	return c
}

// Run uploads until the component stops, then uploads what is pending for
// at most FlushTimeout.
func (c *Component) Run(ctx context.Context) error {
	c.archive.Run(ctx)
	flushCtx, cancel := context.WithTimeout(context.Background(), FlushTimeout)
	defer cancel()
	if err := c.archive.Flush(flushCtx); err != nil {
		st := c.archive.Stats()
		level.Warn(c.log).Log("msg", "stopping with objects not yet in S3; they stay in the spool and are uploaded at the next start",
			"pending", st.Pending, "spool_bytes", st.SpoolBytes, "err", err)
	}
	return nil
}

// Update applies new arguments; batches already sealed keep their keys.
func (c *Component) Update(args component.Arguments) error {
	a := args.(Arguments)
	o, err := options(a, c.spoolDir())
	if err != nil {
		return err
	}
	if err := c.archive.SetOptions(o); err != nil {
		return err
	}
	c.mu.Lock()
	c.args = a
	c.mu.Unlock()
	return nil
}

func (c *Component) marshaler() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.args.Marshaler.Type
}
