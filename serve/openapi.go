package serve

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
)

type obj = map[string]any

// openAPI serves an OpenAPI 3.0 document of every route, built from the
// route table (so it cannot leave one out) and the models served now.
func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) int {
	return s.writeValue(w, 200, nil, s.openAPIDoc())
}

var pathParam = regexp.MustCompile(`\{(\w+)\}`)

// docPath turns a ServeMux pattern into an OpenAPI path and method.
func docPath(pattern string) (method, path string) {
	method, path, _ = strings.Cut(pattern, " ")
	switch {
	case strings.HasSuffix(path, "/versions/{spec}"):
		path = strings.TrimSuffix(path, "{spec}") + "{version}:predict"
	case strings.HasSuffix(path, "/{spec}"):
		path = strings.TrimSuffix(path, "{spec}") + "{name}:predict"
	}
	return strings.ToLower(method), path
}

func (s *Server) openAPIDoc() obj {
	names := []any{}
	var dv *version
	for _, st := range s.Status() {
		names = append(names, st.Name)
	}
	if _, v, e := s.lookup(nil, s.defaultModel(), ""); e == nil {
		dv = v
	}
	errResp := obj{"description": "Error", "content": obj{"application/json": obj{"schema": ref("ErrorResponse")}}}
	paths := obj{}
	for id := range numRoutes {
		rt := routes[id]
		if id == rFallback {
			continue
		}
		method, path := docPath(rt.pattern)
		op := obj{"tags": []string{rt.group}, "summary": rt.summary, "operationId": opID(method, path)}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
			p := obj{"name": m[1], "in": "path", "required": true, "schema": obj{"type": "string"}}
			if m[1] == "name" && len(names) > 0 {
				p["schema"] = obj{"type": "string", "enum": names}
			}
			if m[1] == "version" {
				p["description"] = "a version number, 3 or v3"
			}
			params = append(params, p)
		}
		if params != nil {
			op["parameters"] = params
		}
		ok := obj{"description": "OK"}
		switch rt.reply {
		case "text":
			ok["content"] = obj{"text/plain": obj{"schema": obj{"type": "string"}}}
		case "object":
			ok["content"] = obj{"application/json": obj{"schema": obj{"type": "object"}}}
		default:
			ok["content"] = obj{"application/json": obj{"schema": ref(rt.reply)}}
			ok["headers"] = obj{
				"Model-Name":    obj{"description": "The model that answered.", "schema": obj{"type": "string"}},
				"Model-Version": obj{"description": "The version that answered.", "schema": obj{"type": "string"}},
			}
		}
		responses := obj{"200": ok}
		if rt.body != "" {
			content := obj{"application/json": obj{"schema": ref(rt.body)}}
			if id == rInvocations {
				content["text/csv"] = obj{"schema": obj{"type": "string"},
					"example": "mean radius,mean texture,...\n17.99,10.38,...\n"}
				responses["415"] = errResp
			}
			op["requestBody"] = obj{"required": true, "content": content}
			for _, code := range []string{"400", "413", "422", "500"} {
				responses[code] = errResp
			}
		}
		if params != nil || rt.body != "" {
			responses["404"] = errResp
			responses["503"] = errResp
		}
		if id == rReady || id == rModelReady || id == rModelReadyVersion || id == rStatusV1 || id == rStatusV1Version || id == rPing || id == rHealth {
			responses["503"] = obj{"description": "Not ready"}
		}
		op["responses"] = responses
		item, _ := paths[path].(obj)
		if item == nil {
			item = obj{}
			paths[path] = item
		}
		item[method] = op
	}
	return obj{
		"openapi": "3.0.3",
		"info": obj{"title": "cairn serve", "version": buildVersion(),
			"description": "Inference for classifiers: the Open Inference Protocol (v2), a JSON predict route (v1), " +
				"the MLflow scoring server's routes, Prometheus metrics. Every answer names the model version " +
				"(Model-Name and Model-Version headers, model_version in the body)."},
		"paths":      paths,
		"components": obj{"schemas": schemas(dv, s.opts.MaxBatch)},
	}
}

func ref(name string) obj { return obj{"$ref": "#/components/schemas/" + name} }

func opID(method, path string) string {
	var b strings.Builder
	b.WriteString(method)
	up := true
	for _, c := range path {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			if up && c >= 'a' && c <= 'z' {
				c -= 'a' - 'A'
			}
			b.WriteRune(c)
			up = false
		} else {
			up = true
		}
	}
	return b.String()
}

