package serve

// The types in this file describe the JSON the server writes, for Go
// clients and tests that read it with encoding/json. The server itself
// writes these documents by hand (see # Performance in the package doc);
// the field tags are the wire names.

// PredictResponse is the body of a successful POST
// /v1/models/{name}:predict.
type PredictResponse struct {
	ModelName    string `json:"model_name"`
	ModelVersion string `json:"model_version"`
	// Predictions holds the most probable class name of every instance,
	// Labels its index into Classes (the lowest index on ties).
	Predictions   []string    `json:"predictions"`
	Labels        []int       `json:"labels"`
	Classes       []string    `json:"classes"`
	Probabilities [][]float64 `json:"probabilities"` // one row per instance, one column per class
}

// InferResponse is the body of a successful Open Inference Protocol
// infer request.
type InferResponse struct {
	ModelName    string         `json:"model_name"`
	ModelVersion string         `json:"model_version"`
	ID           string         `json:"id,omitempty"`
	Outputs      []OutputTensor `json:"outputs"`
}

// OutputTensor is one output of an infer response: "probabilities"
// (FP64, shape [n, classes], row-major) or "label" (BYTES, shape [n],
// the class names).
type OutputTensor struct {
	Name     string `json:"name"`
	Shape    []int  `json:"shape"`
	Datatype string `json:"datatype"`
	Data     []any  `json:"data"`
}

// InvocationsResponse is the body of a successful POST /invocations, the
// MLflow scoring server's shape: the predicted class index of every row.
// ModelVersion is an extra field that MLflow clients ignore.
type InvocationsResponse struct {
	Predictions  []int  `json:"predictions"`
	ModelVersion string `json:"model_version"`
}

// ModelMetadata is the body of GET /v2/models/{name} (and its versioned
// form), the Open Inference Protocol's model metadata with the features
// and classes added.
type ModelMetadata struct {
	Name     string         `json:"name"`
	Version  string         `json:"version"` // the version described
	Versions []string       `json:"versions"`
	Platform string         `json:"platform"`
	Inputs   []TensorSchema `json:"inputs"`
	Outputs  []TensorSchema `json:"outputs"`
	Features []string       `json:"features"`
	Classes  []string       `json:"classes"`
}

// TensorSchema describes an input or output tensor in ModelMetadata; -1
// in Shape is a dimension of any size.
type TensorSchema struct {
	Name     string `json:"name"`
	Datatype string `json:"datatype"`
	Shape    []int  `json:"shape"`
}

// ErrorResponse is the body of every error response. Detail has
// FastAPI's shape (each entry says where in the request and what was
// wrong); Error is the one-line message the Open Inference Protocol
// specifies; ErrorCode and Message are set on /invocations, as the MLflow
// scoring server writes them. ModelName and ModelVersion are set once the
// request got as far as a model version. With Options.Redact, Error and
// Detail keep only generic text.
type ErrorResponse struct {
	Error        string       `json:"error"`
	Detail       []FieldError `json:"detail"`
	ErrorCode    string       `json:"error_code,omitempty"`
	Message      string       `json:"message,omitempty"`
	ModelName    string       `json:"model_name,omitempty"`
	ModelVersion string       `json:"model_version,omitempty"`
}

// FieldError is one entry of ErrorResponse.Detail, as FastAPI (pydantic
// 1) writes it: Loc is the path to the offending part of the request
// ("body", then keys and indexes, for example ["body", "instances", 0,
// "mean radius"]), Msg says what is wrong and Type classifies it
// ("value_error.missing", "type_error.float", "value_error.jsondecode",
// ...; the package doc lists them). Ctx holds the limit for the
// list-length types.
type FieldError struct {
	Loc  []any          `json:"loc"`
	Msg  string         `json:"msg"`
	Type string         `json:"type"`
	Ctx  map[string]any `json:"ctx,omitempty"`
}

// ReadyResponse is the body of GET /v2/health/ready: ready when every
// model serves a version, with each model's Status.
type ReadyResponse struct {
	Ready  bool     `json:"ready"`
	Models []Status `json:"models"`
}
