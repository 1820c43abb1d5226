package serve

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cairn-ml/cairn/registry"

	"github.com/cairn-ml/cairn/internal/perr"
)

// Defaults for the zero Options.
const (
	DefaultMaxBodyBytes = 1 << 20
	DefaultMaxBatch     = 1000
	DefaultMaxVersions  = 8
)

// Options configures a Server. Pass it by value; the zero value gives the
// defaults documented on each field.
type Options struct {
	// MaxBodyBytes bounds a request body; a larger one gets status 413.
	// Zero means DefaultMaxBodyBytes (1 MiB).
	MaxBodyBytes int64
	// MaxBatch bounds the rows of one request; more get status 422
	// ("value_error.list.max_items"). Zero means DefaultMaxBatch (1000).
	MaxBatch int
	// Redact, when true, leaves out of error responses everything taken
	// from the request or the model (locations, names, values, load
	// errors): each error keeps its status and type and says only what
	// kind of thing went wrong. For public deployments.
	Redact bool
	// Logger receives swaps, refused versions, watch errors (Info, Error,
	// Warn) and, at Debug level, every request that fails. Nil means a
	// logger that discards everything.
	Logger *slog.Logger
	// AccessLog, when not nil, receives one Info record per request once
	// it is answered: "serve: request" with method, path, status, bytes
	// (of the response body), duration, remote (the client's address)
	// and, when a model answered, model and version. Nil (the default)
	// logs no requests.
	AccessLog *slog.Logger
	// Decode turns registry bytes into a Predictor, given the version's
	// format. Nil means DecodeLinear.
	Decode func(format string, b []byte) (Predictor, error)
	// AllowSchemaChange lets a followed alias move to a version whose
	// features or classes differ from the serving version's. By default
	// such a version is refused (ErrSchema) so that clients written for
	// the serving version keep working.
	AllowSchemaChange bool
	// DefaultModel is the model that /invocations, /ping and /version
	// serve (the MLflow scoring server has one model). Empty means the
	// only model when there is one, else the first one added.
	DefaultModel string
	// MaxVersions bounds how many versions of a followed model stay
	// loaded (the serving one, the ones it swapped from, and the ones
	// asked for by number); the least recently used beyond it are
	// dropped. Versions given with Set are always kept. Zero means
	// DefaultMaxVersions (8).
	MaxVersions int
	// Now is the clock for load times. Nil means time.Now.
	Now func() time.Time
}

