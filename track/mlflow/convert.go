package mlflow

import (
	"slices"
	"strings"
	"time"

	"github.com/cairn-ml/cairn/internal/mlflowapi"
	"github.com/cairn-ml/cairn/track"
)

// The JSON shapes of MLflow's messages (service.proto), as MLflow's
// server writes them: field names as in the proto, int64 as numbers,
// enums by name, unset fields left out.

type tagJSON = mlflowapi.Tag

type experimentJSON struct {
	ExperimentID     string    `json:"experiment_id"`
	Name             string    `json:"name"`
	ArtifactLocation string    `json:"artifact_location"`
	LifecycleStage   string    `json:"lifecycle_stage"`
	LastUpdateTime   int64     `json:"last_update_time"`
	CreationTime     int64     `json:"creation_time"`
	Tags             []tagJSON `json:"tags,omitempty"`
}

type runJSON struct {
	Info   runInfoJSON   `json:"info"`
	Data   runDataJSON   `json:"data"`
	Inputs runInputsJSON `json:"inputs"`
}

type runInfoJSON struct {
	RunID          string `json:"run_id"`
	RunUUID        string `json:"run_uuid"`
	RunName        string `json:"run_name"`
	ExperimentID   string `json:"experiment_id"`
	UserID         string `json:"user_id"`
	Status         string `json:"status"`
	StartTime      int64  `json:"start_time"`
	EndTime        *int64 `json:"end_time,omitempty"`
	ArtifactURI    string `json:"artifact_uri"`
	LifecycleStage string `json:"lifecycle_stage"`
}

type metricJSON struct {
	Key       string          `json:"key"`
	Value     mlflowapi.Float `json:"value"`
	Timestamp int64           `json:"timestamp"`
	Step      int64           `json:"step"`
}

type runDataJSON struct {
	Metrics []metricJSON `json:"metrics,omitempty"`
	Params  []tagJSON    `json:"params,omitempty"`
	Tags    []tagJSON    `json:"tags,omitempty"`
}

type runInputsJSON struct {
	DatasetInputs []datasetInputJSON `json:"dataset_inputs,omitempty"`
}

type datasetInputJSON struct {
	Tags    []tagJSON   `json:"tags,omitempty"`
	Dataset datasetJSON `json:"dataset"`
}

type datasetJSON struct {
	Name       string `json:"name"`
	Digest     string `json:"digest"`
	SourceType string `json:"source_type"`
	Source     string `json:"source"`
	Schema     string `json:"schema,omitempty"`
	Profile    string `json:"profile,omitempty"`
}

type fileInfoJSON struct {
	Path     string `json:"path"`
	IsDir    bool   `json:"is_dir"`
	FileSize *int64 `json:"file_size,omitempty"`
}

// MLflow's tag names the handler reads and writes.
const (
	tagUser        = "mlflow.user"
	tagRunName     = "mlflow.runName"
	tagModelLog    = "mlflow.log-model.history"
	tagDataContext = "mlflow.data.context"
)

// Default is the name of the experiment MLflow's id "0" stands for.
const Default = "Default"

func ms(t time.Time) int64 { return t.UnixMilli() }

func lifecycle(deleted bool) string {
	if deleted {
		return "deleted"
	}
	return "active"
}

// experimentLocation is where MLflow's clients put an experiment's
// artifacts: this server, through the mlflow-artifacts routes.
func experimentLocation(id string) string { return "mlflow-artifacts:/" + id }

func runArtifactURI(expID, runID string) string {
	return experimentLocation(expID) + "/" + runID + "/artifacts"
}

func experimentOut(e *track.Experiment) experimentJSON {
	return experimentJSON{
		ExperimentID: e.ID, Name: e.Name, ArtifactLocation: experimentLocation(e.ID),
		LifecycleStage: lifecycle(e.Deleted), LastUpdateTime: ms(e.Updated), CreationTime: ms(e.Created),
		Tags: mlflowapi.TagList(e.Tags),
	}
}

func runInfoOut(rec track.RunRecord) runInfoJSON {
	info := runInfoJSON{
		RunID: rec.ID, RunUUID: rec.ID, RunName: rec.Name, ExperimentID: rec.ExperimentID,
		UserID: rec.Tags[tagUser], Status: rec.Status.String(), StartTime: ms(rec.Start),
		ArtifactURI: runArtifactURI(rec.ExperimentID, rec.ID), LifecycleStage: lifecycle(rec.Deleted),
	}
	if !rec.End.IsZero() {
		end := ms(rec.End)
		info.EndTime = &end
	}
	return info
}

func runOut(rec track.RunRecord) runJSON {
	out := runJSON{Info: runInfoOut(rec)}
	if len(rec.Metrics) > 0 {
		out.Data.Metrics = make([]metricJSON, 0, len(rec.Metrics))
		for _, m := range rec.Metrics {
			out.Data.Metrics = append(out.Data.Metrics, metricOut(m))
		}
		slices.SortFunc(out.Data.Metrics, func(a, b metricJSON) int { return strings.Compare(a.Key, b.Key) })
	}
	out.Data.Params = mlflowapi.TagList(rec.Params)
	out.Data.Tags = mlflowapi.TagList(rec.Tags)
	for _, in := range rec.Inputs {
		out.Inputs.DatasetInputs = append(out.Inputs.DatasetInputs, inputOut(in))
	}
	return out
}

func metricOut(m track.Metric) metricJSON {
	return metricJSON{Key: m.Key, Value: mlflowapi.Float(m.Value), Timestamp: ms(m.Time), Step: m.Step}
}

// inputOut writes a track input as MLflow's DatasetInput: the digest is
// Digest, or Version for an input logged without one (MLflow's digests,
// which are not sha256 digests, are kept there); the context is the tag
// mlflow.data.context.
func inputOut(in track.Input) datasetInputJSON {
	d := datasetInputJSON{Dataset: datasetJSON{
		Name: in.Name, Digest: in.Digest, SourceType: in.SourceType, Source: in.Source,
		Schema: in.Schema, Profile: in.Profile,
	}}
	if d.Dataset.Digest == "" {
		d.Dataset.Digest = in.Version
	}
	if in.Context != "" {
		d.Tags = []tagJSON{{Key: tagDataContext, Value: in.Context}}
	}
	return d
}
