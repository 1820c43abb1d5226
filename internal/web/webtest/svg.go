package webtest

import (
	"encoding/xml"
	"io"
	"strings"
	"testing"
)

// SVG parses s, hand-written SVG, as XML and returns how many of each
// element it holds. It fails the test if s is not well-formed or an
// attribute holds NaN or Inf (a coordinate that was not finite).
func SVG(t testing.TB, s string) map[string]int {
	t.Helper()
	count := map[string]int{}
	dec := xml.NewDecoder(strings.NewReader(s))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed: %v\n%s", err, s)
		}
		if se, ok := tok.(xml.StartElement); ok {
			count[se.Name.Local]++
			for _, a := range se.Attr {
				if strings.Contains(a.Value, "NaN") || strings.Contains(a.Value, "Inf") {
					t.Errorf("<%s %s=%q>: a non-finite coordinate", se.Name.Local, a.Name.Local, a.Value)
				}
			}
		}
	}
	return count
}