func (o *Options) resolve() error {
	if o.MaxBodyBytes < 0 || o.MaxBatch < 0 || o.MaxVersions < 0 {
		return fmt.Errorf("%w: negative limit in Options", ErrInvalid)
	}
	if o.MaxBodyBytes == 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.MaxBatch == 0 {
		o.MaxBatch = DefaultMaxBatch
	}
	if o.MaxVersions == 0 {
		o.MaxVersions = DefaultMaxVersions
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Decode == nil {
		o.Decode = DecodeLinear
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return nil
}

// Server serves named models over HTTP. It is an http.Handler: mount it
// on any mux, or run it with ListenAndServe. A Server is safe for
// concurrent use: requests, Set, Follow and Status may run at once. Close
// stops the goroutines that follow registry aliases.
type Server struct {
	opts Options
	log  *slog.Logger
	mux  *http.ServeMux
	pool sync.Pool // *scratch
	met  metrics

	// models maps names to models; it is replaced (copy on write) under
	// mu, and read without a lock by every request.
	models atomic.Pointer[map[string]*model]
	first  atomic.Pointer[model] // the first model added
	mu     sync.Mutex
	order  []string // names in the order added
	closed bool
	stops  []context.CancelFunc
	wg     sync.WaitGroup

	hdrJSON, hdrText []string // Content-Type values shared by every response
	hdrNoSniff       []string // X-Content-Type-Options, on every response
}

// model is one served name: the version it serves now, the versions it
// has loaded, and where they come from.
type model struct {
	name string
	cur  atomic.Pointer[version]

	reg   Registry // nil for a model given with Set
	ref   string   // the reference followed: "@champion", "v3", "latest"
	alias string   // the alias followed, if ref is one

	mu       sync.Mutex
	versions map[int]*version // loaded versions
	used     []int            // versions by last use, most recent last (followed models)
	loading  map[int]*loadCall
	lastErr  *Failure
	watchErr string

	swaps, failed, rows atomic.Uint64
	since               atomic.Int64 // unix nanoseconds when cur was stored
}

// scratch holds the buffers of one request; it goes back to the pool
// afterwards.
type scratch struct {
	l       lexer
	body    []byte
	x, t, p []float64
	out     []byte
	seen    []uint32
	mark    []bool
	cols    []int
	tensors []tensorIn
	errs    []FieldError
	oipStrs []oipString // strings of tensor data (models with raw inputs)
	strs    []byte
}

// Buffers bigger than this are not kept in the pool.
const maxPooled = 1 << 20

// New returns a Server with no models; add them with Set or Follow. It
// fails with ErrInvalid for negative limits in opts.
func New(opts Options) (*Server, error) {
	if err := opts.resolve(); err != nil {
		return nil, err
	}
	s := &Server{
		opts:       opts,
		log:        opts.Logger,
		mux:        http.NewServeMux(),
		hdrJSON:    []string{"application/json"},
		hdrText:    []string{"text/plain; charset=utf-8"},
		hdrNoSniff: []string{"nosniff"},
	}
	s.pool.New = func() any { return new(scratch) }
	s.models.Store(&map[string]*model{})
	for i := range routes {
		id := routeID(i)
		h := s.handler(id)
		s.mux.HandleFunc(routes[id].pattern, func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			// Every body the server writes is JSON or text: no browser
			// may sniff it into HTML.
			w.Header()["X-Content-Type-Options"] = s.hdrNoSniff
			if s.opts.AccessLog == nil {
				s.met.observe(id, h(w, r), start)
				return
			}
			cw := &countingWriter{ResponseWriter: w}
			code := h(cw, r)
			s.met.observe(id, code, start)
			s.logAccess(r, cw, code, start)
		})
	}
	return s, nil
}

// countingWriter counts the bytes of a response body, for the access log.
type countingWriter struct {
	http.ResponseWriter
	n int64
}

func (w *countingWriter) Write(b []byte) (int, error) {
	n, err := w.ResponseWriter.Write(b)
	w.n += int64(n)
	return n, err
}

// Unwrap returns the ResponseWriter it wraps, for http.ResponseController.
func (w *countingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logAccess writes the access log record of a request answered with code.
func (s *Server) logAccess(r *http.Request, w *countingWriter, code int, start time.Time) {
	attrs := []slog.Attr{
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("status", code),
		slog.Int64("bytes", w.n),
		slog.Duration("duration", time.Since(start)),
		slog.String("remote", r.RemoteAddr),
	}
	h := w.Header()
	if name := h["Model-Name"]; len(name) == 1 {
		attrs = append(attrs, slog.String("model", name[0]))
		if v := h["Model-Version"]; len(v) == 1 {
			attrs = append(attrs, slog.String("version", v[0]))
		}
	}
	s.opts.AccessLog.LogAttrs(r.Context(), slog.LevelInfo, "serve: request", attrs...)
}

// ServeHTTP routes a request to its endpoint (see the package doc for the
// list).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

func (s *Server) getScratch() *scratch { return s.pool.Get().(*scratch) }

func (s *Server) putScratch(sc *scratch) {
	if cap(sc.body) > maxPooled || cap(sc.out) > maxPooled || cap(sc.x) > maxPooled/8 || cap(sc.t) > maxPooled/8 {
		return
	}
	sc.errs = nil // the error path hands them to the encoder; do not reuse
	s.pool.Put(sc)
}

// Set serves p as version number of model name, and makes it the
// version served from now on (requests already running finish on the
// version they started with). The model is added if it is new. The
// Predictor is checked first (see # Model swaps in the package doc); a
// Predictor that fails is refused with an error wrapping ErrLoad (and
// ErrSchema for changed features or classes), and the model keeps its
// version. Setting a number again replaces what it named. Set fails with
// ErrInvalid for a name no route can hold (empty, "." or "..", or with a
// '/'), a version below 1, a nil Predictor or a model that follows a
// registry, and with ErrClosed after Close.
func (s *Server) Set(name string, number int, p Predictor) error {
	if !routable(name) || number < 1 || p == nil {
		return fmt.Errorf("%w: Set(%s, %d, %v)", ErrInvalid, perr.Quote(name), number, p)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	m := (*s.models.Load())[name]
	if m != nil && m.reg != nil {
		return fmt.Errorf("%w: model %q follows registry reference %s", ErrInvalid, name, m.ref)
	}
	v, err := newVersion(name, number, p, Origin{Loaded: s.opts.Now()})
	if m == nil {
		if err != nil {
			return &LoadError{Model: name, Version: number, At: s.opts.Now(), Err: err, refused: true}
		}
		m = &model{name: name, versions: map[int]*version{}}
		m.versions[number] = v
		s.swapIn(m, v, false)
		s.addModel(m)
		s.log.LogAttrs(context.Background(), slog.LevelInfo, "serve: model added",
			slog.String("model", name), slog.Int("version", number))
		return nil
	}
	if err == nil {
		err = s.checkSchema(m, v)
	}
	if err != nil {
		return s.refuse(m, number, err)
	}
	m.mu.Lock()
	m.versions[number] = v
	m.mu.Unlock()
	s.swapIn(m, v, true)
	return nil
}

// routable reports whether name can be the {name} segment of a route: not
// empty, not "." or ".." (which URL paths resolve away) and without '/'.
func routable(name string) bool {
	return name != "" && name != "." && name != ".." && !strings.Contains(name, "/")
}

// addModel adds m to the map (under s.mu).
func (s *Server) addModel(m *model) {
	old := *s.models.Load()
	next := make(map[string]*model, len(old)+1)
	for k, v := range old {
		next[k] = v
	}
	next[m.name] = m
	s.models.Store(&next)
	s.first.CompareAndSwap(nil, m)
	s.order = append(s.order, m.name)
}

// checkSchema refuses v if it changes the features or classes of the
// version m serves, unless the options allow it.
func (s *Server) checkSchema(m *model, v *version) error {
	cur := m.cur.Load()
	if cur == nil || s.opts.AllowSchemaChange || cur.sameSchema(v) {
		return nil
	}
	return fmt.Errorf("%w (%d features, %d classes; serving %d and %d)", ErrSchema, v.d, v.k, cur.d, cur.k)
}

// swapIn makes v the version m serves.
func (s *Server) swapIn(m *model, v *version, count bool) {
	old := m.cur.Swap(v)
	m.since.Store(s.opts.Now().UnixNano())
	if !count {
		return
	}
	m.swaps.Add(1)
	from := 0
	if old != nil {
		from = old.number
	}
	s.log.LogAttrs(context.Background(), slog.LevelInfo, "serve: swapped model version",
		slog.String("model", m.name), slog.Int("from", from), slog.Int("to", v.number))
}

// refuse records a version that could not be swapped in and returns the
// *LoadError.
func (s *Server) refuse(m *model, version int, err error) error {
	le, ok := err.(*LoadError)
	if !ok {
		le = &LoadError{Model: m.name, Version: version, At: s.opts.Now(), Err: err, refused: refusedErr(err)}
	}
	m.failed.Add(1)
	m.mu.Lock()
	m.lastErr = &Failure{Version: version, Error: le.Err.Error(), At: le.At, Err: le}
	m.mu.Unlock()
	serving := 0
	if cur := m.cur.Load(); cur != nil {
		serving = cur.number
	}
	s.log.LogAttrs(context.Background(), slog.LevelError, "serve: model version refused",
		slog.String("model", m.name), slog.Int("version", version), slog.Int("serving", serving), slog.Any("err", le.Err))
	return le
}

// Failure is a version that failed to load or was refused.
type Failure struct {
	Version int       `json:"version"`
	Error   string    `json:"error"`
	At      time.Time `json:"at"`
	// Err is the error itself (a *LoadError), for errors.Is and
	// errors.As.
	Err error `json:"-"`
}

// Status is the state of one served model.
type Status struct {
	Name string `json:"name"`
	// Version is the version served now; 0 while none is (a followed
	// model is added only once a version loads, so that is rare).
	Version int  `json:"version"`
	Ready   bool `json:"ready"`
	// Source is "value" for a model given with Set, else the registry
	// reference followed ("@champion") or loaded once ("v3", "latest").
	Source string `json:"source"`
	Origin Origin `json:"origin"`
	// Since is when Version started serving.
	Since time.Time `json:"since"`
	// Loaded lists the versions held in memory, in number order.
	Loaded []int `json:"loaded"`
	// Swaps counts the versions swapped in after the first;
	// FailedSwaps the versions refused. Rows counts the rows predicted.
	Swaps       uint64 `json:"swaps"`
	FailedSwaps uint64 `json:"failed_swaps"`
	Rows        uint64 `json:"rows"`
	// LastError is the last version refused, if any (it stays after a
	// later swap succeeds, as a record).
	LastError *Failure `json:"last_error,omitempty"`
	// WatchError is the last error following the alias (the registry file
	// stayed locked, say), cleared by the next successful poll.
	WatchError string `json:"watch_error,omitempty"`
}

// Status returns the state of every model, in the order they were added.
func (s *Server) Status() []Status {
	s.mu.Lock()
	names := slices.Clone(s.order)
	s.mu.Unlock()
	ms := *s.models.Load()
	out := make([]Status, 0, len(names))
	for _, name := range names {
		if m := ms[name]; m != nil {
			out = append(out, m.status())
		}
	}
	return out
}

func (m *model) status() Status {
	st := Status{Name: m.name, Source: "value", Swaps: m.swaps.Load(), FailedSwaps: m.failed.Load(), Rows: m.rows.Load()}
	if m.reg != nil {
		st.Source = m.ref
	}
	if v := m.cur.Load(); v != nil {
		st.Version, st.Ready, st.Origin = v.number, true, v.origin
		st.Since = time.Unix(0, m.since.Load()).UTC()
	}
	m.mu.Lock()
	for n := range m.versions {
		st.Loaded = append(st.Loaded, n)
	}
	if m.lastErr != nil {
		f := *m.lastErr
		st.LastError = &f
	}
	st.WatchError = m.watchErr
	m.mu.Unlock()
	sort.Ints(st.Loaded)
	return st
}

// Close stops following registry aliases and waits for the goroutines
// that did so to end. Models keep serving the version they had; requests
// still work. Set and Follow fail with ErrClosed afterwards. Close does
// not close the registries given to Follow (the caller owns them), nor
// any http.Server. It is idempotent and returns nil.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	stops := s.stops
	s.stops = nil
	s.mu.Unlock()
	for _, stop := range stops {
		stop()
	}
	s.wg.Wait()
	return nil
}

// lookup finds model name and the version a request asks for: the one
// served now when verText is "", else that number ("3" or "v3").
func (s *Server) lookup(ctx context.Context, name, verText string) (*model, *version, *reqError) {
	m := (*s.models.Load())[name]
	if m == nil {
		return nil, nil, s.notFound(name)
	}
	if verText == "" {
		v := m.cur.Load()
		if v == nil {
			return m, nil, &reqError{status: 503, msg: "model " + perr.Clip(name) + " has no version loaded", typ: "model_not_ready", loc: []any{"path", "name"}}
		}
		return m, v, nil
	}
	n, ok := parseVersion(verText)
	if !ok {
		return m, nil, &reqError{status: 404, msg: "model " + perr.Clip(name) + " has no version " + perr.Clip(verText), typ: "not_found", loc: []any{"path", "version"}}
	}
	v, err := s.versionOf(ctx, m, n)
	if err != nil {
		return m, nil, err
	}
	return m, v, nil
}

func (s *Server) notFound(name string) *reqError {
	return &reqError{status: 404, msg: "model " + perr.Clip(name) + " not found", typ: "not_found", loc: []any{"path", "name"}}
}

// parseVersion reads "3" or "v3".
func parseVersion(s string) (int, bool) {
	if len(s) > 1 && (s[0] == 'v' || s[0] == 'V') {
		s = s[1:]
	}
	if s == "" || len(s) > 10 || s[0] == '0' {
		return 0, false
	}
	n := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, n <= registry.MaxVersion
}

// defaultModel is the model for the MLflow routes.
func (s *Server) defaultModel() string {
	if s.opts.DefaultModel != "" {
		return s.opts.DefaultModel
	}
	if m := s.first.Load(); m != nil {
		return m.name
	}
	return ""
}
