package filter

import "testing"

// BenchmarkParse parses the filters of track's search benchmark (the
// parse cost of a query) with the test vocabulary.
func BenchmarkParse(b *testing.B) {
	filters := []string{
		"metrics.m0 > 0.5 AND params.p0 = 'v3'",
		"metrics.m0 > 0.95 AND params.p0 = 'v3' AND name != 'FAILED'",
		"(params.p1 IN ('w1', 'w2') OR params.p1 = 'w3') AND metrics.m2 < 0.5",
		"",
	}
	cols := testColumns()
	b.ReportAllocs()
	for b.Loop() {
		for _, f := range filters {
			if _, err := Parse(f, cols); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(filters)), "ns/filter")
}
