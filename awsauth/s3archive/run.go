package s3archive

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"
)

// Run seals batches as they fill or age and uploads sealed ones, oldest
// first, until ctx ends. After a failed upload it waits (MinBackoff,
// doubling to MaxBackoff, with jitter) and tries the same object again:
// an object leaves the spool only when S3 took it.
func (a *Archive) Run(ctx context.Context) {
	tick := a.options().BatchAge / 4
	if tick > time.Second {
		tick = time.Second
	}
	ticker := time.NewTicker(tick)
	defer ticker.Stop()
	var (
		backoff time.Duration
		retryAt time.Time
	)
	for {
		a.closeOld(false)
		_ = a.sealClosed()
		if time.Now().After(retryAt) {
			if err := a.uploadAll(ctx); err != nil && ctx.Err() == nil {
				backoff = a.nextBackoff(backoff)
				retryAt = time.Now().Add(backoff)
			} else {
				backoff, retryAt = 0, time.Time{}
			}
		}
		var retry <-chan time.Time
		if !retryAt.IsZero() {
			retry = time.After(time.Until(retryAt))
		}
		select {
		case <-ctx.Done():
			return
		case <-a.wake:
		case <-ticker.C:
		case <-retry:
		}
	}
}

func (a *Archive) nextBackoff(prev time.Duration) time.Duration {
	opts := a.options()
	next := prev * 2
	if next < opts.MinBackoff {
		next = opts.MinBackoff
	}
	if next > opts.MaxBackoff {
		next = opts.MaxBackoff
	}
	// Up to a fifth less, so that agents stopped by one outage do not
	// come back in step.
	return next - time.Duration(rand.Int64N(int64(next)/5+1))
}

// Flush seals every batch, open ones too, and uploads what the spool
// holds, one attempt each, oldest first, until the first failure or ctx
// ends. What it could not upload stays in the spool for the next start.
func (a *Archive) Flush(ctx context.Context) error {
	a.closeOld(true)
	if err := a.sealClosed(); err != nil {
		return err
	}
	return a.uploadAll(ctx)
}

// uploadAll uploads the sealed objects oldest first; it stops at the
// first failure, which it returns.
func (a *Archive) uploadAll(ctx context.Context) error {
	a.upMu.Lock()
	defer a.upMu.Unlock()
	opts := a.options()
	ids, err := listed(opts.Dir, objExt)
	if err != nil {
		return err
	}
	a.stats.pending(len(ids))
	for i, id := range ids {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		o, err := readObject(opts.Dir, id)
		if err != nil {
			os.Rename(filepath.Join(opts.Dir, id+objExt), filepath.Join(opts.Dir, id+badExt))
			a.stats.badBatch(id, err)
			continue
		}
		if err := opts.Bucket.Put(ctx, opts.Transport, o); err != nil {
			var ue *UploadError
			if !errors.As(err, &ue) {
				ue = &UploadError{Code: "RequestError", Explain: err.Error(), Retryable: true}
			}
			a.stats.failed(ue)
			return err
		}
		if err := os.Remove(o.path); err == nil {
			a.size.Add(-o.fileBytes)
		}
		a.stats.uploaded(o, len(ids)-i-1)
	}
	return nil
}
