package mlflowapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
)

// Code is one of MLflow's error codes (databricks.proto, ErrorCode).
type Code string

// The error codes the handlers answer with.
const (
	InternalError          Code = "INTERNAL_ERROR"
	TemporarilyUnavailable Code = "TEMPORARILY_UNAVAILABLE"
	BadRequest             Code = "BAD_REQUEST"
	Cancelled              Code = "CANCELLED"
	InvalidParameterValue  Code = "INVALID_PARAMETER_VALUE"
	EndpointNotFound       Code = "ENDPOINT_NOT_FOUND"
	ResourceAlreadyExists  Code = "RESOURCE_ALREADY_EXISTS"
	ResourceDoesNotExist   Code = "RESOURCE_DOES_NOT_EXIST"
	Unauthenticated        Code = "UNAUTHENTICATED"
	NotImplemented         Code = "NOT_IMPLEMENTED"
	DataLoss               Code = "DATA_LOSS"
)

// statuses is MLflow's ERROR_CODE_TO_HTTP_STATUS (mlflow/exceptions.py)
// for the codes above.
var statuses = map[Code]int{
	InternalError:          http.StatusInternalServerError,
	DataLoss:               http.StatusInternalServerError,
	NotImplemented:         http.StatusNotImplemented,
	TemporarilyUnavailable: http.StatusServiceUnavailable,
	Cancelled:              499,
	EndpointNotFound:       http.StatusNotFound,
	ResourceDoesNotExist:   http.StatusNotFound,
	Unauthenticated:        http.StatusUnauthorized,
	BadRequest:             http.StatusBadRequest,
	ResourceAlreadyExists:  http.StatusBadRequest,
	InvalidParameterValue:  http.StatusBadRequest,
}

// Status returns the HTTP status MLflow answers code with (500 for a code
// it does not know).
func (c Code) Status() int {
	if s, ok := statuses[c]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Error is an MLflow error: its JSON form is the body MLflow's server
// answers with, {"error_code": ..., "message": ...}.
type Error struct {
	Code    Code   `json:"error_code"`
	Message string `json:"message"`
	err     error
}

// Errorf returns an *Error with code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an *Error with code whose message is err's and which
// unwraps to err.
func Wrap(code Code, err error) *Error {
	return &Error{Code: code, Message: err.Error(), err: err}
}

func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

// Unwrap returns the error Wrap was given, or nil.
func (e *Error) Unwrap() error { return e.err }

// Rule maps a package's sentinel error to the MLflow code it answers
// with.
type Rule struct {
	Err  error
	Code Code
}

// Classify returns err as an *Error: itself if it is one, else with the
// code of the first rule whose Err it wraps; a cancelled or expired
// context is CANCELLED, anything else INTERNAL_ERROR.
func Classify(err error, rules []Rule) *Error {
	var me *Error
	if errors.As(err, &me) {
		return me
	}
	for _, r := range rules {
		if errors.Is(err, r.Err) {
			return Wrap(r.Code, err)
		}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return Wrap(Cancelled, err)
	}
	return Wrap(InternalError, err)
}

// WriteError answers with the error body of err (classified by rules)
// and its status.
func WriteError(w http.ResponseWriter, err error, rules []Rule) {
	e := Classify(err, rules)
	if e.Code == Unauthenticated {
		w.Header().Set("WWW-Authenticate", `Bearer realm="mlflow"`)
	}
	writeStatus(w, e.Code.Status(), e)
}

func writeStatus(w http.ResponseWriter, status int, e *Error) {
	b, _ := json.Marshal(e)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// WriteJSON answers 200 with v as JSON, without escaping <, > and & (as
// MLflow's server, which writes with Python's json module).
func WriteJSON(w http.ResponseWriter, v any) {
	buf := bufPool.Get().(*bytes.Buffer)
	defer bufPool.Put(buf)
	buf.Reset()
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		WriteError(w, err, nil)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	w.Write(buf.Bytes())
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}
