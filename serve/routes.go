package serve

import (
	"context"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/cairn-ml/cairn/internal/perr"
)

// route is one endpoint: its ServeMux pattern and what /openapi.json says
// of it. Server.handler gives its handler.
type route struct {
	pattern string
	group   string // the OpenAPI tag
	summary string
	body    string // the OpenAPI request body schema, if any
	reply   string // the OpenAPI response schema
}

type routeID int

// The routes; their index is the routeID used by /metrics.
const (
	rLive routeID = iota
	rReady
	rServer
	rMeta
	rMetaVersion
	rModelReady
	rModelReadyVersion
	rInfer
	rInferVersion
	rPredict
	rPredictVersion
	rStatusV1
	rStatusV1Version
	rInvocations
	rPing
	rHealth
	rVersion
	rMetrics
	rOpenAPI
	rFallback // the catch-all that answers 404 and 405
	numRoutes
)

var routes = [numRoutes]route{
	rLive:              {"GET /v2/health/live", oipTag, "Liveness: the server is up.", "", "Live"},
	rReady:             {"GET /v2/health/ready", oipTag, "Readiness: every model serves a version (503 if not), with each model's status.", "", "Ready"},
	rServer:            {"GET /v2", oipTag, "Server metadata.", "", "ServerMetadata"},
	rMeta:              {"GET /v2/models/{name}", oipTag, "Metadata of the version a model serves.", "", "ModelMetadata"},
	rMetaVersion:       {"GET /v2/models/{name}/versions/{version}", oipTag, "Metadata of a version of a model.", "", "ModelMetadata"},
	rModelReady:        {"GET /v2/models/{name}/ready", oipTag, "Whether a model serves a version.", "", "ModelReady"},
	rModelReadyVersion: {"GET /v2/models/{name}/versions/{version}/ready", oipTag, "Whether a version of a model can serve.", "", "ModelReady"},
	rInfer:             {"POST /v2/models/{name}/infer", oipTag, "Predict with the version a model serves.", "InferRequest", "InferResponse"},
	rInferVersion:      {"POST /v2/models/{name}/versions/{version}/infer", oipTag, "Predict with a version of a model.", "InferRequest", "InferResponse"},
	rPredict:           {"POST /v1/models/{spec}", "JSON", "POST /v1/models/{name}:predict: predict with the version a model serves.", "PredictRequest", "PredictResponse"},
	rPredictVersion:    {"POST /v1/models/{name}/versions/{spec}", "JSON", "POST /v1/models/{name}/versions/{version}:predict: predict with a version of a model.", "PredictRequest", "PredictResponse"},
	rStatusV1:          {"GET /v1/models/{name}", "JSON", "Model status, as KServe's v1 protocol has it: whether the model serves a version (503 if not).", "", "ModelStatusV1"},
	rStatusV1Version:   {"GET /v1/models/{name}/versions/{version}", "JSON", "Whether a version of a model can serve (TensorFlow Serving's versioned status path).", "", "ModelStatusV1"},
	rInvocations:       {"POST /invocations", "MLflow", "MLflow scoring: predict with the default model (JSON or text/csv).", "InvocationsRequest", "InvocationsResponse"},
	rPing:              {"GET /ping", "MLflow", "MLflow health check: 200 when the default model serves.", "", "Ping"},
	rHealth:            {"GET /health", "MLflow", "MLflow health check (same as /ping).", "", "Ping"},
	rVersion:           {"GET /version", "MLflow", "Server and model version, as text.", "", "text"},
	rMetrics:           {"GET /metrics", "Operations", "Prometheus metrics (text format 0.0.4).", "", "text"},
	rOpenAPI:           {"GET /openapi.json", "Operations", "This document.", "", "object"},
	rFallback:          {"/", "", "", "", ""},
}

const oipTag = "Open Inference Protocol"

// handler returns the handler of a route; it returns the status it
// wrote, for /metrics.
func (s *Server) handler(id routeID) func(http.ResponseWriter, *http.Request) int {
	switch id {
	case rLive:
		return s.live
	case rReady:
		return s.ready
	case rServer:
		return s.serverMetadata
	case rMeta, rMetaVersion:
		return s.modelMetadata
	case rModelReady, rModelReadyVersion:
		return s.modelReady
	case rInfer, rInferVersion:
		return s.infer
	case rPredict, rPredictVersion:
		return s.predictV1
	case rStatusV1, rStatusV1Version:
		return s.statusV1
	case rInvocations:
		return s.invocations
	case rPing, rHealth:
		return s.ping
	case rVersion:
		return s.versionText
	case rMetrics:
		return s.metrics
	case rOpenAPI:
		return s.openAPI
	default:
		return s.fallback
	}
}

func (s *Server) live(w http.ResponseWriter, r *http.Request) int {
	return s.writeJSON(w, 200, nil, []byte(`{"live":true}`))
}

