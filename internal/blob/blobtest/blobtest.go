// Package blobtest is the conformance suite of the blob contract
// (internal/blob): every engine runs it.
package blobtest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-ml/cairn/internal/blob"
)

// Sentinels the suite gives engines as their Errors.
var (
	ErrCorrupt  = errors.New("test: corrupt")
	ErrNotFound = errors.New("test: not found")
)

// Errors is what the suite's engines must be opened with.
var Errors = blob.Errors{Corrupt: ErrCorrupt, NotFound: ErrNotFound}

// Open makes a new, empty store for one test; damage, if not nil,
// changes the stored bytes of a blob (to test verification).
type Open func(t *testing.T) (s blob.Store, damage func(blob.Digest))

// Run runs the conformance suite.
func Run(t *testing.T, open Open) {
	ctx := context.Background()
	t.Run("PutOpen", func(t *testing.T) {
		s, _ := open(t)
		for _, content := range []string{"", "hello", strings.Repeat("x", 3<<20+7)} {
			d, n, err := s.Put(ctx, strings.NewReader(content), blob.Digest{})
			if err != nil {
				t.Fatal(err)
			}
			if want := blob.Sum([]byte(content)); d != want || n != int64(len(content)) {
				t.Fatalf("Put = %s, %d; want %s, %d", d, n, want, len(content))
			}
			got, err := blob.ReadAll(ctx, s, d, -1, Errors)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != content {
				t.Fatalf("read back %d bytes, want %d", len(got), len(content))
			}
			if ok, err := s.Has(ctx, d); err != nil || !ok {
				t.Fatalf("Has = %v, %v", ok, err)
			}
			// Again: not an error.
			if _, _, err := s.Put(ctx, strings.NewReader(content), d); err != nil {
				t.Fatalf("second Put: %v", err)
			}
		}
	})
	t.Run("WantMismatch", func(t *testing.T) {
		s, _ := open(t)
		want := blob.Sum([]byte("other"))
		_, _, err := s.Put(ctx, strings.NewReader("this"), want)
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("Put with a wrong digest = %v, want Corrupt", err)
		}
		for _, d := range []blob.Digest{want, blob.Sum([]byte("this"))} {
			if ok, _ := s.Has(ctx, d); ok {
				t.Errorf("a refused Put stored %s", d)
			}
		}
	})
	t.Run("Missing", func(t *testing.T) {
		s, _ := open(t)
		d := blob.Sum([]byte("never put"))
		if _, err := s.Open(ctx, d); !errors.Is(err, ErrNotFound) || !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("Open(missing) = %v, want NotFound", err)
		}
		if ok, err := s.Has(ctx, d); ok || err != nil {
			t.Errorf("Has(missing) = %v, %v", ok, err)
		}
		if err := s.Delete(ctx, d); err != nil {
			t.Errorf("Delete(missing) = %v", err)
		}
	})
	t.Run("Damaged", func(t *testing.T) {
		s, damage := open(t)
		if damage == nil {
			t.Skip("the engine cannot damage a blob in a test")
		}
		d, _, err := s.Put(ctx, strings.NewReader("precious bytes"), blob.Digest{})
		if err != nil {
			t.Fatal(err)
		}
		damage(d)
		if _, err := blob.ReadAll(ctx, s, d, -1, Errors); !errors.Is(err, ErrCorrupt) {
			t.Errorf("reading a damaged blob = %v, want Corrupt", err)
		}
		// A Put of the right bytes mends it.
		if _, _, err := s.Put(ctx, strings.NewReader("precious bytes"), d); err != nil {
			t.Fatal(err)
		}
		if b, err := blob.ReadAll(ctx, s, d, -1, Errors); err != nil || string(b) != "precious bytes" {
			t.Errorf("after a new Put: %q, %v", b, err)
		}
	})
	t.Run("DeleteWalk", func(t *testing.T) {
		s, _ := open(t)
		var want []string
		for _, c := range []string{"a", "b", "c"} {
			d, _, err := s.Put(ctx, strings.NewReader(c), blob.Digest{})
			if err != nil {
				t.Fatal(err)
			}
			if c != "b" {
				want = append(want, d.String())
			} else if err := s.Delete(ctx, d); err != nil {
				t.Fatal(err)
			}
		}
		var got []string
		err := s.Walk(ctx, func(i blob.Info) error {
			got = append(got, i.Digest.String())
			if i.Size != 1 || i.ModTime.IsZero() {
				t.Errorf("Walk: %+v", i)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(got)
		slices.Sort(want)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Walk (-want +got):\n%s", diff)
		}
	})
	t.Run("Holders", func(t *testing.T) {
		s, _ := open(t)
		hs, ok := s.(blob.Holders)
		if !ok {
			t.Skip("no holders")
		}
		a := blob.Holder{Location: "../cairn.db", Namespace: "track"}
		b := blob.Holder{Location: "../cairn.db", Namespace: "registry"}
		for _, h := range []blob.Holder{a, b, a} {
			if err := hs.AddHolder(ctx, h); err != nil {
				t.Fatal(err)
			}
		}
		got, err := hs.Holders(ctx)
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(got, func(x, y blob.Holder) int { return strings.Compare(x.Namespace, y.Namespace) })
		if diff := cmp.Diff([]blob.Holder{b, a}, got); diff != "" {
			t.Errorf("Holders (-want +got):\n%s", diff)
		}
	})
	t.Run("Canceled", func(t *testing.T) {
		s, _ := open(t)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, _, err := s.Put(cctx, bytes.NewReader(make([]byte, 1<<20)), blob.Digest{}); !errors.Is(err, context.Canceled) {
			t.Errorf("Put with a canceled context = %v", err)
		}
		_, err := s.Open(cctx, blob.Sum(nil))
		if err == nil {
			t.Errorf("Open with a canceled context succeeded")
		}
	})
	_ = io.EOF
}
