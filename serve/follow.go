package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/cairn-ml/cairn/registry"
)

// Registry is what Follow uses of a model registry: reading versions and
// their bytes, and watching an alias. *registry.Registry implements it;
// its methods must be safe for concurrent use.
type Registry interface {
	Get(ctx context.Context, name, ref string) (registry.Version, error)
	Load(ctx context.Context, name, ref string) (registry.Version, []byte, error)
	Versions(ctx context.Context, name string) ([]registry.Version, error)
	Watch(ctx context.Context, name, alias string) (<-chan registry.AliasChange, error)
}

var _ Registry = (*registry.Registry)(nil)

// Follow serves model name from reg at reference ref: "@champion" (an
// alias, followed), "v3" or "3" (that version) or "latest" (the latest
// version when Follow runs). The version is loaded and checked before
// Follow returns; if it cannot be, Follow returns the error (a *LoadError
// wrapping the registry's or the decoder's error) and serves nothing.
//
// For an alias, Follow then watches it (registry.Watch) until Close:
// when it moves, in this process or another, the new version is loaded,
// checked and
// swapped in atomically; requests already running finish on the version
// they started with. A version that fails (bytes that fail their digest,
// bytes that do not decode, a Predictor that fails the checks, changed
// features) is refused: the old version keeps serving, and the failure is
// logged, counted in /metrics and shown by Status and /v2/health/ready. A
// failure that may pass (the registry file stayed locked) is retried with
// backoff while the alias stays there. An alias deleted keeps the last
// version serving.
//
// Any registered version can also be requested by number on the
// versioned routes; it is loaded on first use. The caller keeps reg open
// until Close and closes it after. Follow fails with ErrExists if name is
// already served, ErrInvalid for a bad reference, ErrClosed after Close;
// ctx bounds only the first load.
func (s *Server) Follow(ctx context.Context, reg Registry, name, ref string) error {
	if reg == nil || !routable(name) {
		return fmt.Errorf("%w: Follow needs a registry and a model name a route can hold (not empty, \".\" or \"..\", no '/')", ErrInvalid)
	}
	r, err := registry.ParseRef(ref)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	s.mu.Lock()
	switch {
	case s.closed:
		s.mu.Unlock()
		return ErrClosed
	case (*s.models.Load())[name] != nil:
		s.mu.Unlock()
		return fmt.Errorf("%w: %q", ErrExists, name)
	}
	s.mu.Unlock()

	m := &model{name: name, reg: reg, ref: r.String(), alias: r.Alias, versions: map[int]*version{}}
	if r.Alias == "" {
		rv, err := reg.Get(ctx, name, ref)
		if err != nil {
			return &LoadError{Model: name, At: s.opts.Now(), Err: err}
		}
		v, err := s.load(ctx, m, rv.Number)
		if err != nil {
			return err
		}
		return s.install(m, v, nil)
	}

	wctx, stop := context.WithCancel(context.Background())
	ch, err := reg.Watch(wctx, name, r.Alias)
	if err != nil {
		stop()
		return &LoadError{Model: name, At: s.opts.Now(), Err: err}
	}
	var first registry.AliasChange
	select {
	case c, ok := <-ch:
		if !ok {
			stop()
			return &LoadError{Model: name, At: s.opts.Now(), Err: registry.ErrClosed}
		}
		first = c
	case <-ctx.Done():
		stop()
		return fmt.Errorf("serve: follow %s: %w", name, ctx.Err())
	}
	switch {
	case first.Err != nil:
		stop()
		return &LoadError{Model: name, At: s.opts.Now(), Err: first.Err}
	case first.Version.Number == 0:
		stop()
		return &LoadError{Model: name, At: s.opts.Now(), Err: fmt.Errorf("alias @%s is not set: %w", r.Alias, registry.ErrNotFound)}
	}
	v, err := s.load(ctx, m, first.Version.Number)
	if err != nil {
		stop()
		return err
	}
	if err := s.install(m, v, stop); err != nil {
		return err
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "serve: following alias", slog.String("model", name),
		slog.String("alias", r.Alias), slog.Int("version", v.number))
	go s.follow(wctx, m, ch, first.Seq)
	return nil
}

