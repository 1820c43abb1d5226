package serve

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
)

// maxPrealloc bounds the buffer readBody allocates from a declared
// Content-Length before any byte has arrived.
const maxPrealloc = 8 << 20

// readBody reads the request body into sc.body. A body of unknown length
// (chunked) or declared longer than Options.MaxBodyBytes is read through
// http.MaxBytesReader, which stops at the limit: a 413. A body whose
// declared length is within the limit is read as is (net/http does not
// deliver more than the declared length).
func (s *Server) readBody(w http.ResponseWriter, r *http.Request, sc *scratch) *reqError {
	limit := s.opts.MaxBodyBytes
	var body io.Reader = r.Body
	if r.ContentLength < 0 || r.ContentLength > limit {
		body = http.MaxBytesReader(w, r.Body, limit)
	}
	buf := sc.body[:0]
	if n := r.ContentLength; n > 0 && n <= limit && int64(cap(buf)) <= n {
		// +1: room for the read that sees the end. The length is the
		// client's word: beyond maxPrealloc the buffer grows as bytes
		// arrive, so a large MaxBodyBytes does not let a client make the
		// server allocate it by declaring it.
		buf = make([]byte, 0, min(n, maxPrealloc)+1)
	}
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == nil {
			continue
		}
		sc.body = buf
		if errors.Is(err, io.EOF) {
			return nil
		}
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return &reqError{status: http.StatusRequestEntityTooLarge,
				msg: "request body is larger than " + strconv.FormatInt(tooBig.Limit, 10) + " bytes",
				typ: "value_error.body.too_large"}
		}
		return &reqError{status: http.StatusBadRequest, msg: "reading the request body: " + err.Error(), typ: "value_error.body.read"}
	}
}

// writeJSON writes a JSON response naming the version (if not nil) in
// the Model-Name and Model-Version headers.
func (s *Server) writeJSON(w http.ResponseWriter, code int, v *version, body []byte) int {
	h := w.Header()
	h["Content-Type"] = s.hdrJSON
	if v != nil {
		h["Model-Name"] = v.hdrName
		h["Model-Version"] = v.hdrVersion
	}
	if len(body) > 2048 { // smaller bodies get their length from net/http for free
		h["Content-Length"] = []string{strconv.Itoa(len(body))}
	}
	w.WriteHeader(code)
	w.Write(body)
	return code
}

// writeValue writes v (a small document for a rare endpoint) with
// encoding/json.
func (s *Server) writeValue(w http.ResponseWriter, code int, ver *version, v any) int {
	b, err := json.Marshal(v)
	if err != nil {
		return s.writeErr(w, nil, ver, &reqError{status: 500, msg: "encoding the response: " + err.Error(), typ: "server_error"}, false)
	}
	return s.writeJSON(w, code, ver, b)
}

// writeErr writes an error response (see ErrorResponse), in MLflow's
// shape as well when mlflow is true, and logs it at Debug level.
func (s *Server) writeErr(w http.ResponseWriter, r *http.Request, v *version, e *reqError, mlflow bool) int {
	resp := ErrorResponse{Error: e.msg, Detail: e.fields()}
	if s.opts.Redact {
		resp = redacted(e)
	}
	if v != nil {
		resp.ModelName, resp.ModelVersion = v.model, v.numText
	}
	if mlflow {
		resp.ErrorCode, resp.Message = mlflowCode(e.status), resp.Error
	}
	if r != nil && s.log.Enabled(r.Context(), slog.LevelDebug) {
		s.log.LogAttrs(r.Context(), slog.LevelDebug, "serve: request failed", slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.Int("status", e.status), slog.String("error", e.msg))
	}
	b, err := json.Marshal(resp)
	if err != nil { // cannot happen: the detail holds strings, ints and maps of ints
		b = []byte(`{"error":"internal error","detail":[]}`)
	}
	return s.writeJSON(w, e.status, v, b)
}

