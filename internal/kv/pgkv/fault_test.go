package pgkv

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairn-ml/cairn/internal/kv"
	"github.com/cairn-ml/cairn/internal/storage/enginetest"
)

// withParam returns loc with a query parameter set.
func withParam(t testing.TB, loc, k, v string) string {
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set(k, v)
	u.RawQuery = q.Encode()
	return u.String()
}

// password returns the password of loc ("" if none).
func password(loc string) string {
	u, err := url.Parse(loc)
	if err != nil || u.User == nil {
		return ""
	}
	p, _ := u.User.Password()
	return p
}

// terminate ends the server sessions of an application name.
func terminate(t testing.TB, base, app string) {
	enginetest.Exec(t, base, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()", app)
}

// Errors at Open name the location, never its password, and say what
// went wrong.
func TestOpenFaults(t *testing.T) {
	base := enginetest.PostgresServer(t)
	u, _ := url.Parse(base)
	notFound := errors.New("test: not found")
	wrongPW := *u
	wrongPW.User = url.UserPassword(u.User.Username(), "wrong-password-123")
	missingDB := *u
	missingDB.Path = "/no_such_database_cairn"
	for _, c := range []struct {
		name, loc, want string
		is              error
	}{
		{"unreachable", "postgres://cairn:secret-pw-456@127.0.0.1:1/db?sslmode=disable&connect_timeout=5", "cannot connect", nil},
		{"wrong password", wrongPW.String(), "refused the credentials", nil},
		{"missing database", missingDB.String(), "no_such_database_cairn", notFound},
		{"bad schema", withParam(t, base, "schema", strings.Repeat("s", 64)), "schema", kv.ErrInvalid},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Open(ctx, c.loc, Options{Errors: kv.Errors{NotFound: notFound}})
			if err == nil {
				t.Fatal("Open succeeded")
			}
			msg := err.Error()
			if pw := password(c.loc); pw != "" && strings.Contains(msg, pw) {
				t.Errorf("the error shows the password: %v", err)
			}
			if !strings.Contains(msg, "postgres://") || !strings.Contains(msg, c.want) {
				t.Errorf("Open = %v, want the location and %q", err, c.want)
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("Open = %v, want it to wrap %v", err, c.is)
			}
		})
	}
}

