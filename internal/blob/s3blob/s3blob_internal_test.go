package s3blob

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cairn-ml/cairn/internal/blob"
	"github.com/cairn-ml/cairn/internal/blob/blobtest"
	"github.com/cairn-ml/cairn/internal/storage/enginetest"
)

var ctx = context.Background()

func openTest(t testing.TB, opts Options) *Store {
	t.Helper()
	s, err := Open(ctx, enginetest.S3(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// rawPut writes an object as it is, with no checksum: damage, or a
// stranger's object.
func (s *Store) rawPut(t testing.TB, key string, b []byte) {
	t.Helper()
	if _, err := s.c.PutObject(ctx, &s3.PutObjectInput{Bucket: &s.loc.Bucket, Key: &key, Body: bytes.NewReader(b)}); err != nil {
		t.Fatal(err)
	}
}

func TestContract(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) (blob.Store, func(blob.Digest)) {
		s := openTest(t, Options{Errors: blobtest.Errors, PartSize: 5 << 20})
		return s, func(d blob.Digest) {
			rc, err := s.Open(ctx, d)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(io.LimitReader(rc, 1<<30))
			rc.Close()
			b[0] ^= 1
			s.rawPut(t, s.Key(d), b)
		}
	})
}

// A blob larger than PartSize goes up in parts and reads back whole; a
// wrong expected digest stores nothing, also in parts. A reader that is
// blob.Sized (bytes.Reader is) is sent from where it is, another is
// spooled first.
func TestMultipart(t *testing.T) {
	for _, c := range []struct {
		name string
		src  func(b []byte) io.Reader
	}{
		{"sized", func(b []byte) io.Reader { return bytes.NewReader(b) }},
		{"stream", func(b []byte) io.Reader { return struct{ io.Reader }{bytes.NewReader(b)} }},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := openTest(t, Options{Errors: blobtest.Errors, PartSize: 5 << 20, Concurrency: 3})
			b := make([]byte, 17<<20+3) // four parts, the last short
			rand.Read(b)
			if _, sized := c.src(b).(blob.Sized); sized != (c.name == "sized") {
				t.Fatalf("%s source: Sized = %v", c.name, sized)
			}
			d, n, err := s.Put(ctx, c.src(b), blob.Sum(b))
			if err != nil || n != int64(len(b)) || d != blob.Sum(b) {
				t.Fatalf("Put = %s, %d, %v", d, n, err)
			}
			got, err := blob.ReadAll(ctx, s, d, int64(len(b)), blobtest.Errors)
			if err != nil || !bytes.Equal(got, b) {
				t.Fatalf("read back %d bytes, %v", len(got), err)
			}
			b[0] ^= 1
			if _, _, err := s.Put(ctx, c.src(b), d); !errors.Is(err, blobtest.ErrCorrupt) {
				t.Fatalf("Put of other bytes under a digest = %v, want Corrupt", err)
			}
			if ok, _ := s.Has(ctx, blob.Sum(b)); ok {
				t.Fatal("a refused Put stored its bytes")
			}
			// Without a digest to check, the bytes are stored under theirs.
			if d2, _, err := s.Put(ctx, c.src(b), blob.Digest{}); err != nil || d2 != blob.Sum(b) {
				t.Fatalf("Put without a digest = %s, %v; want %s", d2, err, blob.Sum(b))
			}
		})
	}
}

