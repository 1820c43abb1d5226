package mlflowapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	"github.com/cairn-ml/cairn/internal/perr"
)

// DefaultMaxBody is the largest JSON request body Read accepts when its
// limit is 0: 1 MB, the size MLflow documents for log-batch.
const DefaultMaxBody = 1_000_000

// Int64 is a protobuf int64 field: JSON gives it as a number or a
// decimal string.
type Int64 int64

// UnmarshalJSON accepts 12 and "12".
func (n *Int64) UnmarshalJSON(b []byte) error {
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		// A number written with an exponent or ".0" is still an
		// integer to protobuf's parser.
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f != math.Trunc(f) || math.Abs(f) >= 1<<63 {
			return fmt.Errorf("%s is not an integer", perr.Quote(s))
		}
		v = int64(f)
	}
	*n = Int64(v)
	return nil
}

// Float is a protobuf double field: JSON gives it as a number, a decimal
// string or "NaN", "Infinity", "-Infinity"; it is written the same way.
type Float float64

// UnmarshalJSON accepts 1.5, "1.5", "NaN", "Infinity" and "-Infinity".
func (f *Float) UnmarshalJSON(b []byte) error {
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		switch s {
		case "NaN":
			*f = Float(math.NaN())
			return nil
		case "Infinity":
			*f = Float(math.Inf(1))
			return nil
		case "-Infinity":
			*f = Float(math.Inf(-1))
			return nil
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return fmt.Errorf("%s is not a number", perr.Quote(s))
	}
	*f = Float(v)
	return nil
}

// MarshalJSON writes NaN and the infinities as protobuf's JSON strings.
func (f Float) MarshalJSON() ([]byte, error) {
	v := float64(f)
	switch {
	case math.IsNaN(v):
		return []byte(`"NaN"`), nil
	case math.IsInf(v, 1):
		return []byte(`"Infinity"`), nil
	case math.IsInf(v, -1):
		return []byte(`"-Infinity"`), nil
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
}

// Enum is a protobuf enum field: JSON gives it as its name or its
// number. The zero value is unset.
type Enum struct {
	Name string // as given, when given as a name
	Num  int64  // when given as a number
	Set  bool
}

// UnmarshalJSON accepts "ACTIVE_ONLY" and 1.
func (e *Enum) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		return e.parse(s)
	}
	if string(b) == "null" {
		return nil
	}
	n, err := strconv.ParseInt(string(b), 10, 32)
	if err != nil {
		return fmt.Errorf("%s is not an enum value", perr.Quote(string(b)))
	}
	*e = Enum{Num: n, Set: true}
	return nil
}

func (e *Enum) parse(s string) error {
	if n, err := strconv.ParseInt(s, 10, 32); err == nil {
		*e = Enum{Num: n, Set: true}
		return nil
	}
	*e = Enum{Name: s, Set: true}
	return nil
}

// Resolve returns the index in names of the enum's value, given by name
// or by number (names[i] has number i; "" marks numbers that are not
// used), or an INVALID_PARAMETER_VALUE error naming field.
func (e Enum) Resolve(field string, names []string) (int, error) {
	for i, n := range names {
		if n == "" {
			continue
		}
		if e.Name != "" && e.Name == n || e.Name == "" && e.Num == int64(i) {
			return i, nil
		}
	}
	v := e.Name
	if v == "" {
		v = strconv.FormatInt(e.Num, 10)
	}
	return 0, Errorf(InvalidParameterValue, "Invalid value %s for parameter '%s' supplied.", perr.Quote(v), field)
}

// Read decodes a request into dst, a pointer to a struct whose fields
// carry json tags: from the query string of a GET that has one (see
// DecodeQuery), else from the JSON body, at most max bytes (0 means
// DefaultMaxBody). Every failure is an INVALID_PARAMETER_VALUE *Error.
func Read(w http.ResponseWriter, r *http.Request, dst any, max int64) error {
	if r.Method == http.MethodGet && r.URL.RawQuery != "" {
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			return Errorf(InvalidParameterValue, "Malformed query string: %v", err)
		}
		return DecodeQuery(q, dst)
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && r.ContentLength != 0 {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" && !strings.HasSuffix(mt, "+json") {
			return Errorf(InvalidParameterValue, "Bad Request. Content-Type must be application/json, not %s", perr.Quote(ct))
		}
	}
	if max <= 0 {
		max = DefaultMaxBody
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return Errorf(InvalidParameterValue, "Request body is larger than %d bytes.", max)
		}
		return Errorf(InvalidParameterValue, "Reading the request body: %v", err)
	}
	return DecodeJSON(b, dst)
}

