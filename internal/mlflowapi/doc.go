// Package mlflowapi holds what cairn's two MLflow REST handlers
// (track/mlflow and registry/mlflow) share: the Router (routes, the
// optional bearer-token check, request decoding, errors answered and
// logged), MLflow's error body and the HTTP status of each error code,
// request decoding as MLflow's server does it (a bounded JSON body, or
// the query string of a GET), offset page tokens in MLflow's format,
// max_results checks, and the entity searches (Search: the columns of
// MLflow's experiment, registered-model and model-version searches over
// the shared filter grammar of internal/filter, their order_by and page
// sizes).
//
// Decoding follows MLflow's server (mlflow/server/handlers.py,
// _get_request_message): a POST, PATCH or DELETE carries a JSON object
// (an empty body is {}, a JSON string holding an object is decoded again,
// as older clients send it); a GET carries its fields in the query
// string, a repeated field as the same name given several times, a bool
// as true or false. Unknown fields are ignored, as protobuf's JSON parser
// is told to. int64 fields take a number or a decimal string, doubles a
// number or "NaN", "Infinity", "-Infinity", enums a name or a number, as
// protobuf's JSON mapping has them.
package mlflowapi
