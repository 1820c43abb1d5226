package s3blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/cairn-ml/cairn/internal/blob"
)

// Options configures a Store. The zero value gives the defaults
// documented on each field.
type Options struct {
	// Errors are the sentinels errors wrap.
	Errors blob.Errors
	// Logger receives debug records (lease renewals that failed). Nil
	// discards them.
	Logger *slog.Logger
	// PartSize is the size of a multipart upload's parts, and the size
	// above which a blob is sent in parts. Zero means 32 MiB; S3 wants at
	// least 5 MiB.
	PartSize int64
	// Concurrency bounds the parts of one blob sent at once. Zero means
	// 4.
	Concurrency int
	// TempDir is where a Put larger than PartSize spools the bytes to
	// hash them before sending. "" means os.TempDir().
	TempDir string
	// LeaseTTL is how long a collection lock's lease lives unless its
	// holder renews it (every third of it). Zero means 30 seconds.
	LeaseTTL time.Duration
	// Poll is how often a lock that must wait looks again. Zero means
	// 100 ms.
	Poll time.Duration
}

// Store is a blob store in an S3 bucket under a prefix. It is safe for
// concurrent use, by processes on many machines.
type Store struct {
	loc      Location
	name     string
	c        *s3.Client
	errs     blob.Errors
	log      *slog.Logger
	partSize int64
	conc     int
	tmp      string
	ttl      time.Duration
	poll     time.Duration
}

var (
	_ blob.Store   = (*Store)(nil)
	_ blob.Holders = (*Store)(nil)
	_ blob.Locker  = (*Store)(nil)
)

// Open returns a Store at location (see ParseLocation), with credentials
// from the standard AWS chain, and checks that the bucket can be reached
// (one HeadBucket): a missing bucket is an error wrapping the NotFound
// sentinel, refused credentials and an unreachable endpoint are errors
// that say so, each naming the location.
func Open(ctx context.Context, location string, opts Options) (*Store, error) {
	loc, err := ParseLocation(location)
	if err != nil {
		return nil, opts.Errors.Wrap(blob.ErrInvalid, "blob location", err)
	}
	s := &Store{
		loc: loc, name: loc.String(), errs: opts.Errors, log: opts.Logger,
		partSize: opts.PartSize, conc: opts.Concurrency, tmp: opts.TempDir, ttl: opts.LeaseTTL, poll: opts.Poll,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.partSize <= 0 {
		s.partSize = 32 << 20
	}
	if s.conc <= 0 {
		s.conc = 4
	}
	if s.ttl <= 0 {
		s.ttl = 30 * time.Second
	}
	if s.poll <= 0 {
		s.poll = 100 * time.Millisecond
	}
	cfgOpts := []func(*config.LoadOptions) error{
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxBackoff = 2 * time.Second })
		}),
	}
	if loc.Region != "" {
		cfgOpts = append(cfgOpts, config.WithRegion(loc.Region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, cfgOpts...)
	if err != nil {
		return nil, fmt.Errorf("%s: AWS configuration: %w", s.name, err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	s.c = s3.NewFromConfig(cfg, func(o *s3.Options) {
		if loc.Endpoint != "" {
			o.BaseEndpoint = aws.String(loc.Endpoint)
			o.UsePathStyle = true
		}
		// The store checks SHA-256 itself: no CRC32 on top.
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	})
	if _, err := s.c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &loc.Bucket}); err != nil {
		// A HEAD answer has no body to say why; a listing's does
		// (NoSuchBucket, InvalidAccessKeyId...).
		if _, lerr := s.c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: &loc.Bucket, MaxKeys: aws.Int32(1)}); lerr != nil {
			err = lerr
		}
		return nil, s.fail(ctx, "open", err)
	}
	return s, nil
}

// Location implements blob.Store: s3://bucket/prefix?endpoint=...
func (s *Store) Location() string { return s.name }

// Key returns the object key of the blob with digest d:
// <prefix>objects/<hex[0:2]>/<hex[2:]>.
func (s *Store) Key(d blob.Digest) string {
	h := d.Hex()
	return s.loc.Prefix + "objects/" + h[:2] + "/" + h[2:]
}