// DecodeJSON decodes a JSON request body into dst as Read does: empty
// (or only white space) is {}, and a JSON string is decoded again.
func DecodeJSON(b []byte, dst any) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil
	}
	if b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return badJSON(err)
		}
		b = bytes.TrimSpace([]byte(s))
		if len(b) == 0 {
			return nil
		}
	}
	if b[0] != '{' {
		return Errorf(InvalidParameterValue, "The request body must be a JSON object.")
	}
	if err := json.Unmarshal(b, dst); err != nil {
		return badJSON(err)
	}
	return nil
}

func badJSON(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return Errorf(InvalidParameterValue, "Invalid value for parameter '%s' supplied: a JSON %s where %s was expected.", te.Field, te.Value, jsonKind(te.Type))
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return Errorf(InvalidParameterValue, "Malformed JSON request body at byte %d: %v", se.Offset, se)
	}
	return Errorf(InvalidParameterValue, "Invalid request body: %v", err)
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Slice:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Bool:
		return "a boolean"
	}
	return "a number"
}

var (
	int64Type = reflect.TypeFor[Int64]()
	floatType = reflect.TypeFor[Float]()
	enumType  = reflect.TypeFor[Enum]()
)

// DecodeQuery decodes the query string of a GET into dst, a pointer to a
// struct, by its fields' json tags, as MLflow's server reads a GET: a
// repeated ([]string) field takes every value of its name, any other
// field the first; Int64 and Float fields parse as in JSON, bools are
// true or false in any case, Enum fields a name or a number. Embedded
// structs are read the same way. Fields of other types, and names dst has
// no field for, are ignored.
func DecodeQuery(q url.Values, dst any) error {
	return decodeQuery(q, reflect.ValueOf(dst).Elem())
}

func decodeQuery(q url.Values, v reflect.Value) error {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			if err := decodeQuery(q, v.Field(i)); err != nil {
				return err
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		vals, ok := q[name]
		if name == "" || name == "-" || !ok || len(vals) == 0 {
			continue
		}
		fv := v.Field(i)
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		var set reflect.Value
		switch {
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.String:
			set = reflect.ValueOf(append([]string(nil), vals...)).Convert(ft)
		case ft == int64Type:
			var n Int64
			if err := n.UnmarshalJSON([]byte(strconv.Quote(vals[0]))); err != nil {
				return Errorf(InvalidParameterValue, "Invalid value for parameter '%s' supplied: %v", name, err)
			}
			set = reflect.ValueOf(n)
		case ft == floatType:
			var x Float
			if err := x.UnmarshalJSON([]byte(strconv.Quote(vals[0]))); err != nil {
				return Errorf(InvalidParameterValue, "Invalid value for parameter '%s' supplied: %v", name, err)
			}
			set = reflect.ValueOf(x)
		case ft == enumType:
			var e Enum
			e.parse(vals[0])
			set = reflect.ValueOf(e)
		case ft.Kind() == reflect.String:
			set = reflect.ValueOf(vals[0]).Convert(ft)
		case ft.Kind() == reflect.Bool:
			switch strings.ToLower(vals[0]) {
			case "true":
				set = reflect.ValueOf(true)
			case "false":
				set = reflect.ValueOf(false)
			default:
				return Errorf(InvalidParameterValue, "Invalid boolean value: %s, must be 'true' or 'false'.", perr.Quote(vals[0]))
			}
		default:
			continue
		}
		if f.Type.Kind() == reflect.Pointer {
			p := reflect.New(ft)
			p.Elem().Set(set)
			fv.Set(p)
		} else {
			fv.Set(set)
		}
	}
	return nil
}

// Required returns an INVALID_PARAMETER_VALUE error for the first name
// whose value is empty, in MLflow's words, or nil.
func Required(fields ...string) error {
	for i := 0; i+1 < len(fields); i += 2 {
		if fields[i+1] == "" {
			return Errorf(InvalidParameterValue, "Missing value for required parameter '%s'. See the API docs for more information about request parameters.", fields[i])
		}
	}
	return nil
}
