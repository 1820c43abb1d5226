package perr_test

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/internal/perr"
)

var (
	errInvalid = errors.New("x: invalid argument")
	errBadRef  = perr.Sub("x: bad reference", errInvalid)
)

func TestParseError(t *testing.T) {
	for _, c := range []struct {
		err  *perr.ParseError
		want string
	}{
		{&perr.ParseError{Line: 3, Column: 2, Err: fmt.Errorf("%w: %q", errInvalid, "a")}, `line 3, column 2: x: invalid argument: "a"`},
		{&perr.ParseError{Line: 3, Err: errInvalid}, `line 3: x: invalid argument`},
		{&perr.ParseError{Input: "m >", Column: 3, Err: errBadRef}, `column 3 of "m >": x: bad reference`},
		{&perr.ParseError{Input: "champion", Err: errBadRef}, `"champion": x: bad reference`},
		{&perr.ParseError{Column: 5, Err: errInvalid}, `column 5: x: invalid argument`},
		{&perr.ParseError{Input: strings.Repeat("é", 100), Err: errBadRef}, `"` + strings.Repeat("é", 32) + `"... (200 bytes): x: bad reference`},
	} {
		if got := c.err.Error(); got != c.want {
			t.Errorf("Error() = %s, want %s", got, c.want)
		}
		if !errors.Is(c.err, errInvalid) {
			t.Errorf("%v does not match its parent sentinel", c.err)
		}
	}
}

func TestClip(t *testing.T) {
	long := strings.Repeat("a", 50<<20)
	if got := perr.Clip(long); len(got) != perr.MaxQuote+3 {
		t.Fatalf("Clip of 50 MB is %d bytes", len(got))
	}
}

func TestQuote(t *testing.T) {
	long := strings.Repeat("é", 100)
	tests := []struct{ in, want string }{
		{"", `""`},
		{"abc", `"abc"`},
		{"a\x00b", `"a\x00b"`},
		{long[:64], strconv.Quote(long[:64])},
		{long, strconv.Quote(long[:64]) + "... (200 bytes)"},
		{"a" + long, strconv.Quote("a"+long[:62]) + "... (201 bytes)"},
	}
	for _, tt := range tests {
		if got := perr.Quote(tt.in); got != tt.want {
			t.Errorf("Quote(%.10q...) = %s, want %s", tt.in, got, tt.want)
		}
		if got := perr.Quote([]byte(tt.in)); got != tt.want {
			t.Errorf("Quote([]byte(%.10q...)) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