func (s *Server) ready(w http.ResponseWriter, r *http.Request) int {
	resp := ReadyResponse{Ready: true, Models: s.Status()}
	if len(resp.Models) == 0 {
		resp.Ready = false
	}
	for i := range resp.Models {
		st := &resp.Models[i]
		resp.Ready = resp.Ready && st.Ready
		if s.opts.Redact && st.LastError != nil {
			st.LastError.Error = "refused"
		}
		if s.opts.Redact && st.WatchError != "" {
			st.WatchError = "failing"
		}
	}
	code := 200
	if !resp.Ready {
		code = 503
	}
	return s.writeValue(w, code, nil, resp)
}

func (s *Server) serverMetadata(w http.ResponseWriter, r *http.Request) int {
	return s.writeValue(w, 200, nil, map[string]any{"name": "cairn", "version": buildVersion(), "extensions": []string{}})
}

// buildVersion is the version of this module in the running binary.
func buildVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Path == "github.com/cairn-ml/cairn" {
			return bi.Main.Version
		}
		for _, d := range bi.Deps {
			if d.Path == "github.com/cairn-ml/cairn" {
				return d.Version
			}
		}
	}
	return "(devel)"
}

func (s *Server) modelMetadata(w http.ResponseWriter, r *http.Request) int {
	m, v, e := s.lookup(r.Context(), r.PathValue("name"), r.PathValue("version"))
	if e != nil {
		return s.writeErr(w, r, v, e, false)
	}
	md := ModelMetadata{
		Name: m.name, Version: v.numText, Versions: s.versionList(r.Context(), m), Platform: "cairn",
		Inputs: v.inputTensors(),
		Outputs: []TensorSchema{
			{Name: "probabilities", Datatype: "FP64", Shape: []int{-1, v.k}},
			{Name: "label", Datatype: "BYTES", Shape: []int{-1}},
		},
		Features: v.features, Classes: v.classes,
	}
	return s.writeValue(w, 200, v, md)
}

// versionList returns the versions of m a client may ask for: for a
// followed model, every registered version that is not archived (or, if
// the registry cannot be read now, the loaded ones).
func (s *Server) versionList(ctx context.Context, m *model) []string {
	var nums []int
	if m.reg != nil {
		if vs, err := m.reg.Versions(ctx, m.name); err == nil {
			for _, v := range vs {
				if !v.Archived {
					nums = append(nums, v.Number)
				}
			}
		}
	}
	if nums == nil {
		nums = m.status().Loaded
	}
	out := make([]string, len(nums))
	for i, n := range nums {
		out[i] = strconv.Itoa(n)
	}
	return out
}

func (s *Server) modelReady(w http.ResponseWriter, r *http.Request) int {
	m, v, e := s.lookup(r.Context(), r.PathValue("name"), r.PathValue("version"))
	if e != nil && e.status != 503 && e.status != 500 {
		return s.writeErr(w, r, v, e, false)
	}
	if e != nil {
		return s.writeValue(w, 503, nil, map[string]any{"name": m.name, "ready": false})
	}
	return s.writeValue(w, 200, v, map[string]any{"name": m.name, "version": v.numText, "ready": true})
}

// statusV1 answers GET /v1/models/{name} as KServe's v1 protocol does:
// {"name": ..., "ready": true} (with the version, which KServe leaves
// out), 503 with ready false when the model serves no version, 404 for an
// unknown model. GET on a predict path is 405.
func (s *Server) statusV1(w http.ResponseWriter, r *http.Request) int {
	name, ver := r.PathValue("name"), r.PathValue("version")
	if strings.HasSuffix(name, ":predict") || strings.HasSuffix(ver, ":predict") {
		w.Header().Set("Allow", "POST")
		return s.writeErr(w, r, nil, &reqError{status: 405, msg: "method " + r.Method + " not allowed: use POST",
			typ: "method_not_allowed", loc: []any{"method"}}, false)
	}
	m, v, e := s.lookup(r.Context(), name, ver)
	if e != nil && e.status != 503 && e.status != 500 {
		return s.writeErr(w, r, v, e, false)
	}
	if e != nil {
		return s.writeValue(w, 503, nil, map[string]any{"name": m.name, "ready": false})
	}
	return s.writeValue(w, 200, v, map[string]any{"name": m.name, "version": v.numText, "ready": true})
}

func (s *Server) infer(w http.ResponseWriter, r *http.Request) int {
	m, v, e := s.lookup(r.Context(), r.PathValue("name"), r.PathValue("version"))
	if e != nil {
		return s.writeErr(w, r, v, e, false)
	}
	sc := s.getScratch()
	defer s.putScratch(sc)
	if e := s.readBody(w, r, sc); e != nil {
		return s.writeErr(w, r, v, e, false)
	}
	var d rowDecoder
	d.start(sc, v, s.opts.MaxBatch)
	var req oipRequest
	if e := d.decodeOIP(&req); e != nil {
		return s.writeErr(w, r, v, e, false)
	}
	if e := v.predict(sc, d.n); e != nil {
		return s.writeErr(w, r, v, e, false)
	}
	m.rows.Add(uint64(d.n))
	sc.out = appendOIP(sc.out[:0], v, d.n, sc.p, &req)
	return s.writeJSON(w, 200, v, sc.out)
}