func schemas(v *version, maxBatch int) obj {
	num := obj{"type": "number"}
	row := obj{"type": "array", "items": num, "description": "the features in the model's order"}
	record := obj{"type": "object", "additionalProperties": num, "description": "features by name"}
	datatypes := numericTypes[:]
	if v != nil {
		props := obj{}
		req := make([]any, len(v.features))
		kinds := v.inputSchemas()
		for i, f := range v.features {
			props[f] = kinds[i]
			req[i] = f
		}
		record = obj{"type": "object", "properties": props, "required": req, "additionalProperties": false,
			"description": "features by name (of the default model)"}
		row["minItems"], row["maxItems"] = len(v.features), len(v.features)
		if v.typed != nil {
			row["items"] = obj{"nullable": true, "oneOf": []any{num, obj{"type": "string"}}}
			row["description"] = "the inputs in the model's order: numbers, strings for text inputs, null for a missing value"
			datatypes = append(slices.Clone(datatypes), "BYTES")
		}
	}
	instances := obj{"oneOf": []any{
		obj{"type": "array", "items": ref("Row"), "minItems": 1, "maxItems": maxBatch},
		obj{"type": "array", "items": ref("Record"), "minItems": 1, "maxItems": maxBatch},
		obj{"type": "object", "additionalProperties": obj{"type": "array", "items": num}, "description": "columns: a list of values per feature"},
	}}
	str := obj{"type": "string"}
	strs := obj{"type": "array", "items": str}
	tensorSchema := obj{"type": "object", "properties": obj{"name": str, "datatype": str, "shape": obj{"type": "array", "items": obj{"type": "integer"}}}}
	return obj{
		"Row":       row,
		"Record":    record,
		"Instances": instances,
		"PredictRequest": obj{"type": "object", "properties": obj{"instances": ref("Instances"), "inputs": ref("Instances")},
			"description": "give instances (or inputs)"},
		"PredictResponse": obj{"type": "object", "properties": obj{
			"model_name": str, "model_version": str, "predictions": strs, "labels": obj{"type": "array", "items": obj{"type": "integer"}},
			"classes": strs, "probabilities": obj{"type": "array", "items": obj{"type": "array", "items": num}},
		}},
		"InferRequest": obj{"type": "object", "required": []any{"inputs"}, "properties": obj{
			"id": str, "parameters": obj{"type": "object"},
			"inputs": obj{"type": "array", "minItems": 1, "items": obj{"type": "object", "required": []any{"name", "shape", "datatype", "data"},
				"properties": obj{"name": str, "shape": obj{"type": "array", "items": obj{"type": "integer"}},
					"datatype": obj{"type": "string", "enum": datatypes}, "parameters": obj{"type": "object"},
					"data": obj{"type": "array", "description": "row-major values, flat or nested"}}}},
			"outputs": obj{"type": "array", "items": obj{"type": "object", "properties": obj{"name": obj{"type": "string", "enum": []any{"probabilities", "label"}}}}},
		}, "description": "one tensor of shape [n, features], or one tensor per feature (named by it) of shape [n]"},
		"InferResponse": obj{"type": "object", "properties": obj{"model_name": str, "model_version": str, "id": str,
			"outputs": obj{"type": "array", "items": obj{"type": "object", "properties": obj{
				"name": str, "shape": obj{"type": "array", "items": obj{"type": "integer"}}, "datatype": str, "data": obj{"type": "array"}}}}}},
		"InvocationsRequest": obj{"type": "object", "description": "one of these keys, as the MLflow scoring server takes them",
			"properties": obj{
				"dataframe_split":   obj{"type": "object", "properties": obj{"columns": strs, "data": obj{"type": "array", "items": ref("Row")}, "index": obj{"type": "array"}}},
				"dataframe_records": obj{"type": "array", "items": ref("Record")},
				"instances":         ref("Instances"),
				"inputs":            ref("Instances"),
				"params":            obj{"type": "object"},
			}},
		"InvocationsResponse": obj{"type": "object", "properties": obj{
			"predictions": obj{"type": "array", "items": obj{"type": "integer"}, "description": "the predicted class index of each row"}, "model_version": str}},
		"FieldError": obj{"type": "object", "properties": obj{"loc": obj{"type": "array", "items": obj{"oneOf": []any{str, obj{"type": "integer"}}}},
			"msg": str, "type": str, "ctx": obj{"type": "object"}}},
		"ErrorResponse": obj{"type": "object", "properties": obj{"error": str, "detail": obj{"type": "array", "items": ref("FieldError")},
			"error_code": str, "message": str, "model_name": str, "model_version": str}},
		"Live":           obj{"type": "object", "properties": obj{"live": obj{"type": "boolean"}}},
		"Ready":          obj{"type": "object", "properties": obj{"ready": obj{"type": "boolean"}, "models": obj{"type": "array", "items": obj{"type": "object"}}}},
		"ServerMetadata": obj{"type": "object", "properties": obj{"name": str, "version": str, "extensions": strs}},
		"ModelMetadata": obj{"type": "object", "properties": obj{"name": str, "version": str, "versions": strs, "platform": str,
			"inputs": obj{"type": "array", "items": tensorSchema}, "outputs": obj{"type": "array", "items": tensorSchema}, "features": strs, "classes": strs}},
		"ModelReady": obj{"type": "object", "properties": obj{"name": str, "version": str, "ready": obj{"type": "boolean"}}},
		"ModelStatusV1": obj{"type": "object", "properties": obj{"name": str, "version": str, "ready": obj{"type": "boolean"}},
			"description": "KServe's v1 model status: name and ready (version is cairn's addition)"},
		"Ping": obj{"type": "object", "properties": obj{"status": str, "model_name": str, "model_version": str}},
	}
}
