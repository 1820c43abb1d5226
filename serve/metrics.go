package serve

import (
	"net/http"
	"sort"
	"strconv"
	"sync/atomic"
	"time"
)

// The upper bounds of the latency histogram's buckets.
var latencyBuckets = [...]time.Duration{
	50 * time.Microsecond, 100 * time.Microsecond, 250 * time.Microsecond, 500 * time.Microsecond,
	time.Millisecond, 2500 * time.Microsecond, 5 * time.Millisecond, 10 * time.Millisecond,
	25 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond, 250 * time.Millisecond,
	time.Second, 5 * time.Second,
}

// The status codes counted one by one; others are counted together
// under their class ("2xx", ...).
var statusCodes = [...]int{200, 400, 404, 405, 413, 415, 422, 500, 503}

// metrics counts requests with atomics: no lock on the request path.
type metrics struct {
	count [numRoutes][len(statusCodes) + 5]atomic.Uint64 // codes, then 1xx..5xx
	hist  [numRoutes][len(latencyBuckets) + 1]atomic.Uint64
	sum   [numRoutes]atomic.Int64 // nanoseconds
}

func codeIndex(code int) int {
	for i, c := range statusCodes {
		if c == code {
			return i
		}
	}
	cls := code/100 - 1
	if cls < 0 || cls > 4 {
		cls = 4
	}
	return len(statusCodes) + cls
}

func codeLabel(i int) string {
	if i < len(statusCodes) {
		return strconv.Itoa(statusCodes[i])
	}
	return strconv.Itoa(i-len(statusCodes)+1) + "xx"
}

func (m *metrics) observe(id routeID, code int, start time.Time) {
	d := time.Since(start)
	m.count[id][codeIndex(code)].Add(1)
	b := 0
	for b < len(latencyBuckets) && d > latencyBuckets[b] {
		b++
	}
	m.hist[id][b].Add(1)
	m.sum[id].Add(int64(d))
}

// routeLabel is the path of a route's pattern ("other" for the
// catch-all).
func routeLabel(id int) string {
	if routeID(id) == rFallback {
		return "other"
	}
	_, p := docPath(routes[id].pattern)
	return p
}

// metrics writes the Prometheus text format (version 0.0.4).
func (s *Server) metrics(w http.ResponseWriter, r *http.Request) int {
	b := s.appendMetrics(nil)
	w.Header()["Content-Type"] = []string{"text/plain; version=0.0.4; charset=utf-8"}
	w.WriteHeader(200)
	w.Write(b)
	return 200
}

func (s *Server) appendMetrics(b []byte) []byte {
	m := &s.met
	b = append(b, "# HELP cairn_serve_requests_total HTTP requests answered, by route and status code.\n"+
		"# TYPE cairn_serve_requests_total counter\n"...)
	for id := range routes {
		for c := range m.count[id] {
			if n := m.count[id][c].Load(); n > 0 {
				b = append(b, "cairn_serve_requests_total{route="...)
				b = appendLabel(b, routeLabel(id))
				b = append(b, ",code=\""...)
				b = append(b, codeLabel(c)...)
				b = append(b, "\"} "...)
				b = strconv.AppendUint(b, n, 10)
				b = append(b, '\n')
			}
		}
	}
	b = append(b, "# HELP cairn_serve_request_duration_seconds Time from routing a request to writing its answer, by route.\n"+
		"# TYPE cairn_serve_request_duration_seconds histogram\n"...)
	for id := range routes {
		var counts [len(latencyBuckets) + 1]uint64
		total := uint64(0)
		for i := range counts {
			counts[i] = m.hist[id][i].Load()
			total += counts[i]
		}
		if total == 0 {
			continue
		}
		label := routeLabel(id)
		cum := uint64(0)
		for i, c := range counts {
			cum += c
			b = append(b, "cairn_serve_request_duration_seconds_bucket{route="...)
			b = appendLabel(b, label)
			b = append(b, ",le=\""...)
			if i < len(latencyBuckets) {
				b = strconv.AppendFloat(b, latencyBuckets[i].Seconds(), 'g', -1, 64)
			} else {
				b = append(b, "+Inf"...)
			}
			b = append(b, "\"} "...)
			b = strconv.AppendUint(b, cum, 10)
			b = append(b, '\n')
		}
		b = append(b, "cairn_serve_request_duration_seconds_sum{route="...)
		b = appendLabel(b, label)
		b = append(b, "} "...)
		b = strconv.AppendFloat(b, time.Duration(m.sum[id].Load()).Seconds(), 'g', -1, 64)
		b = append(b, "\ncairn_serve_request_duration_seconds_count{route="...)
		b = appendLabel(b, label)
		b = append(b, "} "...)
		b = strconv.AppendUint(b, total, 10)
		b = append(b, '\n')
	}

	sts := s.Status()
	sort.Slice(sts, func(i, j int) bool { return sts[i].Name < sts[j].Name })
	gauge := func(name, help, typ string, val func(st *Status) float64) {
		b = append(b, "# HELP "+name+" "+help+"\n# TYPE "+name+" "+typ+"\n"...)
		for i := range sts {
			b = append(b, name+"{model="...)
			b = appendLabel(b, sts[i].Name)
			b = append(b, "} "...)
			b = strconv.AppendFloat(b, val(&sts[i]), 'g', -1, 64)
			b = append(b, '\n')
		}
	}
	gauge("cairn_serve_model_version", "The version each model serves (0: none).", "gauge",
		func(st *Status) float64 { return float64(st.Version) })
	gauge("cairn_serve_model_ready", "1 when the model serves a version.", "gauge", func(st *Status) float64 {
		if st.Ready {
			return 1
		}
		return 0
	})
	gauge("cairn_serve_model_swaps_total", "Versions swapped in after the first.", "counter",
		func(st *Status) float64 { return float64(st.Swaps) })
	gauge("cairn_serve_model_swap_failures_total", "Versions refused: they failed to load or to pass the checks.", "counter",
		func(st *Status) float64 { return float64(st.FailedSwaps) })
	gauge("cairn_serve_model_rows_total", "Rows predicted.", "counter",
		func(st *Status) float64 { return float64(st.Rows) })
	gauge("cairn_serve_model_since_timestamp_seconds", "When the serving version started serving (Unix time).", "gauge",
		func(st *Status) float64 { return float64(st.Since.UnixMilli()) / 1000 })
	return appendRuntimeMetrics(b)
}

// appendLabel writes a quoted label value, escaped as the text format
// requires.
func appendLabel(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b = append(b, `\\`...)
		case '"':
			b = append(b, `\"`...)
		case '\n':
			b = append(b, `\n`...)
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
