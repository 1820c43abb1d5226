package s3blob

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/cairn-ml/cairn/internal/blob"
)

// The collection lock (blob.Locker) across machines is a set of lease
// objects under <prefix>objects/.lock/:
//
//	exclusive       the collector's lease, created with If-None-Match: *
//	shared/<id>     one per writer that holds the lock shared
//
// A writer puts its shared lease, then looks for an exclusive one: if
// there is one (alive) it removes its own and waits. A collector creates
// the exclusive lease (only one can: the create is conditional), then
// waits until no live shared lease is left. S3 reads its own writes and
// lists them at once (strong consistency), so whichever of a writer and a
// collector writes second sees the other: both never proceed.
//
// A lease lives LeaseTTL from its last write (the object's LastModified);
// its holder rewrites it every third of that while it holds the lock. A
// lease not renewed in time (its holder crashed) is dead: others ignore
// it, and a dead exclusive lease is removed (only if unchanged: a
// conditional delete) so that another can be created.
//
// Limits: expiry compares the server's LastModified with the local clock,
// so machines must agree with the server's clock within a few seconds
// (well under LeaseTTL), and every process must use the same LeaseTTL. A
// holder stopped for longer than LeaseTTL (a suspended machine) loses its
// lease without knowing until its next renewal, which logs the loss: the
// lock is a guard for collections of a team's store, not a consensus
// protocol. The server must support conditional writes (If-None-Match and
// If-Match on PutObject and DeleteObject: AWS since 2024, versitygw,
// MinIO); without them two collectors could both hold the lock.

func (s *Store) lockKey(name string) string { return s.objects() + ".lock/" + name }

// lease is a held lease object, kept alive by a goroutine until released.
type lease struct {
	s    *Store
	key  string
	etag string
	mu   sync.Mutex
	stop chan struct{}
	done chan struct{}
}

func newOwner() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// leaseBody is what a lease object holds: for people reading the bucket.
func (s *Store) leaseBody(owner string) []byte {
	b, _ := json.Marshal(struct {
		Owner string `json:"owner"`
		TTL   string `json:"ttl"`
	}{owner, s.ttl.String()})
	return b
}

// put writes a lease: if ifNoneMatch, only if it does not exist; if
// ifMatch is set, only if it is unchanged since.
func (s *Store) putLease(ctx context.Context, key, owner string, ifNoneMatch bool, ifMatch string) (string, error) {
	in := &s3.PutObjectInput{Bucket: &s.loc.Bucket, Key: &key, Body: bytes.NewReader(s.leaseBody(owner))}
	if ifNoneMatch {
		in.IfNoneMatch = aws.String("*")
	}
	if ifMatch != "" {
		in.IfMatch = aws.String(ifMatch)
	}
	out, err := s.c.PutObject(ctx, in)
	if err != nil {
		return "", err
	}
	return aws.ToString(out.ETag), nil
}

func preconditionFailed(err error) bool {
	var ae smithy.APIError
	if errors.As(err, &ae) && (ae.ErrorCode() == "PreconditionFailed" || ae.ErrorCode() == "ConditionalRequestConflict") {
		return true
	}
	var hs interface{ HTTPStatusCode() int }
	return errors.As(err, &hs) && (hs.HTTPStatusCode() == 412 || hs.HTTPStatusCode() == 409)
}

func (s *Store) alive(modified time.Time) bool { return time.Since(modified) < s.ttl }

// exclusiveHeld looks at the exclusive lease: whether a live one exists;
// a dead one is removed (if unchanged).
func (s *Store) exclusiveHeld(ctx context.Context) (bool, error) {
	key := s.lockKey("exclusive")
	h, err := s.c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.loc.Bucket, Key: &key})
	switch {
	case notFound(err):
		return false, nil
	case err != nil:
		return false, err
	case s.alive(aws.ToTime(h.LastModified)):
		return true, nil
	}
	_, err = s.c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.loc.Bucket, Key: &key, IfMatch: h.ETag})
	if err != nil && !notFound(err) && !preconditionFailed(err) {
		return false, err
	}
	s.log.LogAttrs(ctx, slog.LevelWarn, "s3blob: removed a dead exclusive lease", slog.String("location", s.name))
	return false, nil
}

// sharedHeld reports whether a live shared lease exists.
func (s *Store) sharedHeld(ctx context.Context) (bool, error) {
	p := s3.NewListObjectsV2Paginator(s.c, &s3.ListObjectsV2Input{Bucket: &s.loc.Bucket, Prefix: aws.String(s.lockKey("shared/"))})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return false, err
		}
		for _, o := range page.Contents {
			if s.alive(aws.ToTime(o.LastModified)) {
				return true, nil
			}
		}
	}
	return false, nil
}

// Lock implements blob.Locker with lease objects (see above). A zero
// deadline waits until ctx ends; past the deadline the error wraps the
// Locked sentinel.
func (s *Store) Lock(ctx context.Context, exclusive bool, deadline time.Time) (func(), error) {
	owner := newOwner()
	wait := func() error {
		if !deadline.IsZero() && time.Now().After(deadline) {
			return s.errs.Wrap(blob.ErrLocked, "collection lock of "+s.name, nil)
		}
		t := time.NewTimer(s.poll)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: waiting for the collection lock: %w", s.name, ctx.Err())
		case <-t.C:
			return nil
		}
	}
	if exclusive {
		return s.lockExclusive(ctx, owner, wait)
	}
	key := s.lockKey("shared/" + owner)
	for {
		held, err := s.exclusiveHeld(ctx)
		if err != nil {
			return nil, s.fail(ctx, "lock", err)
		}
		if !held {
			etag, err := s.putLease(ctx, key, owner, false, "")
			if err != nil {
				return nil, s.fail(ctx, "lock", err)
			}
			if held, err = s.exclusiveHeld(ctx); err == nil && !held {
				return s.hold(key, owner, etag), nil
			}
			s.c.DeleteObject(context.WithoutCancel(ctx), &s3.DeleteObjectInput{Bucket: &s.loc.Bucket, Key: &key})
			if err != nil {
				return nil, s.fail(ctx, "lock", err)
			}
		}
		if err := wait(); err != nil {
			return nil, err
		}
	}
}

