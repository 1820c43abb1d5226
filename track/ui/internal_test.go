package ui

import (
	"html/template"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/cairn-ml/cairn/internal/web/webtest"
)

func TestNiceStep(t *testing.T) {
	tests := []struct{ raw, want float64 }{
		{0.3, 0.5}, {1, 1}, {1.2, 2}, {2.5, 5}, {7, 10}, {0.0042, 0.005}, {1300, 2000},
		{0, 1}, {-3, 1}, {math.NaN(), 1}, {math.Inf(1), 1},
	}
	for _, tt := range tests {
		if got := niceStep(tt.raw); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("niceStep(%v) = %v, want %v", tt.raw, got, tt.want)
		}
	}
}

func TestScale(t *testing.T) {
	tests := []struct {
		name       string
		lo, hi     float64
		integer    bool
		wantTicks  []float64
		wantLabels []string
	}{
		{"unit", 0, 1, false, []float64{0, 0.2, 0.4, 0.6, 0.8, 1}, []string{"0", "0.2", "0.4", "0.6", "0.8", "1.0"}},
		{"metric", 0.78, 0.99, false, []float64{0.8, 0.85, 0.9, 0.95}, []string{"0.80", "0.85", "0.90", "0.95"}},
		{"steps", 0, 11, true, []float64{0, 5, 10}, []string{"0", "5", "10"}},
		{"one step", 3, 3, true, []float64{2, 3, 4}, []string{"2", "3", "4"}},
		{"few steps", 0, 2, true, []float64{0, 1, 2}, []string{"0", "1", "2"}},
		{"large", 0, 3e6, false, []float64{0, 1e6, 2e6, 3e6}, []string{"0", "1e+06", "2e+06", "3e+06"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScale(tt.lo, tt.hi, 0, 100, tt.integer)
			if d := cmp.Diff(tt.wantTicks, s.ticks, cmpopts.EquateApprox(0, 1e-12)); d != "" {
				t.Errorf("ticks (-want +got):\n%s", d)
			}
			var labels []string
			for _, tk := range s.ticks {
				labels = append(labels, s.label(tk))
			}
			if d := cmp.Diff(tt.wantLabels, labels); d != "" {
				t.Errorf("labels (-want +got):\n%s", d)
			}
			if a, b := s.at(tt.lo), s.at(tt.hi); a < 0 || b > 100 || (tt.lo != tt.hi && !(a < b)) {
				t.Errorf("at(lo) = %v, at(hi) = %v: want inside [0, 100], increasing", a, b)
			}
		})
	}
}

// checkSVG parses s as XML and returns how many of each element it has.
func checkSVG(t *testing.T, s template.HTML) map[string]int {
	t.Helper()
	return webtest.SVG(t, string(s))
}

func TestPlotSVG(t *testing.T) {
	xs := []float64{0, 1, 2, 3, 4}
	tests := []struct {
		name string
		p    plot
		want map[string]int
	}{
		{"one line with dots", plot{Title: "loss", Series: []series{{Name: "run", X: xs, Y: []float64{5, 3, 2, 1.5, 1}, Line: true, Dots: true}}},
			map[string]int{"svg": 1, "path": 1, "circle": 5}},
		{"gap at NaN", plot{Title: "loss", Series: []series{{Name: "run", X: xs, Y: []float64{5, math.NaN(), 2, math.Inf(1), 1}, Line: true, Dots: true}}},
			map[string]int{"svg": 1, "path": 1, "circle": 3}},
		{"two series and a legend", plot{Title: "t", Series: []series{
			{Name: "a", X: xs, Y: xs, Line: true}, {Name: "b", X: xs, Y: xs, Step: true},
		}}, map[string]int{"svg": 1, "path": 2, "rect": 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checkSVG(t, tt.p.SVG())
			for el, n := range tt.want {
				if got[el] != n {
					t.Errorf("%d <%s>, want %d", got[el], el, n)
				}
			}
		})
	}
	t.Run("no finite point", func(t *testing.T) {
		s := plot{Series: []series{{X: []float64{1}, Y: []float64{math.NaN()}}}}.SVG()
		if !strings.Contains(string(s), "no finite values") {
			t.Errorf("SVG() = %s", s)
		}
	})
	t.Run("escapes text", func(t *testing.T) {
		s := string(plot{Title: `<script>&"`, Series: []series{{Name: "<b>", X: xs, Y: xs, Line: true, Dots: true}, {Name: "x", X: xs, Y: xs}}}.SVG())
		if strings.Contains(s, "<script") || strings.Contains(s, "<b>") {
			t.Errorf("unescaped text in %s", s)
		}
		checkSVG(t, template.HTML(s))
	})
	t.Run("extreme values", func(t *testing.T) {
		for _, ys := range [][]float64{{-math.MaxFloat64, math.MaxFloat64}, {1e-300, 2e-300}, {1e16, 1e16 + 2}, {0, 0}, {math.MaxFloat64, math.MaxFloat64}, {-math.MaxFloat64, -math.MaxFloat64}} {
			checkSVG(t, plot{Series: []series{{X: []float64{0, 1}, Y: ys, Line: true, Dots: true}}}.SVG())
			checkSVG(t, bars{Labels: []string{"a", "b"}, Values: ys}.SVG())
		}
	})
}