func (s *Store) objects() string { return s.loc.Prefix + "objects/" }

// digestOf returns the digest an object key names, if it names one.
func (s *Store) digestOf(key string) (blob.Digest, bool) {
	var d blob.Digest
	rest, ok := strings.CutPrefix(key, s.objects())
	if !ok || len(rest) != 65 || rest[2] != '/' {
		return d, false
	}
	h := rest[:2] + rest[3:]
	if strings.ToLower(h) != h {
		return d, false
	}
	if _, err := hex.Decode(d[:], []byte(h)); err != nil {
		return d, false
	}
	return d, true
}

func b64(sum []byte) *string { return aws.String(base64.StdEncoding.EncodeToString(sum)) }

// Put implements blob.Store. The bytes are read first (into memory up to
// PartSize, into a temporary file beyond) to learn their digest and size;
// then they are sent with their SHA-256, which the server checks, so that
// bytes damaged on the way are refused, never stored. A blob larger than
// PartSize goes up in parts, Concurrency at a time, each with its own
// CRC-32C. A large r that is blob.Sized (an open file of a folder store)
// is not copied: it is hashed where it is, then sent from there, so it
// must not change while Put runs.
func (s *Store) Put(ctx context.Context, r io.Reader, want blob.Digest) (blob.Digest, int64, error) {
	if err := ctx.Err(); err != nil {
		return blob.Digest{}, 0, err
	}
	if src, ok := r.(blob.Sized); ok && src.Size() > s.partSize {
		return s.putSized(ctx, src, want)
	}
	sp, err := s.spool(ctx, r)
	if err != nil {
		return blob.Digest{}, 0, err
	}
	defer sp.close()
	if !want.IsZero() && sp.d != want {
		return blob.Digest{}, 0, s.errs.Wrap(blob.ErrCorrupt, fmt.Sprintf("put %s: the bytes hash to %s", want, sp.d), nil)
	}
	key := s.Key(sp.d)
	if sp.size <= s.partSize {
		_, err = s.c.PutObject(ctx, &s3.PutObjectInput{
			Bucket: &s.loc.Bucket, Key: &key, Body: io.NewSectionReader(sp.r, 0, sp.size), ContentLength: aws.Int64(sp.size),
			ChecksumAlgorithm: types.ChecksumAlgorithmSha256, ChecksumSHA256: b64(sp.d[:]),
		})
	} else {
		err = s.multipart(ctx, key, sp.r, sp.size)
	}
	if err != nil {
		return blob.Digest{}, 0, s.fail(ctx, "put "+sp.d.String(), err)
	}
	return sp.d, sp.size, nil
}

// putSized puts a large blob.Sized source without spooling it: one pass
// to hash it (and check it against want), then the parts, read at their
// offsets.
func (s *Store) putSized(ctx context.Context, src blob.Sized, want blob.Digest) (blob.Digest, int64, error) {
	size := src.Size()
	h := sha256.New()
	if _, err := io.Copy(h, blob.CtxReader{Ctx: ctx, R: io.NewSectionReader(src, 0, size)}); err != nil {
		return blob.Digest{}, 0, s.readErr(ctx, err)
	}
	var d blob.Digest
	h.Sum(d[:0])
	if !want.IsZero() && d != want {
		return blob.Digest{}, 0, s.errs.Wrap(blob.ErrCorrupt, fmt.Sprintf("put %s: the bytes hash to %s", want, d), nil)
	}
	if err := s.multipart(ctx, s.Key(d), src, size); err != nil {
		return blob.Digest{}, 0, s.fail(ctx, "put "+d.String(), err)
	}
	return d, size, nil
}

// spooled is a Put's bytes, read and hashed.
type spooled struct {
	r     io.ReaderAt
	size  int64
	d     blob.Digest
	close func()
}