func (s *Server) predictV1(w http.ResponseWriter, r *http.Request) int {
	name, ver := r.PathValue("name"), ""
	spec, ok := strings.CutSuffix(r.PathValue("spec"), ":predict")
	if name == "" {
		name = spec
	} else {
		ver = spec
	}
	if !ok || spec == "" {
		return s.writeErr(w, r, nil, &reqError{status: 404, msg: "not found: the route is POST /v1/models/{name}:predict",
			typ: "not_found", loc: []any{"path"}}, false)
	}
	m, v, e := s.lookup(r.Context(), name, ver)
	if e != nil {
		return s.writeErr(w, r, v, e, false)
	}
	sc := s.getScratch()
	defer s.putScratch(sc)
	if e := s.readBody(w, r, sc); e != nil {
		return s.writeErr(w, r, v, e, false)
	}
	var d rowDecoder
	d.start(sc, v, s.opts.MaxBatch)
	if e := d.decodeV1(); e != nil {
		return s.writeErr(w, r, v, e, false)
	}
	if e := v.predict(sc, d.n); e != nil {
		return s.writeErr(w, r, v, e, false)
	}
	m.rows.Add(uint64(d.n))
	sc.out = appendV1(sc.out[:0], v, d.n, sc.p)
	return s.writeJSON(w, 200, v, sc.out)
}

func (s *Server) invocations(w http.ResponseWriter, r *http.Request) int {
	m, v, e := s.lookup(r.Context(), s.defaultModel(), "")
	if e != nil {
		return s.writeErr(w, r, v, e, true)
	}
	ct := r.Header.Get("Content-Type")
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	ct = strings.TrimSpace(ct)
	csv := strings.EqualFold(ct, "text/csv")
	if !csv && ct != "" && !strings.EqualFold(ct, "application/json") {
		return s.writeErr(w, r, v, &reqError{status: http.StatusUnsupportedMediaType,
			msg: "content type " + perr.Quote(ct) + " is not supported: use application/json or text/csv",
			typ: "value_error.content_type", loc: []any{"header", "Content-Type"}}, true)
	}
	sc := s.getScratch()
	defer s.putScratch(sc)
	if e := s.readBody(w, r, sc); e != nil {
		return s.writeErr(w, r, v, e, true)
	}
	var d rowDecoder
	d.start(sc, v, s.opts.MaxBatch)
	if csv {
		e = d.decodeCSV()
	} else {
		e = d.decodeMLflow()
	}
	if e != nil {
		return s.writeErr(w, r, v, e, true)
	}
	if e := v.predict(sc, d.n); e != nil {
		return s.writeErr(w, r, v, e, true)
	}
	m.rows.Add(uint64(d.n))
	sc.out = appendMLflow(sc.out[:0], v, d.n, sc.p)
	return s.writeJSON(w, 200, v, sc.out)
}

func (s *Server) ping(w http.ResponseWriter, r *http.Request) int {
	m, v, e := s.lookup(r.Context(), s.defaultModel(), "")
	if e != nil {
		if e.status == 404 && m == nil {
			e = &reqError{status: 503, msg: "no model is served", typ: "model_not_ready"}
		}
		return s.writeErr(w, r, v, e, true)
	}
	b := append(append(append(append([]byte(`{"status":"ok","model_name":`), v.nameJSON...), `,"model_version":"`...), v.numText...), `"}`...)
	return s.writeJSON(w, 200, v, b)
}

func (s *Server) versionText(w http.ResponseWriter, r *http.Request) int {
	text := "cairn " + buildVersion()
	_, v, _ := s.lookup(r.Context(), s.defaultModel(), "")
	if v != nil {
		text += "; model " + v.model + " version " + v.numText
		w.Header()["Model-Name"] = v.hdrName
		w.Header()["Model-Version"] = v.hdrVersion
	}
	w.Header()["Content-Type"] = s.hdrText
	w.WriteHeader(200)
	w.Write([]byte(text + "\n"))
	return 200
}

// fallback answers requests that no route takes: 405 with an Allow
// header when the path exists for other methods, else 404. Both in JSON.
func (s *Server) fallback(w http.ResponseWriter, r *http.Request) int {
	var allow []string
	for _, method := range [...]string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"} {
		if method == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = method
		if _, pattern := s.mux.Handler(probe); pattern != "" && pattern != "/" {
			allow = append(allow, method)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		return s.writeErr(w, r, nil, &reqError{status: 405, msg: "method " + r.Method + " not allowed: use " + strings.Join(allow, ", "),
			typ: "method_not_allowed", loc: []any{"method"}}, false)
	}
	return s.writeErr(w, r, nil, &reqError{status: 404, msg: "not found: " + perr.Clip(r.URL.Path), typ: "not_found", loc: []any{"path"}}, false)
}
