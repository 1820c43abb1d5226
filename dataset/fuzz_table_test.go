package dataset_test

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/dataset"
)

// FuzzReadTable checks that ReadTable never panics, that it returns either
// an error (a *ParseError, or ErrInvalid for options) or a consistent table,
// and that a table written back as CSV reads again to the same values.
func FuzzReadTable(f *testing.F) {
	for _, s := range []string{
		"a,b,y\n1.5,red,p\nNA,,q\n,blue,p\n",
		"a,y\n1,10\n2,9\n3,x\n",
		"a,y\n1.50,p\nNA,q\n2,p\nx,q\n",
		"\ufeff\"a\",\"b \"\"q\"\"\",y\r\n\r\n\" 2 \",\" x\ny\",p\r\n3,\"\",q",
		"a,y\ninf,p\nx,q\n",
		"a,a,y\n1,2,p\n",
		"a,y\n\"1\"x,p\n",
		"",
	} {
		f.Add([]byte(s), "", "", false)
	}
	f.Add([]byte("y,a,b\np,1,x\nq,2,3\n"), "y", "b", true)
	f.Fuzz(func(t *testing.T, in []byte, target, text string, fixNumber bool) {
		opts := dataset.TableOptions{Target: target}
		if text != "" {
			typ := dataset.Text
			if fixNumber {
				typ = dataset.Number
			}
			opts.Types = map[string]dataset.ColumnType{text: typ}
		}
		tab, err := dataset.ReadTable(bytes.NewReader(in), opts)
		if err != nil {
			if tab != nil {
				t.Fatal("ReadTable returned a table and an error")
			}
			var pe *dataset.ParseError
			if !errors.As(err, &pe) && !errors.Is(err, dataset.ErrInvalid) {
				t.Fatalf("ReadTable error %T is not a *ParseError: %v", err, err)
			}
			return
		}
		checkTable(t, tab)
		var buf bytes.Buffer
		writeTable(&buf, tab)
		types := map[string]dataset.ColumnType{tab.Target: dataset.Text}
		for _, c := range tab.Columns {
			types[c.Name] = c.Type
		}
		again, err := dataset.ReadTable(&buf, dataset.TableOptions{Target: tab.Target, Types: types})
		if err != nil {
			t.Fatalf("re-reading %q: %v", buf.String(), err)
		}
		for i := range tab.Len() {
			for j := range tab.Columns {
				if a, b := tab.Value(i, j), again.Value(i, j); a != b {
					t.Fatalf("round trip changed cell (%d, %d) from %q to %q", i, j, a, b)
				}
			}
			if a, b := tab.Classes[tab.Y[i]], again.Classes[again.Y[i]]; a != b {
				t.Fatalf("round trip changed the class of row %d from %q to %q", i, a, b)
			}
		}
	})
}

// checkTable checks the invariants of a table ReadTable returned.
func checkTable(t *testing.T, tab *dataset.Table) {
	t.Helper()
	r, c := tab.X.Dims()
	if r != tab.Len() || c != len(tab.Columns) || r == 0 || c == 0 {
		t.Fatalf("X is %dx%d for %d rows and %d columns", r, c, tab.Len(), len(tab.Columns))
	}
	if len(tab.Classes) < 2 {
		t.Fatalf("%d classes", len(tab.Classes))
	}
	for _, y := range tab.Y {
		if y < 0 || y >= len(tab.Classes) {
			t.Fatalf("label %d of %d classes", y, len(tab.Classes))
		}
	}
	for j, col := range tab.Columns {
		present := false
		for i := range r {
			v := tab.X.At(i, j)
			switch {
			case math.IsNaN(v):
				continue
			case math.IsInf(v, 0):
				t.Fatalf("column %q holds %v", col.Name, v)
			case col.Type == dataset.Text && (v != math.Trunc(v) || v < 0 || int(v) >= len(col.Levels)):
				t.Fatalf("text column %q holds code %v of %d levels", col.Name, v, len(col.Levels))
			}
			present = true
		}
		if !present {
			t.Fatalf("column %q has no value", col.Name)
		}
	}
}

// writeTable writes tab as CSV with every field quoted, missing cells as
// NA and the target last.
func writeTable(buf *bytes.Buffer, tab *dataset.Table) {
	q := func(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
	for _, c := range tab.Columns {
		buf.WriteString(q(c.Name) + ",")
	}
	buf.WriteString(q(tab.Target) + "\n")
	for i := range tab.Len() {
		for j := range tab.Columns {
			if math.IsNaN(tab.X.At(i, j)) {
				buf.WriteString("NA,")
				continue
			}
			buf.WriteString(q(tab.Value(i, j)) + ",")
		}
		buf.WriteString(q(tab.Classes[tab.Y[i]]) + "\n")
	}
}