// install adds a followed model serving v, and registers stop (if not
// nil) to be called by Close; s.wg counts the goroutine to come.
func (s *Server) install(m *model, v *version, stop context.CancelFunc) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	fail := func(err error) error {
		if stop != nil {
			stop()
		}
		return err
	}
	switch {
	case s.closed:
		return fail(ErrClosed)
	case (*s.models.Load())[m.name] != nil:
		return fail(fmt.Errorf("%w: %q", ErrExists, m.name))
	}
	s.swapIn(m, v, false)
	m.mu.Lock()
	m.versions[v.number] = v
	m.touch(v.number, s.opts.MaxVersions)
	m.mu.Unlock()
	s.addModel(m)
	if stop != nil {
		s.stops = append(s.stops, stop)
		s.wg.Add(1)
	}
	return nil
}

// follow applies the moves of an alias until the watch ends.
func (s *Server) follow(ctx context.Context, m *model, ch <-chan registry.AliasChange, seq uint64) {
	defer s.wg.Done()
	want := 0 // a version the alias points at that is not served yet
	backoff := 100 * time.Millisecond
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	defer retry.Stop()
	for {
		select {
		case c, ok := <-ch:
			if !ok {
				if ctx.Err() == nil {
					m.setWatchErr("the watch ended (registry closed)")
					s.log.LogAttrs(ctx, slog.LevelWarn, "serve: stopped following alias: registry closed",
						slog.String("model", m.name), slog.String("alias", m.alias))
				}
				return
			}
			if c.Err != nil {
				m.setWatchErr(c.Err.Error())
				s.log.LogAttrs(ctx, slog.LevelWarn, "serve: watching alias", slog.String("model", m.name),
					slog.String("alias", m.alias), slog.Any("err", c.Err))
				continue
			}
			m.setWatchErr("")
			if c.Version.Number == 0 {
				serving := m.cur.Load().number
				s.log.LogAttrs(ctx, slog.LevelWarn, "serve: alias deleted; keeping the serving version",
					slog.String("model", m.name), slog.String("alias", m.alias), slog.Int("serving", serving))
				want = 0
				retry.Stop()
				continue
			}
			want = c.Version.Number
			backoff = 100 * time.Millisecond
			retry.Stop()
		case <-retry.C:
		case <-ctx.Done():
			return
		}
		if want == 0 || want == m.cur.Load().number {
			want = 0
			continue
		}
		err := s.swapTo(ctx, m, want)
		switch {
		case err == nil:
			want = 0
		case ctx.Err() != nil:
			return
		case !refusedErr(err):
			retry.Reset(backoff)
			backoff = min(2*backoff, 5*time.Second)
		default:
			want = 0 // refused for good: wait for the alias to move again
		}
	}
}

// swapTo loads version n of a followed model and makes it the served one.
func (s *Server) swapTo(ctx context.Context, m *model, n int) error {
	v, err := s.versionLoaded(ctx, m, n)
	if err == nil {
		err = s.checkSchema(m, v)
		if err != nil {
			err = &LoadError{Model: m.name, Version: n, At: s.opts.Now(), Err: err, refused: true}
		}
	}
	if err != nil {
		return s.refuse(m, n, err)
	}
	s.swapIn(m, v, true)
	return nil
}

