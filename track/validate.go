package track

import (
	"fmt"

	"github.com/cairn-ml/cairn/internal/perr"
)

// Limits on what is stored, in bytes (MLflow's, where it has one).
const (
	MaxNameLen       = 250  // keys of params, tags and metrics; run names
	MaxExperimentLen = 500  // experiment names
	MaxParamLen      = 6000 // param values
	MaxTagLen        = 8000 // tag values
	maxInputField    = 1000 // fields of an Input

	// MaxInputSchemaLen and MaxInputProfileLen bound Input.Schema and
	// Input.Profile (MLflow's limits).
	MaxInputSchemaLen  = 1 << 20
	MaxInputProfileLen = 16 << 10
)

// checkText reports whether s can be stored: valid UTF-8, no NUL byte, at
// most max bytes, and (if !empty) not empty.
func checkText(what, s string, max int, empty bool) error {
	if why := perr.CheckText(what, s, max, empty); why != "" {
		return fmt.Errorf("%w: %s", ErrInvalid, why)
	}
	return nil
}

func checkKey(what, key string) error { return checkText(what+" key", key, MaxNameLen, false) }

func checkParam(key, value string) error {
	if err := checkKey("param", key); err != nil {
		return err
	}
	return checkText(fmt.Sprintf("value of param %q", key), value, MaxParamLen, true)
}

func checkTag(key, value string) error {
	if err := checkKey("tag", key); err != nil {
		return err
	}
	return checkText(fmt.Sprintf("value of tag %q", key), value, MaxTagLen, true)
}

func (in Input) check() error {
	if err := checkText("input name", in.Name, maxInputField, false); err != nil {
		return err
	}
	for _, f := range []struct{ what, v string }{
		{"input version", in.Version}, {"input source", in.Source}, {"input context", in.Context},
		{"input source type", in.SourceType},
	} {
		if err := checkText(f.what, f.v, maxInputField, true); err != nil {
			return err
		}
	}
	if err := checkText("input schema", in.Schema, MaxInputSchemaLen, true); err != nil {
		return err
	}
	if err := checkText("input profile", in.Profile, MaxInputProfileLen, true); err != nil {
		return err
	}
	if in.Digest != "" {
		if _, err := parseDigest(in.Digest); err != nil {
			return err
		}
	}
	return nil
}