func (s *Store) spool(ctx context.Context, r io.Reader) (*spooled, error) {
	h := sha256.New()
	var buf bytes.Buffer
	src := io.TeeReader(blob.CtxReader{Ctx: ctx, R: r}, h)
	n, err := io.CopyN(&buf, src, s.partSize+1)
	if err != nil && err != io.EOF {
		return nil, s.readErr(ctx, err)
	}
	if n <= s.partSize {
		sp := &spooled{r: bytes.NewReader(buf.Bytes()), size: n, close: func() {}}
		h.Sum(sp.d[:0])
		return sp, nil
	}
	f, err := os.CreateTemp(s.tmp, "cairn-s3-*")
	if err != nil {
		return nil, fmt.Errorf("%s: spool a put: %w", s.name, err)
	}
	sp := &spooled{r: f, close: func() { f.Close(); os.Remove(f.Name()) }}
	if _, err := f.Write(buf.Bytes()); err != nil {
		sp.close()
		return nil, fmt.Errorf("%s: spool a put: %w", s.name, err)
	}
	m, err := io.Copy(f, src)
	if err != nil {
		sp.close()
		return nil, s.readErr(ctx, err)
	}
	sp.size = n + m
	h.Sum(sp.d[:0])
	return sp, nil
}

func (s *Store) readErr(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("%s: put: %w", s.name, cerr)
	}
	return fmt.Errorf("%s: put: read: %w", s.name, err)
}

// multipart sends size bytes of r to key in parts of PartSize,
// Concurrency at a time, and aborts the upload if any part fails. Each
// part goes with its CRC-32C, which the server checks, so that a part
// damaged on the way is refused; the blob's SHA-256 was checked before
// (a CRC-32C guards a part as well and costs a small share of a second
// SHA-256 pass).
func (s *Store) multipart(ctx context.Context, key string, r io.ReaderAt, size int64) error {
	up, err := s.c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket: &s.loc.Bucket, Key: &key, ChecksumAlgorithm: types.ChecksumAlgorithmCrc32c,
	})
	if err != nil {
		return err
	}
	nparts := int((size + s.partSize - 1) / s.partSize)
	parts := make([]types.CompletedPart, nparts)
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	errc := make(chan error, s.conc)
	for range min(s.conc, nparts) {
		go func() {
			var first error
			for i := range next {
				if first != nil {
					continue
				}
				off := int64(i) * s.partSize
				sec := io.NewSectionReader(r, off, min(s.partSize, size-off))
				h := crc32.New(crc32.MakeTable(crc32.Castagnoli))
				if _, err := io.Copy(h, sec); err != nil {
					first = err
					cancel()
					continue
				}
				sum := h.Sum(nil)
				out, err := s.c.UploadPart(pctx, &s3.UploadPartInput{
					Bucket: &s.loc.Bucket, Key: &key, UploadId: up.UploadId, PartNumber: aws.Int32(int32(i + 1)),
					Body: io.NewSectionReader(r, off, sec.Size()), ContentLength: aws.Int64(sec.Size()),
					ChecksumAlgorithm: types.ChecksumAlgorithmCrc32c, ChecksumCRC32C: b64(sum),
				})
				if err != nil {
					first = err
					cancel()
					continue
				}
				parts[i] = types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(int32(i + 1)), ChecksumCRC32C: b64(sum)}
			}
			errc <- first
		}()
	}
	for i := 0; i < nparts; i++ {
		select {
		case next <- i:
		case <-pctx.Done():
			i = nparts
		}
	}
	close(next)
	for range min(s.conc, nparts) {
		if e := <-errc; e != nil && err == nil {
			err = e
		}
	}
	if err == nil {
		err = ctx.Err()
	}
	if err == nil {
		_, err = s.c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
			Bucket: &s.loc.Bucket, Key: &key, UploadId: up.UploadId,
			MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
		})
	}
	if err != nil {
		actx, acancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer acancel()
		s.c.AbortMultipartUpload(actx, &s3.AbortMultipartUploadInput{Bucket: &s.loc.Bucket, Key: &key, UploadId: up.UploadId})
	}
	return err
}