// redacted keeps of e its status and the types of its details.
func redacted(e *reqError) ErrorResponse {
	msg := http.StatusText(e.status)
	switch e.status {
	case 400:
		msg = "malformed request body"
	case 422:
		msg = "invalid request"
	}
	resp := ErrorResponse{Error: msg}
	seen := map[string]bool{}
	for _, f := range e.fields() {
		if !seen[f.Type] {
			seen[f.Type] = true
			resp.Detail = append(resp.Detail, FieldError{Loc: []any{f.Loc[0]}, Msg: msg, Type: f.Type})
		}
	}
	return resp
}

// mlflowCode is the error_code the MLflow scoring server gives a status.
func mlflowCode(status int) string {
	switch status {
	case 400:
		return "MALFORMED_REQUEST"
	case 404:
		return "RESOURCE_DOES_NOT_EXIST"
	case 500:
		return "INTERNAL_ERROR"
	case 503:
		return "TEMPORARILY_UNAVAILABLE"
	default:
		return "BAD_REQUEST"
	}
}

// appendFloat writes f in the shortest form that reads back the same.
func appendFloat(b []byte, f float64) []byte {
	return strconv.AppendFloat(b, f, 'g', -1, 64)
}

// appendV1 writes the body of a /v1 predict response.
func appendV1(b []byte, v *version, n int, p []float64) []byte {
	k := v.k
	b = append(b, `{"model_name":`...)
	b = append(b, v.nameJSON...)
	b = append(b, `,"model_version":"`...)
	b = append(b, v.numText...)
	b = append(b, `","predictions":[`...)
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, v.classJSON[argmax(p[i*k:(i+1)*k])]...)
	}
	b = append(b, `],"labels":[`...)
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(argmax(p[i*k:(i+1)*k])), 10)
	}
	b = append(b, `],"classes":`...)
	b = append(b, v.classesJSON...)
	b = append(b, `,"probabilities":[`...)
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		for c, q := range p[i*k : (i+1)*k] {
			if c > 0 {
				b = append(b, ',')
			}
			b = appendFloat(b, q)
		}
		b = append(b, ']')
	}
	return append(b, "]}"...)
}

// appendOIP writes the body of an infer response.
func appendOIP(b []byte, v *version, n int, p []float64, req *oipRequest) []byte {
	k := v.k
	b = append(b, `{"model_name":`...)
	b = append(b, v.nameJSON...)
	b = append(b, `,"model_version":"`...)
	b = append(b, v.numText...)
	b = append(b, '"')
	if req.id != nil {
		b = append(b, `,"id":`...)
		b = append(b, req.id...)
	}
	b = append(b, `,"outputs":[`...)
	if req.outputs&outProba != 0 {
		b = append(b, `{"name":"probabilities","shape":[`...)
		b = strconv.AppendInt(b, int64(n), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(k), 10)
		b = append(b, `],"datatype":"FP64","data":[`...)
		for i, q := range p[:n*k] {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendFloat(b, q)
		}
		b = append(b, "]}"...)
	}
	if req.outputs&outLabel != 0 {
		if req.outputs&outProba != 0 {
			b = append(b, ',')
		}
		b = append(b, `{"name":"label","shape":[`...)
		b = strconv.AppendInt(b, int64(n), 10)
		b = append(b, `],"datatype":"BYTES","data":[`...)
		for i := range n {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, v.classJSON[argmax(p[i*k:(i+1)*k])]...)
		}
		b = append(b, "]}"...)
	}
	return append(b, "]}"...)
}

// appendMLflow writes the body of an /invocations response.
func appendMLflow(b []byte, v *version, n int, p []float64) []byte {
	k := v.k
	b = append(b, `{"predictions":[`...)
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(argmax(p[i*k:(i+1)*k])), 10)
	}
	b = append(b, `],"model_version":"`...)
	b = append(b, v.numText...)
	return append(b, `"}`...)
}