// A connection dropped in the middle of an update: the update runs again
// on a new connection and commits once; AfterCommit runs once. If every
// attempt loses its connection, the update fails and nothing is written.
func TestDroppedConnection(t *testing.T) {
	base := enginetest.PostgresServer(t)
	app := fmt.Sprintf("cairn_victim_%d", time.Now().UnixNano())
	db, err := Open(ctx, withParam(t, enginetest.Postgres(t), "application_name", app), Options{MaxAttempts: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	attempts, after := 0, 0
	err = db.Update(ctx, func(tx kv.Tx) error {
		attempts++
		b, err := tx.CreateBucket("b")
		if err != nil {
			return err
		}
		b.Put([]byte("first"), []byte("1"))
		b.Get([]byte("x")) // sends the put
		if attempts == 1 {
			terminate(t, base, app)
		}
		b.Put([]byte("second"), []byte("2"))
		b.Get([]byte("y")) // fails on the first attempt
		tx.AfterCommit(func() { after++ })
		return nil
	})
	if err != nil {
		t.Fatalf("Update after a dropped connection = %v, want it retried", err)
	}
	if attempts != 2 || after != 1 {
		t.Errorf("attempts %d, AfterCommit ran %d times; want 2 and 1", attempts, after)
	}
	db.View(ctx, func(tx kv.Tx) error {
		if string(tx.Bucket("b").Get([]byte("first"))) != "1" || string(tx.Bucket("b").Get([]byte("second"))) != "2" {
			t.Errorf("the retried update is not whole")
		}
		return nil
	})

	err = db.Update(ctx, func(tx kv.Tx) error {
		b, _ := tx.CreateBucket("doomed")
		b.Put([]byte("k"), []byte("v"))
		b.Get([]byte("x"))
		terminate(t, base, app)
		b.Get([]byte("y"))
		return nil
	})
	if err == nil {
		t.Fatal("an update whose connection always drops succeeded")
	}
	if pw := password(base); pw != "" && strings.Contains(err.Error(), pw) {
		t.Errorf("the error shows the password: %v", err)
	}
	db.View(ctx, func(tx kv.Tx) error {
		if tx.Bucket("doomed") != nil {
			t.Errorf("a failed update left a bucket behind")
		}
		return nil
	})
}

// Conflicting updates are retried until each has committed once.
func TestConflictsRetried(t *testing.T) {
	db := openTest(t, Options{})
	db.Update(ctx, func(tx kv.Tx) error { _, err := tx.CreateBucket("b"); return err })
	var wg sync.WaitGroup
	var committed atomic.Int64
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				err := db.Update(ctx, func(tx kv.Tx) error {
					b := tx.Bucket("b")
					var n int
					fmt.Sscan(string(b.Get([]byte("n"))), &n)
					if _, err := b.NextSequence(); err != nil {
						return err
					}
					tx.AfterCommit(func() { committed.Add(1) })
					return b.Put([]byte("n"), []byte(fmt.Sprint(n+1)))
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	db.View(ctx, func(tx kv.Tx) error {
		b := tx.Bucket("b")
		if got := string(b.Get([]byte("n"))); got != "60" || b.Sequence() != 60 || committed.Load() != 60 {
			t.Errorf("after 60 conflicting increments: n = %s, sequence %d, AfterCommit %d", got, b.Sequence(), committed.Load())
		}
		return nil
	})
}

// A row held by another transaction: past LockTimeout the update fails
// with the Locked sentinel; a cancelled context ends the wait at once.
func TestLockWait(t *testing.T) {
	loc := enginetest.Postgres(t)
	locked := errors.New("test: locked")
	db, err := Open(ctx, loc, Options{LockTimeout: 200 * time.Millisecond, MaxAttempts: 1, Errors: kv.Errors{Locked: locked}})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.Update(ctx, func(tx kv.Tx) error {
		b, _ := tx.CreateBucket("b")
		return b.Put([]byte("k"), []byte("v"))
	})
	// Another session holds the row.
	other, err := Open(ctx, loc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	hold := make(chan struct{})
	held := make(chan struct{})
	go other.Update(ctx, func(tx kv.Tx) error {
		tx.Bucket("b").Put([]byte("k"), []byte("held"))
		tx.Bucket("b").Get([]byte("sync")) // sends the put: the row is locked
		close(held)
		<-hold
		return errStop
	})
	<-held
	defer close(hold)
	err = db.Update(ctx, func(tx kv.Tx) error { return tx.Bucket("b").Put([]byte("k"), []byte("mine")) })
	if !errors.Is(err, locked) || !errors.Is(err, kv.ErrLocked) {
		t.Errorf("Update of a held row = %v, want Locked", err)
	}
	long, err := Open(ctx, loc, Options{LockTimeout: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer long.Close()
	cctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	err = long.Update(cctx, func(tx kv.Tx) error { return tx.Bucket("b").Put([]byte("k"), []byte("mine")) })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Update of a held row with a deadline = %v, want DeadlineExceeded", err)
	}
}

// Notifications sent while the listener is away are lost; after it
// reconnects it wakes every subscriber, which then reads again.
func TestListenerCatchesUp(t *testing.T) {
	base := enginetest.PostgresServer(t)
	loc := enginetest.Postgres(t)
	app := fmt.Sprintf("cairn_listener_%d", time.Now().UnixNano())
	sub, err := Open(ctx, withParam(t, loc, "application_name", app), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	writer, err := Open(ctx, loc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	var connects atomic.Int64
	sent := make(chan error, 1)
	sub.beforeListen = func() {
		if connects.Add(1) == 2 {
			// Away: the writer's notification reaches no one.
			sent <- writer.Update(ctx, func(tx kv.Tx) error {
				tx.Notify("topic")
				b, err := tx.CreateBucket("b")
				if err != nil {
					return err
				}
				return b.Put([]byte("k"), []byte("v2"))
			})
		}
	}
	s, err := sub.Subscribe("topic")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	wake := func(what string) {
		t.Helper()
		select {
		case <-s.C:
		case <-time.After(20 * time.Second):
			t.Fatalf("no wake-up %s", what)
		}
	}
	wake("when the listener first connected")
	terminate(t, base, app)
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	wake("after the listener reconnected")
	sub.View(ctx, func(tx kv.Tx) error {
		if got := string(tx.Bucket("b").Get([]byte("k"))); got != "v2" {
			t.Errorf("after the wake-up: %q, want v2", got)
		}
		return nil
	})
}

// A server restart while a subscriber listens: the subscriber catches up
// once the server is back, and updates retry onto new connections. It
// runs on a server of its own (CAIRN_TEST_POSTGRES_FAULT), restarted by
// the command in CAIRN_TEST_POSTGRES_RESTART.
func TestServerRestart(t *testing.T) {
	if !enginetest.Have("CAIRN_TEST_POSTGRES_FAULT") && !enginetest.InCI() {
		t.Skip("CAIRN_TEST_POSTGRES_FAULT is not set: no server to restart")
	}
	base, restart := os.Getenv("CAIRN_TEST_POSTGRES_FAULT"), os.Getenv("CAIRN_TEST_POSTGRES_RESTART")
	if base == "" || restart == "" {
		t.Fatal("CI must set CAIRN_TEST_POSTGRES_FAULT and CAIRN_TEST_POSTGRES_RESTART (.ci/servers.sh does)")
	}
	schema := fmt.Sprintf("t_restart_%d", time.Now().UnixNano())
	loc := enginetest.WithSchema(t, base, schema)
	t.Cleanup(func() { enginetest.DropSchema(t, base, schema) })
	sub, err := Open(ctx, loc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	writer, err := Open(ctx, loc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	s, err := sub.Subscribe("topic")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	<-s.C // the listener is connected
	if out, err := exec.Command("sh", "-c", restart).CombinedOutput(); err != nil {
		t.Fatalf("restart the server: %v\n%s", err, out)
	}
	err = writer.Update(ctx, func(tx kv.Tx) error {
		tx.Notify("topic")
		b, err := tx.CreateBucket("b")
		if err != nil {
			return err
		}
		return b.Put([]byte("k"), []byte("after restart"))
	})
	if err != nil {
		t.Fatalf("Update after a restart = %v, want it retried onto a new connection", err)
	}
	deadline := time.After(30 * time.Second)
	for {
		select {
		case <-s.C:
		case <-deadline:
			t.Fatal("the subscriber did not catch up after the restart")
		}
		var got string
		err := sub.View(ctx, func(tx kv.Tx) error {
			if b := tx.Bucket("b"); b != nil {
				got = string(b.Get([]byte("k")))
			}
			return nil
		})
		if err == nil && got == "after restart" {
			return
		}
	}
}

// Topics may hold any byte, and be longer than a notification's payload
// (then every subscriber wakes); wake-ups cross DBs (processes).
func TestNotifyAnyTopic(t *testing.T) {
	loc := enginetest.Postgres(t)
	sub, err := Open(ctx, loc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	writer, err := Open(ctx, loc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	for _, topic := range []string{"model\x00@champion\xff", strings.Repeat("long", 2000)} {
		s, err := sub.Subscribe(topic)
		if err != nil {
			t.Fatal(err)
		}
		other, _ := sub.Subscribe("other")
		select { // the listener's first wake-up
		case <-s.C:
		case <-time.After(20 * time.Second):
			t.Fatal("no wake-up when the listener connected")
		}
		select {
		case <-other.C:
		case <-time.After(time.Second):
		}
		err = writer.Update(ctx, func(tx kv.Tx) error {
			tx.Notify(topic)
			_, err := tx.CreateBucket("b")
			return err
		})
		if err != nil {
			t.Fatalf("Update notifying %q: %v", topic[:8], err)
		}
		select {
		case <-s.C:
		case <-time.After(20 * time.Second):
			t.Fatalf("no wake-up on topic %q", topic[:8])
		}
		s.Close()
		other.Close()
	}
}
