package serve_test

import (
	"context"
	"log"

	"github.com/cairn-ml/cairn/dataset"
	"github.com/cairn-ml/cairn/linear"
	"github.com/cairn-ml/cairn/serve"
)

// Serve a model fitted on a raw table (text columns, missing values):
// clients send records as they have them, and the model imputes, scales
// and encodes them itself. A misspelled column is a 422 that names it.
func ExampleServer_Set_rawInputs() {
	tab := dataset.Penguins()
	inputs := make([]linear.Input, len(tab.Columns))
	for j, c := range tab.Columns {
		inputs[j] = linear.Input{Name: c.Name}
		if c.Type == dataset.Text {
			inputs[j].Kind, inputs[j].Levels = linear.Categorical, c.Levels
		}
	}
	m, err := linear.Fit(context.Background(), tab.X, tab.Y, linear.Config{Classes: tab.Classes, Inputs: inputs})
	if err != nil {
		log.Fatal(err)
	}
	srv, err := serve.New(serve.Options{DefaultModel: "penguins"})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	if err := srv.Set("penguins", 1, m); err != nil {
		log.Fatal(err)
	}
	predict(srv, "penguins", `[{"island": "Biscoe", "bill_length_mm": 47.5, "bill_depth_mm": 14.2, "flipper_length_mm": 210,
		"body_mass_g": 4600, "sex": null, "year": 2009}]`)
	post(srv, "/invocations", `{"dataframe_split": {"columns": ["island", "bill_length_mm", "bill_depth_mm",
		"flipper_length_mm", "body_mass_g", "sex", "year"], "data": [["Dream", 46.5, 17.9, 192, 3500, "female", 2008]]}}`)
	post(srv, "/v1/models/penguins:predict", `{"instances": [{"isle": "Dream", "bill_length_mm": 46.5, "bill_depth_mm": 17.9,
		"flipper_length_mm": 192, "body_mass_g": 3500, "sex": "female", "year": 2008}]}`)
	// Output:
	// 200 version 1: [Gentoo] [[0.001 0.003 0.996]]
	// 200 1 {"predictions":[1],"model_version":"1"}
	// 422 1 {"error":"validation failed: extra fields not permitted (and 1 more)","detail":[{"loc":["body","instances",0,"isle"],"msg":"extra fields not permitted","type":"value_error.extra"},{"loc":["body","instances",0,"island"],"msg":"field required","type":"value_error.missing"}],"model_name":"penguins","model_version":"1"}
}
