package s3archive

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure an Archive.
type Options struct {
	// Dir is the spool: a directory only this archive uses.
	Dir    string
	Layout Layout
	Bucket Bucket
	// Compression of each object: None, Gzip or Zstd. Empty means None.
	Compression string
	// Transport signs and sends each PUT (aws.auth's, for service s3).
	// Required: Open refuses nil.
	Transport http.RoundTripper

	// BatchBytes seals a batch once its records reach this many bytes
	// (before compression). If zero, DefaultBatchBytes; negative is an error.
	BatchBytes int64
	// BatchAge seals a batch this long after it was opened. If zero,
	// DefaultBatchAge; negative is an error.
	BatchAge time.Duration
	// SpoolLimit is the most the spool holds on disk; past it Append
	// refuses. If zero, DefaultSpoolLimit; negative is an error.
	SpoolLimit int64
	// MinBackoff and MaxBackoff bound the wait after a failed upload,
	// which doubles from MinBackoff up to MaxBackoff, with jitter. If
	// zero or negative, 1s and 1m.
	MinBackoff, MaxBackoff time.Duration
	// Now is the clock keys are partitioned by. If nil, time.Now.
	Now func() time.Time
}

// Defaults for Options' zero values.
const (
	DefaultBatchBytes = 8 << 20
	DefaultBatchAge   = time.Minute
	DefaultSpoolLimit = 1 << 30
)

// Archive is a spool and its uploader.
type Archive struct {
	opts Options

	mu   sync.Mutex
	open map[string]*batch // by signal
	// lastOpened keeps a signal's batches apart when the clock repeats.
	lastOpened map[string]time.Time
	size       atomic.Int64 // bytes of the spool's files
	wake       chan struct{}

	upMu sync.Mutex // one upload pass at a time
	// sealMu: one seal at a time, with enc.
	sealMu sync.Mutex
	enc    encoders
	stats  statsBox
}

// Open opens or creates the spool and recovers what an earlier process
// left: seals in progress are dropped (their .open is still there),
// batches that were being filled are sealed, and every sealed batch waits
// for upload.
func Open(opts Options) (*Archive, error) {
	opts, err := normalized(opts)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	a := &Archive{opts: opts, open: map[string]*batch{}, lastOpened: map[string]time.Time{}, wake: make(chan struct{}, 1)}
	tmps, err := listed(opts.Dir, tmpExt)
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	for _, id := range tmps {
		os.Remove(filepath.Join(opts.Dir, id+tmpExt))
	}
	if err := a.sealClosed(); err != nil {
		return nil, err
	}
	size, err := diskSize(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	a.size.Store(size)
	return a, nil
}

// SetOptions changes all but the spool's directory. Batches being filled
// are sealed with the format and compression they were begun with; sealed
// ones keep their keys, and go to the bucket now set.
func (a *Archive) SetOptions(opts Options) error {
	opts, err := normalized(opts)
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	opts.Dir = a.opts.Dir
	a.opts = opts
	return nil
}

// options is a copy of the archive's options.
func (a *Archive) options() Options {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.opts
}

func normalized(opts Options) (Options, error) {
	if opts.BatchBytes < 0 || opts.BatchAge < 0 || opts.SpoolLimit < 0 {
		return opts, errors.New("s3archive: negative batch size, batch age or spool limit")
	}
	if opts.Transport == nil {
		return opts, errors.New("s3archive: no Transport to sign and send the uploads")
	}
	if opts.BatchBytes == 0 {
		opts.BatchBytes = DefaultBatchBytes
	}
	if opts.BatchAge == 0 {
		opts.BatchAge = DefaultBatchAge
	}
	if opts.SpoolLimit == 0 {
		opts.SpoolLimit = DefaultSpoolLimit
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = time.Second
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Compression == "" {
		opts.Compression = None
	}
	if err := CheckCompression(opts.Compression); err != nil {
		return opts, fmt.Errorf("compression: %w", err)
	}
	opts.Bucket.prefix = opts.Layout.Prefix
	return opts, nil
}

// Append keeps rec, one record of signal in format f, in the signal's
// open batch. It returns once the record is written to the spool (a
// killed process keeps it; a crashed machine keeps what the OS wrote),
// or ErrSpoolFull.
func (a *Archive) Append(signal string, f Format, rec []byte) error {
	if len(rec) == 0 {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	b := a.open[signal]
	if b != nil && (b.header.Format.Name != f.Name || b.header.Compression != a.opts.Compression) {
		a.closeLocked(b)
		b = nil
	}
	if a.size.Load()+recordOverhead+int64(len(rec)) > a.opts.SpoolLimit {
		a.stats.refused()
		return ErrSpoolFull
	}
	if b == nil {
		opened := a.opts.Now()
		if last, ok := a.lastOpened[signal]; ok && !opened.After(last) {
			opened = last.Add(time.Nanosecond) // ids stay unique and ordered
		}
		var err error
		b, err = createBatch(a.opts.Dir, openHeader{Signal: signal, Format: f, Compression: a.opts.Compression, Opened: opened})
		if err != nil {
			return fmt.Errorf("spool: %w", err)
		}
		a.lastOpened[signal] = opened
		a.open[signal] = b
		a.size.Add(b.headerBytes)
	}
	if err := b.append(rec); err != nil {
		a.closeLocked(b)
		return fmt.Errorf("spool: %w", err)
	}
	a.size.Add(recordOverhead + int64(len(rec)))
	if b.bytes >= a.opts.BatchBytes {
		a.closeLocked(b)
	}
	return nil
}

// closeLocked stops filling b; the run loop seals it.
func (a *Archive) closeLocked(b *batch) {
	_ = b.close()
	delete(a.open, b.header.Signal)
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// closeOld stops filling batches older than BatchAge (all, if all).
func (a *Archive) closeOld(all bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.opts.Now()
	for _, b := range a.open {
		if all || now.Sub(b.header.Opened) >= a.opts.BatchAge {
			a.closeLocked(b)
		}
	}
}

// sealClosed seals every .open file no batch is being filled in.
func (a *Archive) sealClosed() error {
	a.sealMu.Lock()
	defer a.sealMu.Unlock()
	opts := a.options()
	ids, err := listed(opts.Dir, openExt)
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	objs, err := listed(opts.Dir, objExt)
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	sealed := map[string]bool{}
	for _, id := range objs {
		sealed[id] = true
	}
	a.mu.Lock()
	filling := map[string]bool{}
	for _, b := range a.open {
		filling[b.id] = true
	}
	a.mu.Unlock()
	for _, id := range ids {
		path := filepath.Join(opts.Dir, id+openExt)
		switch {
		case filling[id]:
		case sealed[id]: // sealed before a stop that came before the removal
			os.Remove(path)
		default:
			var before int64
			if info, err := os.Stat(path); err == nil {
				before = info.Size()
			}
			o, err := seal(opts.Dir, id, opts.Layout, &a.enc)
			if err != nil {
				// Not retried forever: kept aside, named, for a person.
				os.Rename(path, filepath.Join(opts.Dir, id+badExt))
				a.stats.badBatch(id, err)
				continue
			}
			a.size.Add(-before)
			if o != nil {
				a.size.Add(o.fileBytes)
			}
		}
	}
	return nil
}