// refusedErr reports whether err means the version itself is bad, so that
// trying again cannot help.
func refusedErr(err error) bool {
	var le *LoadError
	if errors.As(err, &le) && le.refused {
		return true
	}
	for _, e := range []error{ErrLoad, ErrSchema, registry.ErrCorrupt, registry.ErrNotFound, registry.ErrInvalid} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

func (m *model) setWatchErr(s string) {
	m.mu.Lock()
	m.watchErr = s
	m.mu.Unlock()
}

// loadCall is a load in progress, shared by the requests that want it.
type loadCall struct {
	done chan struct{}
	v    *version
	err  error
}

// versionOf returns version n of m for a request, loading it from the
// registry if needed.
func (s *Server) versionOf(ctx context.Context, m *model, n int) (*version, *reqError) {
	if m.reg == nil {
		m.mu.Lock()
		v := m.versions[n]
		m.mu.Unlock()
		if v == nil {
			return nil, &reqError{status: 404, msg: "model " + m.name + " has no version " + strconv.Itoa(n), typ: "not_found", loc: []any{"path", "version"}}
		}
		return v, nil
	}
	v, err := s.versionLoaded(ctx, m, n)
	switch {
	case err == nil:
		return v, nil
	case errors.Is(err, registry.ErrNotFound):
		return nil, &reqError{status: 404, msg: "model " + m.name + " has no version " + strconv.Itoa(n), typ: "not_found", loc: []any{"path", "version"}}
	case ctx.Err() != nil:
		return nil, &reqError{status: 503, msg: "request cancelled while loading the version", typ: "server_error"}
	case refusedErr(err):
		return nil, &reqError{status: 500, msg: err.Error(), typ: "model_load_failed"}
	default:
		return nil, &reqError{status: 503, msg: err.Error(), typ: "model_load_failed"}
	}
}

// versionLoaded returns version n of a followed model from memory, or
// loads it; concurrent callers share one load. Failures are not kept.
func (s *Server) versionLoaded(ctx context.Context, m *model, n int) (*version, error) {
	m.mu.Lock()
	if v := m.versions[n]; v != nil {
		m.touch(n, s.opts.MaxVersions)
		m.mu.Unlock()
		return v, nil
	}
	if m.loading == nil {
		m.loading = map[int]*loadCall{}
	}
	if c := m.loading[n]; c != nil {
		m.mu.Unlock()
		select {
		case <-c.done:
			return c.v, c.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	c := &loadCall{done: make(chan struct{})}
	m.loading[n] = c
	m.mu.Unlock()

	c.v, c.err = s.load(context.WithoutCancel(ctx), m, n)
	m.mu.Lock()
	delete(m.loading, n)
	if c.err == nil {
		m.versions[n] = c.v
		m.touch(n, s.opts.MaxVersions)
	}
	m.mu.Unlock()
	close(c.done)
	return c.v, c.err
}

// load reads version n of a followed model from its registry, decodes
// and checks it. Errors are *LoadError.
func (s *Server) load(ctx context.Context, m *model, n int) (*version, error) {
	fail := func(err error, refused bool) error {
		return &LoadError{Model: m.name, Version: n, At: s.opts.Now(), Err: err, refused: refused}
	}
	rv, b, err := m.reg.Load(ctx, m.name, "v"+strconv.Itoa(n))
	if err != nil {
		return nil, fail(err, errors.Is(err, registry.ErrCorrupt))
	}
	p, err := s.decode(rv.Format, b)
	if err != nil {
		return nil, fail(err, true)
	}
	v, err := newVersion(m.name, n, p, Origin{Digest: rv.Digest, Format: rv.Format, RunID: rv.RunID, Loaded: s.opts.Now()})
	if err != nil {
		return nil, fail(err, true)
	}
	return v, nil
}

// decode calls Options.Decode, turning a panic into an error.
func (s *Server) decode(format string, b []byte) (p Predictor, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("%w: decoder panicked: %v", ErrLoad, r)
		}
	}()
	p, err = s.opts.Decode(format, b)
	if err == nil && p == nil {
		err = fmt.Errorf("%w: decoder returned no predictor", ErrLoad)
	}
	return p, err
}

// touch marks version n of a followed model as used and drops the least
// recently used versions beyond limit, never the one serving. The caller
// holds m.mu.
func (m *model) touch(n, limit int) {
	serving := m.cur.Load()
	if len(m.used) > 0 && m.used[len(m.used)-1] == n && len(m.versions) <= limit {
		return
	}
	for i, u := range m.used {
		if u == n {
			m.used = append(m.used[:i], m.used[i+1:]...)
			break
		}
	}
	m.used = append(m.used, n)
	for len(m.versions) > limit {
		dropped := false
		for i, u := range m.used {
			if serving != nil && u == serving.number {
				continue
			}
			delete(m.versions, u)
			m.used = append(m.used[:i], m.used[i+1:]...)
			dropped = true
			break
		}
		if !dropped {
			break
		}
	}
}
