package ref_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-ml/cairn/internal/ref"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		in   string
		want ref.Ref
		bad  bool
	}{
		{"3", ref.Ref{Number: 3}, false},
		{"v3", ref.Ref{Number: 3}, false},
		{"V12", ref.Ref{Number: 12}, false},
		{"latest", ref.Ref{}, false},
		{"LATEST", ref.Ref{}, false},
		{"@champion", ref.Ref{Alias: "champion"}, false},
		{"sha256:ABCD", ref.Ref{Digest: "abcd"}, false},
		{"sha256:1234", ref.Ref{Digest: "1234"}, false},
		{"1a2b", ref.Ref{Digest: "1a2b"}, false},
		{"deadbeef", ref.Ref{Digest: "deadbeef"}, false},
		{"1234", ref.Ref{Number: 1234}, false},
		{"", ref.Ref{}, true},
		{"0", ref.Ref{}, true},
		{"v0", ref.Ref{}, true},
		{"03", ref.Ref{}, true},
		{"v", ref.Ref{}, true},
		{"@", ref.Ref{}, true},
		{"@latest", ref.Ref{}, true},
		{"@v2", ref.Ref{}, true},
		{"@a b", ref.Ref{}, true},
		{"champion", ref.Ref{}, true},
		{"abc", ref.Ref{}, true},
		{"sha256:ab", ref.Ref{}, true},
		{"sha256:" + strings.Repeat("a", 65), ref.Ref{}, true},
		{"sha256:xyz1", ref.Ref{}, true},
		{"99999999999", ref.Ref{}, true},
		{"-1", ref.Ref{}, true},
	} {
		got, why := ref.Parse(c.in)
		if (why != "") != c.bad {
			t.Errorf("Parse(%q) = %+v, %q; want bad %v", c.in, got, why, c.bad)
			continue
		}
		if diff := cmp.Diff(c.want, got); !c.bad && diff != "" {
			t.Errorf("Parse(%q) (-want +got):\n%s", c.in, diff)
		}
		if !c.bad {
			if again, why := ref.Parse(got.String()); why != "" || again != got {
				t.Errorf("Parse(String(%+v)) = %+v, %q", got, again, why)
			}
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"3", "v3", "latest", "@a", "sha256:abcd", "abcd1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, why := ref.Parse(s)
		if why != "" {
			return
		}
		if again, why := ref.Parse(r.String()); why != "" || again != r {
			t.Fatalf("Parse(%q) = %+v; String %q parses to %+v, %q", s, r, r.String(), again, why)
		}
	})
}
