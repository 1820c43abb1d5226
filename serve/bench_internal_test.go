package serve

import (
	"strconv"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/dataset"
)

// The parts of the 100-row request path on their own, for profiling:
// decoding the rows of a /v1 body and writing the response.
//
//	flock /tmp/cairn-bench.lock go test -run '^$' -bench 'Decode|Append' ./serve/

// v1Body100 is a /v1 body of the first 100 rows of the breast-cancer
// data, as Python's json module writes it (", " between values).
func v1Body100() []byte {
	ds := dataset.BreastCancer()
	var b strings.Builder
	b.WriteString(`{"instances": [`)
	for i := range 100 {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('[')
		for j, v := range ds.X.RawRowView(i) {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
		}
		b.WriteByte(']')
	}
	b.WriteString("]}")
	return []byte(b.String())
}

// benchVersion is a version of a 30-feature, 2-class model that is never
// asked to predict.
func benchVersion(b *testing.B) *version {
	features := make([]string, 30)
	for j := range features {
		features[j] = "f" + strconv.Itoa(j)
	}
	v, err := newVersion("bc", 1, constPredictor{features: features, classes: []string{"malignant", "benign"}}, Origin{})
	if err != nil {
		b.Fatal(err)
	}
	return v
}

type constPredictor struct{ features, classes []string }

func (p constPredictor) Features() []string { return p.features }
func (p constPredictor) Classes() []string  { return p.classes }
func (p constPredictor) PredictProbaInto(dst, x []float64) error {
	dst[0], dst[1] = 0.25, 0.75
	return nil
}

func BenchmarkDecodeV1Rows100(b *testing.B) {
	body := v1Body100()
	v := benchVersion(b)
	var sc scratch
	sc.body = body
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var d rowDecoder
		d.start(&sc, v, 1000)
		if e := d.decodeV1(); e != nil || d.n != 100 {
			b.Fatalf("decodeV1: %v, %d rows", e, d.n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/3000, "ns/number")
}

func BenchmarkAppendV1Rows100(b *testing.B) {
	v := benchVersion(b)
	p := make([]float64, 200)
	for i := range 100 {
		q := 1 / (1 + float64(i)*0.0123456789)
		p[2*i], p[2*i+1] = 1-q, q
	}
	var out []byte
	b.ReportAllocs()
	for b.Loop() {
		out = appendV1(out[:0], v, 100, p)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/200, "ns/probability")
}
