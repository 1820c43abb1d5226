package pgkv

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cairn-ml/cairn/internal/kv"
)

// maxPayload is the longest topic sent as a notification's payload, in
// hex (PostgreSQL allows 8000 bytes of text, and topics may hold any
// byte); a longer one is sent empty, which wakes every subscriber.
const maxPayload = 3999

// channelName returns the notification channel of a schema: one per
// schema, so that stores in different schemas of one database do not wake
// each other.
func channelName(schema string) string {
	c := "cairn." + schema
	if len(c) > maxSchemaLen {
		h := sha256.Sum256([]byte(schema))
		c = "cairn." + hex.EncodeToString(h[:16])
	}
	return c
}

func payload(topic string) string {
	if len(topic) > maxPayload {
		return ""
	}
	return hex.EncodeToString([]byte(topic))
}

// topicOf decodes a payload; one that is not ours wakes everyone.
func topicOf(payload string) string {
	b, err := hex.DecodeString(payload)
	if err != nil {
		return ""
	}
	return string(b)
}

// subscribers are a DB's subscriptions and the listener that serves
// them: one goroutine with its own connection (not from the pool), which
// runs while there is a subscription.
type subscribers struct {
	mu     sync.Mutex
	topics map[string]map[*kv.Subscription]struct{}
	all    map[*kv.Subscription]struct{}
	cancel context.CancelFunc // stops the listener; nil when it is not running
	closed bool
	// running counts listener goroutines: one, and briefly two when a
	// subscription starts one while the last is on its way out.
	running sync.WaitGroup
}

func (s *subscribers) init() {
	s.topics = map[string]map[*kv.Subscription]struct{}{}
	s.all = map[*kv.Subscription]struct{}{}
}

// Subscribe implements kv.DB. Commits through this DB wake the topic's
// subscribers at once; commits by others (other processes, other
// machines) arrive through PostgreSQL's LISTEN/NOTIFY on the listener's
// connection. Notifications sent while the listener is not connected are
// lost (PostgreSQL does not queue them for a listener that was away), so
// every time the listener (re)connects it wakes every subscriber, which
// then reads again what it follows.
func (db *DB) Subscribe(topic string) (*kv.Subscription, error) {
	db.mu.RLock()
	closed := db.closed
	db.mu.RUnlock()
	if closed {
		return nil, db.errs.Wrap(kv.ErrClosed, db.loc, nil)
	}
	s := &db.subs
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, db.errs.Wrap(kv.ErrClosed, db.loc, nil)
	}
	var sub *kv.Subscription
	sub = kv.NewSubscription(func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.topics[topic], sub)
		if len(s.topics[topic]) == 0 {
			delete(s.topics, topic)
		}
		delete(s.all, sub)
		if len(s.all) == 0 && s.cancel != nil {
			s.cancel()
			s.cancel = nil
		}
	})
	if s.topics[topic] == nil {
		s.topics[topic] = map[*kv.Subscription]struct{}{}
	}
	s.topics[topic][sub] = struct{}{}
	s.all[sub] = struct{}{}
	if s.cancel == nil {
		ctx, cancel := context.WithCancel(context.Background())
		s.cancel = cancel
		s.running.Add(1)
		go db.listen(ctx, s.running.Done)
	}
	return sub, nil
}

// local wakes the subscribers of topics after a commit through this DB.
func (s *subscribers) local(topics []string) {
	if len(topics) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range topics {
		for sub := range s.topics[t] {
			sub.Wake()
		}
	}
}

// wake wakes the subscribers of topic, or all of them if topic is "".
func (s *subscribers) wake(topic string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	subs := s.topics[topic]
	if topic == "" {
		subs = s.all
	}
	for sub := range subs {
		sub.Wake()
	}
}

// stop stops the listener for good (Close).
func (s *subscribers) stop() {
	s.mu.Lock()
	s.closed = true
	if s.cancel != nil {
		s.cancel()
		s.cancel = nil
	}
	s.mu.Unlock()
	s.running.Wait()
}

// listen keeps a connection that LISTENs on the schema's channel until
// ctx ends, reconnecting (after 50 ms, doubling to 2 s) whenever it
// fails, and waking every subscriber after each LISTEN.
func (db *DB) listen(ctx context.Context, done func()) {
	defer done()
	wait := 50 * time.Millisecond
	for ctx.Err() == nil {
		err := db.listenOnce(ctx, func() { wait = 50 * time.Millisecond })
		if ctx.Err() != nil {
			return
		}
		db.log.LogAttrs(ctx, slog.LevelDebug, "pgkv: listener reconnects", slog.String("location", db.loc), slog.Any("err", Redact(err.Error())), slog.Duration("after", wait))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		wait = min(2*wait, 2*time.Second)
	}
}

// listenOnce connects, LISTENs, wakes every subscriber, then routes
// notifications until the connection fails or ctx ends.
func (db *DB) listenOnce(ctx context.Context, connected func()) error {
	conn, err := pgx.ConnectConfig(ctx, db.connCfg)
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		conn.Close(cctx)
	}()
	if db.beforeListen != nil {
		db.beforeListen()
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{db.q.channel}.Sanitize()); err != nil {
		return err
	}
	connected()
	db.subs.wake("") // what was sent while no one listened is lost: read again
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		db.subs.wake(topicOf(n.Payload))
	}
}
