package mlflowapi

import (
	"log/slog"
	"net/http"
	"slices"
	"strings"
)

// Roots are the path roots MLflow's server answers its API under: the
// REST API and the one its web UI calls.
var Roots = []string{"/api/2.0", "/ajax-api/2.0"}

// Router routes MLflow API requests by method and path, under each of
// Roots: exact paths ("/mlflow/runs/get") and subtrees
// ("/mlflow-artifacts/artifacts/" + a path). It answers what it cannot
// route in MLflow's error body: ENDPOINT_NOT_FOUND (404), or 405 with
// Allow for a known path and another method. With Token set, every
// request needs "Authorization: Bearer <Token>" (else UNAUTHENTICATED,
// 401). Rules classify the errors handlers pass to Fail and Check. Set
// it up before serving; it is then safe for concurrent use.
type Router struct {
	Token string
	Rules []Rule
	// MaxBodyBytes bounds the JSON bodies Read decodes; 0 means
	// DefaultMaxBody.
	MaxBodyBytes int64
	// Parts are the subtrees of the API the router answers, for Patterns
	// and Mount: "/mlflow/" takes every MLflow path (and so answers
	// ENDPOINT_NOT_FOUND for those no route takes), "/mlflow/model-versions/"
	// one service's share.
	Parts []string
	// Logger receives a record for each answer with a server error (5xx);
	// nil logs nothing.
	Logger *slog.Logger

	exact map[string]map[string]http.HandlerFunc
	trees []tree
}

type tree struct {
	prefix, method string
	fn             func(w http.ResponseWriter, r *http.Request, rest string)
}

// Handle routes method and path (relative to a root, "/mlflow/runs/get")
// to fn.
func (rt *Router) Handle(method, path string, fn http.HandlerFunc) {
	if rt.exact == nil {
		rt.exact = map[string]map[string]http.HandlerFunc{}
	}
	if rt.exact[path] == nil {
		rt.exact[path] = map[string]http.HandlerFunc{}
	}
	rt.exact[path][method] = fn
}

// HandleTree routes method and every path under prefix (which ends in
// "/") to fn, with the rest of the path after prefix, unescaped.
func (rt *Router) HandleTree(method, prefix string, fn func(w http.ResponseWriter, r *http.Request, rest string)) {
	rt.trees = append(rt.trees, tree{prefix, method, fn})
}

// Patterns returns the ServeMux patterns that reach this router: each
// of Roots joined to each of Parts.
func (rt *Router) Patterns() []string {
	var out []string
	for _, base := range Roots {
		for _, part := range rt.Parts {
			out = append(out, base+part)
		}
	}
	return out
}

// Fail answers err in MLflow's error body, classified by rt.Rules.
func (rt *Router) Fail(w http.ResponseWriter, err error) { WriteError(w, err, rt.Rules) }

// Check answers err for request r, if it is not nil, logging server
// errors, and reports whether err was nil.
func (rt *Router) Check(w http.ResponseWriter, r *http.Request, err error) bool {
	if err == nil {
		return true
	}
	e := Classify(err, rt.Rules)
	if e.Code.Status() >= 500 && rt.Logger != nil {
		rt.Logger.LogAttrs(r.Context(), slog.LevelError, "mlflow: request failed",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("error", err.Error()))
	}
	rt.Fail(w, e)
	return false
}

// Read decodes request r into dst (see the function Read), or answers
// the error and returns false.
func (rt *Router) Read(w http.ResponseWriter, r *http.Request, dst any) bool {
	return rt.Check(w, r, Read(w, r, dst, rt.MaxBodyBytes))
}

// ServeHTTP routes a request. A handler that panics answers
// INTERNAL_ERROR rather than dropping the connection.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			rt.Fail(w, Errorf(InternalError, "internal error: %v", v))
		}
	}()
	if !Authorized(r, rt.Token) {
		rt.Fail(w, ErrUnauthenticated)
		return
	}
	path, ok := "", false
	for _, base := range Roots {
		if p, found := strings.CutPrefix(r.URL.Path, base); found && strings.HasPrefix(p, "/") {
			path, ok = p, true
			break
		}
	}
	if !ok {
		rt.notFound(w, r)
		return
	}
	if methods, found := rt.exact[path]; found {
		if fn := methods[r.Method]; fn != nil {
			fn(w, r)
			return
		}
		allow := make([]string, 0, len(methods))
		for m := range methods {
			allow = append(allow, m)
		}
		rt.notAllowed(w, r, allow)
		return
	}
	var allow []string
	for _, t := range rt.trees {
		rest, found := strings.CutPrefix(path, t.prefix)
		if !found || rest == "" {
			continue
		}
		if t.method == r.Method {
			t.fn(w, r, rest)
			return
		}
		allow = append(allow, t.method)
	}
	if len(allow) > 0 {
		rt.notAllowed(w, r, allow)
		return
	}
	rt.notFound(w, r)
}

func (rt *Router) notFound(w http.ResponseWriter, r *http.Request) {
	rt.Fail(w, Errorf(EndpointNotFound, "No API endpoint %s %s on this server.", r.Method, clipPath(r.URL.Path)))
}

func (rt *Router) notAllowed(w http.ResponseWriter, r *http.Request, allow []string) {
	slices.Sort(allow)
	allow = slices.Compact(allow)
	w.Header().Set("Allow", strings.Join(allow, ", "))
	e := Errorf(BadRequest, "Method %s is not allowed for %s; use %s.", r.Method, clipPath(r.URL.Path), strings.Join(allow, " or "))
	writeStatus(w, http.StatusMethodNotAllowed, e)
}

func clipPath(p string) string {
	if len(p) > 200 {
		return p[:200] + "..."
	}
	return p
}

// Mount registers h on mux at every pattern of Patterns.
func (rt *Router) Mount(mux *http.ServeMux, h http.Handler) {
	for _, p := range rt.Patterns() {
		mux.Handle(p, h)
	}
}