// Walk skips what is not a blob: holders, leases, strangers' objects.
func TestWalkSkips(t *testing.T) {
	s := openTest(t, Options{})
	d, _, err := s.Put(ctx, strings.NewReader("blob"), blob.Digest{})
	if err != nil {
		t.Fatal(err)
	}
	s.AddHolder(ctx, blob.Holder{Location: "postgres://u@h/db", Namespace: "track"})
	unlock, err := s.Lock(ctx, false, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	s.rawPut(t, s.objects()+"ab/not-a-digest", []byte("x"))
	s.rawPut(t, s.objects()+"AB/"+strings.Repeat("C", 62), []byte("x"))
	var got []blob.Digest
	if err := s.Walk(ctx, func(i blob.Info) error { got = append(got, i.Digest); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != d {
		t.Fatalf("Walk = %v, want only %s", got, d)
	}
}

// The collection lock: shared holders together, an exclusive one alone;
// a dead lease (its holder gone) does not block for longer than its TTL.
func TestLock(t *testing.T) {
	locked := errors.New("test: locked")
	s := openTest(t, Options{Errors: blob.Errors{Locked: locked}, LeaseTTL: 3 * time.Second, Poll: 20 * time.Millisecond})
	soon := func() time.Time { return time.Now().Add(300 * time.Millisecond) }
	a, err := s.Lock(ctx, false, soon())
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Lock(ctx, false, soon())
	if err != nil {
		t.Fatalf("a second shared lock: %v", err)
	}
	if _, err := s.Lock(ctx, true, soon()); !errors.Is(err, locked) || !errors.Is(err, blob.ErrLocked) {
		t.Fatalf("exclusive while shared are held = %v, want Locked", err)
	}
	a()
	b()
	x, err := s.Lock(ctx, true, soon())
	if err != nil {
		t.Fatalf("exclusive once the shared are released: %v", err)
	}
	if _, err := s.Lock(ctx, false, soon()); !errors.Is(err, locked) {
		t.Fatalf("shared while exclusive is held = %v, want Locked", err)
	}
	if _, err := s.Lock(ctx, true, soon()); !errors.Is(err, locked) {
		t.Fatalf("a second exclusive = %v, want Locked", err)
	}
	x()
	// A holder that died: its lease stays until the TTL runs out.
	s.rawPut(t, s.lockKey("exclusive"), []byte(`{"owner":"dead"}`))
	if _, err := s.Lock(ctx, false, soon()); !errors.Is(err, locked) {
		t.Fatalf("shared beside a fresh dead lease = %v, want Locked", err)
	}
	unlock, err := s.Lock(ctx, false, time.Now().Add(10*time.Second))
	if err != nil {
		t.Fatalf("shared once the dead lease expired: %v", err)
	}
	unlock()
}

// A lease is renewed while held, so a long hold keeps others out.
func TestLeaseRenewed(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for two TTLs")
	}
	s := openTest(t, Options{LeaseTTL: 1500 * time.Millisecond, Poll: 20 * time.Millisecond})
	x, err := s.Lock(ctx, true, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	defer x()
	time.Sleep(3 * time.Second)
	if _, err := s.Lock(ctx, false, time.Now().Add(100*time.Millisecond)); !errors.Is(err, blob.ErrLocked) {
		t.Fatalf("shared lock after two TTLs of a held exclusive = %v, want Locked", err)
	}
}

// Faults: each error names the location and says what went wrong.
func TestFaults(t *testing.T) {
	base := enginetest.S3Server(t)
	loc, _ := ParseLocation(base)
	notFound := errors.New("test: not found")
	for _, c := range []struct {
		name, location string
		env            map[string]string
		want           string
		is             error
	}{
		{name: "missing bucket", location: strings.Replace(base, "s3://"+loc.Bucket, "s3://no-such-bucket-cairn", 1), want: `bucket "no-such-bucket-cairn" does not exist`, is: notFound},
		{name: "wrong secret", location: base, env: map[string]string{"AWS_SECRET_ACCESS_KEY": "wrong-secret"}, want: "refused the credentials"},
		{name: "unknown key", location: base, env: map[string]string{"AWS_ACCESS_KEY_ID": "nobody"}, want: "refused the credentials"},
		{name: "unreachable", location: "s3://" + loc.Bucket + "?endpoint=http://127.0.0.1:1&region=us-east-1", want: "cannot reach the server"},
	} {
		t.Run(c.name, func(t *testing.T) {
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			_, err := Open(ctx, c.location, Options{Errors: blob.Errors{NotFound: notFound}})
			if err == nil {
				t.Fatal("Open succeeded")
			}
			if msg := err.Error(); !strings.Contains(msg, c.want) || !strings.Contains(msg, "s3://") {
				t.Errorf("Open = %v, want an error naming the location and saying %q", err, c.want)
			}
			if strings.Contains(err.Error(), "wrong-secret") || strings.Contains(err.Error(), "cairnsecret") {
				t.Errorf("the error repeats a secret: %v", err)
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("Open = %v, want it to wrap %v", err, c.is)
			}
		})
	}
	_ = aws.String
}
