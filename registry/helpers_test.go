package registry_test

import (
	"bytes"
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairn-ml/cairn/internal/storage/enginetest"
	"github.com/cairn-ml/cairn/registry"
)

var ctx = context.Background()

// t0 is the fake clock's first reading.
var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// clock returns a Now that starts at t0 and moves one second per call.
func clock() func() time.Time {
	var n atomic.Int64
	return func() time.Time { return t0.Add(time.Duration(n.Add(1)-1) * time.Second) }
}

// openReg opens a Registry in a fresh folder (or PostgreSQL schema, in the
// suite's PostgreSQL pass) with a fake clock and user,
// and closes it at the end of the test.
func openReg(t testing.TB, opts registry.Options) *registry.Registry {
	t.Helper()
	if opts.Now == nil {
		opts.Now = clock()
	}
	if opts.User == "" {
		opts.User = "tester"
	}
	reg, err := registry.OpenWith(enginetest.Records(t, engine), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Close() })
	return reg
}

// model returns distinct model bytes for i.
func model(i int) []byte {
	return []byte(`{"format":"cairn.linear/1","coef":[` + string(rune('0'+i%10)) + `],"i":"` + string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676%26)) + `"}`)
}

func mustRegister(t testing.TB, reg *registry.Registry, name string, b []byte, opts registry.RegisterOptions) registry.Version {
	t.Helper()
	if opts.Format == "" {
		opts.Format = "cairn.linear/1"
	}
	v, _, err := reg.Register(ctx, name, bytes.NewReader(b), opts)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func mustSet(t testing.TB, reg *registry.Registry, name, alias string, version int) registry.AliasEvent {
	t.Helper()
	ev, err := reg.SetAlias(ctx, name, alias, version, registry.AliasOptions{})
	if err != nil {
		t.Fatalf("SetAlias(%s, @%s, %d): %v", name, alias, version, err)
	}
	return ev
}