func (s *Store) lockExclusive(ctx context.Context, owner string, wait func() error) (func(), error) {
	key := s.lockKey("exclusive")
	var unlock func()
	for unlock == nil {
		etag, err := s.putLease(ctx, key, owner, true, "")
		switch {
		case err == nil:
			unlock = s.hold(key, owner, etag)
		case !preconditionFailed(err):
			return nil, s.fail(ctx, "lock", err)
		default:
			if _, err := s.exclusiveHeld(ctx); err != nil { // removes a dead one
				return nil, s.fail(ctx, "lock", err)
			}
			if err := wait(); err != nil {
				return nil, err
			}
		}
	}
	for {
		held, err := s.sharedHeld(ctx)
		if err != nil {
			unlock()
			return nil, s.fail(ctx, "lock", err)
		}
		if !held {
			return unlock, nil
		}
		if err := wait(); err != nil {
			unlock()
			return nil, err
		}
	}
}

// hold keeps the lease at key alive until the returned func is called,
// which removes it.
func (s *Store) hold(key, owner, etag string) func() {
	l := &lease{s: s, key: key, etag: etag, stop: make(chan struct{}), done: make(chan struct{})}
	go l.renew(owner)
	var once sync.Once
	return func() {
		once.Do(func() {
			close(l.stop)
			<-l.done
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			l.mu.Lock()
			etag := l.etag
			l.mu.Unlock()
			_, err := s.c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.loc.Bucket, Key: &key, IfMatch: aws.String(etag)})
			if err != nil && !notFound(err) && !preconditionFailed(err) {
				s.log.LogAttrs(ctx, slog.LevelWarn, "s3blob: release a lease", slog.String("location", s.name), slog.Any("err", err))
			}
		})
	}
}

// renew rewrites the lease every third of its TTL, only if it is still
// the one this holder wrote.
func (l *lease) renew(owner string) {
	defer close(l.done)
	t := time.NewTicker(l.s.ttl / 3)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), l.s.ttl/3)
		l.mu.Lock()
		etag, err := l.s.putLease(ctx, l.key, owner, false, l.etag)
		if err == nil {
			l.etag = etag
		}
		l.mu.Unlock()
		cancel()
		if err != nil {
			l.s.log.LogAttrs(context.Background(), slog.LevelWarn, "s3blob: renew a lease", slog.String("location", l.s.name), slog.String("key", l.key), slog.Any("err", err))
		}
	}
}

// holdersPrefix is where AddHolder keeps one small JSON object per
// holder.
func (s *Store) holdersPrefix() string { return s.objects() + ".holders/" }

// AddHolder implements blob.Holders: <prefix>objects/.holders/<hash>.json.
func (s *Store) AddHolder(ctx context.Context, h blob.Holder) error {
	b, err := json.Marshal(h)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(b)
	key := s.holdersPrefix() + hex.EncodeToString(sum[:8]) + ".json"
	if _, err := s.c.PutObject(ctx, &s3.PutObjectInput{Bucket: &s.loc.Bucket, Key: &key, Body: bytes.NewReader(b)}); err != nil {
		return s.fail(ctx, "register holder", err)
	}
	return nil
}

// maxHolderSize bounds the read of a holder object.
const maxHolderSize = 64 << 10

// Holders implements blob.Holders.
func (s *Store) Holders(ctx context.Context) ([]blob.Holder, error) {
	var out []blob.Holder
	p := s3.NewListObjectsV2Paginator(s.c, &s3.ListObjectsV2Input{Bucket: &s.loc.Bucket, Prefix: aws.String(s.holdersPrefix())})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, s.fail(ctx, "list holders", err)
		}
		for _, o := range page.Contents {
			key := aws.ToString(o.Key)
			if !strings.HasSuffix(key, ".json") {
				continue
			}
			got, err := s.c.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.loc.Bucket, Key: &key})
			if notFound(err) {
				continue
			}
			if err != nil {
				return nil, s.fail(ctx, "list holders", err)
			}
			b, err := io.ReadAll(io.LimitReader(got.Body, maxHolderSize+1))
			got.Body.Close()
			if err != nil {
				return nil, s.fail(ctx, "list holders", err)
			}
			h, err := decodeHolder(b)
			if err != nil {
				return nil, s.errs.Wrap(blob.ErrCorrupt, s.name+": holder "+key, err)
			}
			out = append(out, h)
		}
	}
	return out, nil
}

// decodeHolder decodes a holder object (bytes from the bucket: anyone
// with write access may have put them there).
func decodeHolder(b []byte) (blob.Holder, error) {
	var h blob.Holder
	if len(b) > maxHolderSize {
		return h, fmt.Errorf("holder of more than %d bytes", maxHolderSize)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&h); err != nil {
		return h, err
	}
	if h.Location == "" || h.Namespace == "" {
		return h, errors.New("holder without a location or namespace")
	}
	return h, nil
}
