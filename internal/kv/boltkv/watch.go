package boltkv

import (
	"time"

	"github.com/cairn-ml/cairn/internal/kv"
)

// Subscribe implements kv.DB. Commits through this DB wake the topic's
// subscribers at once; commits by anyone else (another DB on the same
// file, another process) are found by a poller that looks at the file's
// stamp every Options.Poll and wakes every subscriber, whatever the topic,
// when it changed (bbolt cannot say what changed). File times are coarse,
// so while the file changed less than fileTick ago every poll wakes the
// subscribers, and once a second they are woken regardless: a write is
// never missed, at the price of a few spurious wake-ups.
func (db *DB) Subscribe(topic string) (*kv.Subscription, error) {
	db.subMu.Lock()
	defer db.subMu.Unlock()
	db.mu.Lock()
	closed := db.closed
	db.mu.Unlock()
	if closed {
		return nil, db.errs.Wrap(kv.ErrClosed, db.path, nil)
	}
	var s *kv.Subscription
	s = kv.NewSubscription(func() {
		db.subMu.Lock()
		defer db.subMu.Unlock()
		delete(db.subs[topic], s)
		if len(db.subs[topic]) == 0 {
			delete(db.subs, topic)
		}
		delete(db.all, s)
		if len(db.all) == 0 && db.poll != nil {
			close(db.poll)
			db.poll = nil
		}
	})
	if db.subs[topic] == nil {
		db.subs[topic] = map[*kv.Subscription]struct{}{}
	}
	db.subs[topic][s] = struct{}{}
	db.all[s] = struct{}{}
	if db.poll == nil {
		db.poll = make(chan struct{})
		db.wg.Add(1)
		go db.poller(db.poll)
	}
	return s, nil
}

// notify wakes the subscribers of topics after a commit through db.
func (db *DB) notify(topics []string) {
	if len(topics) == 0 {
		return
	}
	db.subMu.Lock()
	defer db.subMu.Unlock()
	for _, t := range topics {
		for s := range db.subs[t] {
			s.Wake()
		}
	}
}

const (
	fileTick = 20 * time.Millisecond // coarser than any file system's mtime clock
	fullPoll = time.Second
)

func (db *DB) poller(stop chan struct{}) {
	defer db.wg.Done()
	interval := db.opts.Poll
	if interval <= 0 {
		interval = 20 * time.Millisecond
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	last := statFile(db.path)
	lastWake := time.Now()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		now := time.Now()
		st := statFile(db.path)
		recent := now.Sub(time.Unix(0, st.mtime)) < fileTick
		if st == last && !recent && now.Sub(lastWake) < fullPoll {
			continue
		}
		last, lastWake = st, now
		db.subMu.Lock()
		for s := range db.all {
			s.Wake()
		}
		db.subMu.Unlock()
	}
}