func TestBarsSVG(t *testing.T) {
	got := checkSVG(t, bars{Title: "imp", Labels: []string{"C", "solver", "nan"}, Values: []float64{0.7, -0.1, math.NaN()}}.SVG())
	if got["rect"] != 1+2 { // the background and two finite bars
		t.Errorf("%d <rect>, want 3", got["rect"])
	}
}

func TestThin(t *testing.T) {
	n := 10000
	x, y := make([]float64, n), make([]float64, n)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		x[i], y[i] = float64(i), r.Float64()
	}
	y[4321], y[777] = 5, -5 // a spike each way
	tx, ty := thin(x, y)
	if len(tx) > maxPoints || len(tx) != len(ty) {
		t.Fatalf("thin kept %d points, want at most %d", len(tx), maxPoints)
	}
	if tx[0] != 0 || tx[len(tx)-1] != float64(n-1) {
		t.Errorf("thin dropped an end: %v .. %v", tx[0], tx[len(tx)-1])
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := range ty {
		lo, hi = math.Min(lo, ty[i]), math.Max(hi, ty[i])
		if i > 0 && tx[i] <= tx[i-1] {
			t.Fatalf("x not increasing at %d", i)
		}
	}
	if lo != -5 || hi != 5 {
		t.Errorf("thin lost a spike: range [%v, %v]", lo, hi)
	}
	if sx, _ := thin(x[:10], y[:10]); len(sx) != 10 {
		t.Errorf("a short series was thinned")
	}
}

func TestParamImportance(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	n := 60
	var params []map[string]string
	var ys []float64
	for range n {
		x := r.Float64() * 10
		cat := []string{"a", "b", "c"}[r.IntN(3)]
		noise := r.Float64()
		params = append(params, map[string]string{
			"x":     strconv.FormatFloat(x, 'g', -1, 64),
			"cat":   cat,
			"noise": strconv.FormatFloat(noise, 'g', -1, 64),
			"const": "1",
		})
		ys = append(ys, x+0.5*r.NormFloat64())
	}
	params[0]["rare"] = "1"
	got := paramImportance(params, ys)
	byName := map[string]importance{}
	sum := 0.0
	for _, im := range got {
		byName[im.Param] = im
		sum += float64(im.Importance)
	}
	if got[0].Param != "x" || got[0].Importance < 0.8 || got[0].Effect < 0.7 {
		t.Errorf("importance = %+v, want x first with most of it", got)
	}
	if math.Abs(sum-1) > 1e-12 {
		t.Errorf("importances sum to %v, want 1", sum)
	}
	for _, p := range []string{"cat", "noise"} {
		if byName[p].Importance > 0.15 {
			t.Errorf("%s: importance %v for a parameter with no effect", p, byName[p].Importance)
		}
	}
	for _, p := range []string{"const", "rare"} {
		if byName[p].Effect != 0 {
			t.Errorf("%s: effect %v, want 0 (one value, or too few trials)", p, byName[p].Effect)
		}
	}
	if byName["x"].Groups != 4 || byName["cat"].Groups != 3 || byName["rare"].Trials != 1 {
		t.Errorf("groups: x %d (want cbrt(60) rounded = 4), cat %d (3); rare in %d trials (1)", byName["x"].Groups, byName["cat"].Groups, byName["rare"].Trials)
	}
}

func TestRanksAndOmega(t *testing.T) {
	if d := cmp.Diff([]float64{2.5, 1, 2.5, 4}, ranks([]float64{3, 1, 3, 7})); d != "" {
		t.Errorf("ranks (-want +got):\n%s", d)
	}
	// Two groups that separate the values completely: SSb = 4, SSt = 5,
	// MSw = 1/2, omega squared = (4 - 0.5) / 5.5.
	if got, want := omegaSquared([]int{0, 0, 1, 1}, []float64{1, 2, 3, 4}), 3.5/5.5; math.Abs(got-want) > 1e-12 {
		t.Errorf("omegaSquared = %v, want %v", got, want)
	}
	if got := omegaSquared([]int{0, 1, 2, 3}, []float64{1, 2, 3, 4}); got != 0 {
		t.Errorf("omegaSquared with a group per point = %v, want 0", got)
	}
	if d := cmp.Diff([]int{0, 0, 1, 1, 1, 0}, groupsOf([]string{"1", "2", "5", "5", "6", "2"})); d != "" {
		t.Errorf("groupsOf (-want +got):\n%s", d)
	}
}

func TestQuoteKey(t *testing.T) {
	for k, want := range map[string]string{
		"f1": "f1", "cv_f1": "cv_f1", "a.b-c/d": "a.b-c/d", "f1 score": "`f1 score`", "1st": "`1st`",
		"a`b": "`a``b`", "": "``", "ünï": "ünï",
	} {
		if got := quoteKey(k); got != want {
			t.Errorf("quoteKey(%q) = %q, want %q", k, got, want)
		}
	}
}
