package registry_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-ml/cairn/registry"
)

func TestParseRef(t *testing.T) {
	tests := []struct {
		in      string
		want    registry.Ref
		wantErr string // a piece of the error message; "" for success
	}{
		{in: "v3", want: registry.Ref{Number: 3}},
		{in: "V3", want: registry.Ref{Number: 3}},
		{in: "3", want: registry.Ref{Number: 3}},
		{in: "v2147483647", want: registry.Ref{Number: registry.MaxVersion}},
		{in: "latest", want: registry.Ref{}},
		{in: "LATEST", want: registry.Ref{}},
		{in: "@champion", want: registry.Ref{Alias: "champion"}},
		{in: "@Champion-2_b", want: registry.Ref{Alias: "Champion-2_b"}},
		{in: "", wantErr: "empty reference"},
		{in: "v", wantErr: "not a reference"},
		{in: "v0", wantErr: "numbered from 1"},
		{in: "0", wantErr: "numbered from 1"},
		{in: "v03", wantErr: "leading zero"},
		{in: "-3", wantErr: "not a reference"},
		{in: "+3", wantErr: "not a reference"},
		{in: " 3", wantErr: "not a reference"},
		{in: "3.0", wantErr: "not a reference"},
		{in: "v2147483648", wantErr: "too large"},
		{in: "99999999999999999999999", wantErr: "too large"},
		{in: "champion", wantErr: `written "@champion"`},
		{in: "@", wantErr: "empty alias"},
		{in: "@latest", wantErr: "reserved"},
		{in: "@v2", wantErr: "reserved"},
		{in: "@V12", wantErr: "reserved"},
		{in: "@a b", wantErr: "letters, digits"},
		{in: "@a/b", wantErr: "letters, digits"},
		{in: "@@x", wantErr: "letters, digits"},
		{in: "@" + strings.Repeat("a", 256), wantErr: "more than 255"},
		{in: "models:/m/1", wantErr: "not a reference"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := registry.ParseRef(tt.in)
			if tt.wantErr != "" {
				var re *registry.ParseError
				if !errors.Is(err, registry.ErrBadRef) || !errors.As(err, &re) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseRef(%q) = %v, %v; want a *ParseError saying %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseRef(%q): %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseRef(%q) (-want +got):\n%s", tt.in, diff)
			}
			again, err := registry.ParseRef(got.String())
			if err != nil || again != got {
				t.Errorf("ParseRef(%q.String() = %q) = %v, %v; want %v", tt.in, got.String(), again, err, got)
			}
		})
	}
}

func TestParseURI(t *testing.T) {
	tests := []struct {
		in       string
		wantName string
		want     registry.Ref
		wantErr  string
	}{
		{in: "models:/fraud/3", wantName: "fraud", want: registry.Ref{Number: 3}},
		{in: "models:/fraud/v3", wantName: "fraud", want: registry.Ref{Number: 3}},
		{in: "models:/fraud/latest", wantName: "fraud", want: registry.Ref{}},
		{in: "models:/fraud/Latest", wantName: "fraud", want: registry.Ref{}},
		{in: "models:/fraud@champion", wantName: "fraud", want: registry.Ref{Alias: "champion"}},
		{in: "models:/breast cancer.lr-1/12", wantName: "breast cancer.lr-1", want: registry.Ref{Number: 12}},
		{in: "models:/модель@prod", wantName: "модель", want: registry.Ref{Alias: "prod"}},
		{in: "models:/a:b/1", wantName: "a:b", want: registry.Ref{Number: 1}},
		{in: "", wantErr: `starts with "models:/"`},
		{in: "runs:/abc/model", wantErr: `starts with "models:/"`},
		{in: "Models:/m/1", wantErr: `starts with "models:/"`},
		{in: "models:m/1", wantErr: `starts with "models:/"`},
		{in: "models://host/m/1", wantErr: "registry host"},
		{in: "models:/", wantErr: "no version or alias"},
		{in: "models:/fraud", wantErr: "no version or alias"},
		{in: "models:/fraud/", wantErr: "empty version"},
		{in: "models:/fraud@", wantErr: "empty alias"},
		{in: "models:/@champion", wantErr: "empty model name"},
		{in: "models:/fraud/3/4", wantErr: "too many path segments"},
		{in: "models:/fraud/@champion", wantErr: `"models:/fraud@champion"`},
		{in: "models:/fraud@champion/3", wantErr: "alias URI has no version part"},
		{in: "models:/fraud@a@b", wantErr: "letters, digits"},
		{in: "models:/fraud@latest", wantErr: "reserved"},
		{in: "models:/fraud/Production", wantErr: `stages are not supported; use an alias: "models:/fraud@production"`},
		{in: "models:/fraud/0", wantErr: "numbered from 1"},
		{in: "models:/fraud/03", wantErr: "leading zero"},
		{in: "models:/fraud/-1", wantErr: "bad version"},
		{in: "models:/ fraud/1", wantErr: "starts or ends with a space"},
		{in: "models:/fr\x00aud/1", wantErr: "unprintable"},
		{in: "models:/" + strings.Repeat("m", 257) + "/1", wantErr: "more than 256"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			name, got, err := registry.ParseURI(tt.in)
			if tt.wantErr != "" {
				var re *registry.ParseError
				if !errors.Is(err, registry.ErrBadRef) || !errors.As(err, &re) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseURI(%q) = %q, %v, %v; want a *ParseError saying %q", tt.in, name, got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseURI(%q): %v", tt.in, err)
			}
			if name != tt.wantName {
				t.Errorf("ParseURI(%q) name = %q, want %q", tt.in, name, tt.wantName)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseURI(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

// URI writes what MLflow writes, and ParseURI reads it back.
func TestURI(t *testing.T) {
	tests := []struct {
		name string
		ref  registry.Ref
		want string
	}{
		{"fraud", registry.Ref{Number: 3}, "models:/fraud/3"},
		{"fraud", registry.Ref{Alias: "champion"}, "models:/fraud@champion"},
		{"fraud", registry.Ref{}, "models:/fraud/latest"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := registry.URI(tt.name, tt.ref); got != tt.want {
				t.Errorf("URI(%q, %v) = %q, want %q", tt.name, tt.ref, got, tt.want)
			}
			name, ref, err := registry.ParseURI(tt.want)
			if err != nil || name != tt.name || ref != tt.ref {
				t.Errorf("ParseURI(%q) = %q, %v, %v; want %q, %v", tt.want, name, ref, err, tt.name, tt.ref)
			}
		})
	}
}