// Open implements blob.Store: the object's body behind a blob.Verifier
// (its length is checked too).
func (s *Store) Open(ctx context.Context, d blob.Digest) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	key := s.Key(d)
	out, err := s.c.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.loc.Bucket, Key: &key})
	if err != nil {
		if notFound(err) {
			return nil, s.errs.Wrap(blob.ErrNotFound, s.name+": blob "+d.String(), nil)
		}
		return nil, s.fail(ctx, "open "+d.String(), err)
	}
	size := int64(-1)
	if out.ContentLength != nil {
		size = *out.ContentLength
	}
	return &verified{Verifier: blob.NewVerifier(out.Body, d, size, s.errs), body: out.Body}, nil
}

type verified struct {
	*blob.Verifier
	body io.ReadCloser
}

func (v *verified) Close() error { return v.body.Close() }

// Has implements blob.Store with HeadObject: nothing is downloaded.
func (s *Store) Has(ctx context.Context, d blob.Digest) (bool, error) {
	key := s.Key(d)
	_, err := s.c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.loc.Bucket, Key: &key})
	switch {
	case err == nil:
		return true, nil
	case notFound(err):
		return false, nil
	}
	return false, s.fail(ctx, "has "+d.String(), err)
}

// Delete implements blob.Store.
func (s *Store) Delete(ctx context.Context, d blob.Digest) error {
	key := s.Key(d)
	_, err := s.c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.loc.Bucket, Key: &key})
	if err != nil && !notFound(err) {
		return s.fail(ctx, "delete "+d.String(), err)
	}
	return nil
}

// Walk implements blob.Store with ListObjectsV2 (1000 keys a request).
// Keys under objects/ that do not name a blob (holders, leases) are
// skipped.
func (s *Store) Walk(ctx context.Context, fn func(blob.Info) error) error {
	p := s3.NewListObjectsV2Paginator(s.c, &s3.ListObjectsV2Input{Bucket: &s.loc.Bucket, Prefix: aws.String(s.objects())})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return s.fail(ctx, "list blobs", err)
		}
		for _, o := range page.Contents {
			d, ok := s.digestOf(aws.ToString(o.Key))
			if !ok {
				continue
			}
			if err := fn(blob.Info{Digest: d, Size: aws.ToInt64(o.Size), ModTime: aws.ToTime(o.LastModified)}); err != nil {
				return err
			}
		}
	}
	return nil
}

// notFound reports a 404 answer (NoSuchKey, or HeadObject's bare
// NotFound).
func notFound(err error) bool {
	var ae smithy.APIError
	if errors.As(err, &ae) && (ae.ErrorCode() == "NoSuchKey" || ae.ErrorCode() == "NotFound") {
		return true
	}
	var hs interface{ HTTPStatusCode() int }
	return errors.As(err, &hs) && hs.HTTPStatusCode() == 404 && !(errors.As(err, &ae) && ae.ErrorCode() == "NoSuchBucket")
}

// fail turns an SDK error into one that names the location and what was
// done, and wraps the caller's sentinel where one applies.
func (s *Store) fail(ctx context.Context, op string, err error) error {
	what := s.name + ": " + op
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("%s: %w", what, cerr)
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "NoSuchBucket":
			return s.errs.Wrap(blob.ErrNotFound, fmt.Sprintf("%s: bucket %q does not exist", what, s.loc.Bucket), err)
		case "BadDigest", "InvalidDigest", "XAmzContentSHA256Mismatch":
			return s.errs.Wrap(blob.ErrCorrupt, what+": the server received other bytes than were sent", err)
		case "InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "InvalidToken", "ExpiredToken", "Forbidden",
			"XAdminUserNotFound": // versitygw's word for an unknown access key
			return fmt.Errorf("%s: the server refused the credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY or the AWS configuration): %w", what, err)
		}
	}
	var hs interface{ HTTPStatusCode() int }
	if errors.As(err, &hs) {
		switch hs.HTTPStatusCode() {
		case 404:
			if op == "open" && (ae == nil || ae.ErrorCode() == "NotFound") {
				return s.errs.Wrap(blob.ErrNotFound, fmt.Sprintf("%s: bucket %q does not exist", what, s.loc.Bucket), err)
			}
		case 403:
			return fmt.Errorf("%s: the server refused the credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY or the AWS configuration): %w", what, err)
		}
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return fmt.Errorf("%s: cannot reach the server: %w", what, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}
