package mlflow

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/cairn-ml/cairn/internal/mlflowapi"
	"github.com/cairn-ml/cairn/internal/perr"
	"github.com/cairn-ml/cairn/registry"
)

// The JSON shapes of MLflow's registry messages (model_registry.proto),
// as MLflow's server writes them.

type tagJSON = mlflowapi.Tag

type aliasJSON struct {
	Alias   string `json:"alias"`
	Version string `json:"version"`
}

type modelJSON struct {
	Name                 string        `json:"name"`
	CreationTimestamp    int64         `json:"creation_timestamp"`
	LastUpdatedTimestamp int64         `json:"last_updated_timestamp"`
	UserID               string        `json:"user_id,omitempty"`
	Description          string        `json:"description,omitempty"`
	LatestVersions       []versionJSON `json:"latest_versions,omitempty"`
	Tags                 []tagJSON     `json:"tags,omitempty"`
	Aliases              []aliasJSON   `json:"aliases,omitempty"`
}

type versionJSON struct {
	Name                 string    `json:"name"`
	Version              string    `json:"version"`
	CreationTimestamp    int64     `json:"creation_timestamp"`
	LastUpdatedTimestamp int64     `json:"last_updated_timestamp"`
	UserID               string    `json:"user_id,omitempty"`
	CurrentStage         string    `json:"current_stage"`
	Description          string    `json:"description,omitempty"`
	Source               string    `json:"source"`
	RunID                string    `json:"run_id,omitempty"`
	Status               string    `json:"status"`
	Tags                 []tagJSON `json:"tags,omitempty"`
	RunLink              string    `json:"run_link,omitempty"`
	Aliases              []string  `json:"aliases,omitempty"`
}

type modelResp struct {
	Model modelJSON `json:"registered_model"`
}

type versionResp struct {
	Version versionJSON `json:"model_version"`
}

// MLflow's stages, in the order get-latest-versions answers them.
var stages = []string{"None", "Staging", "Production", "Archived"}

// Stage aliases: a version is in the stage Production or Staging when the
// alias of that name (lower case) points at it.
const (
	aliasProduction = "production"
	aliasStaging    = "staging"
)

// stage returns a version's MLflow stage.
func stage(v registry.Version) string {
	switch {
	case v.Archived:
		return "Archived"
	case slices.Contains(v.Aliases, aliasProduction):
		return "Production"
	case slices.Contains(v.Aliases, aliasStaging):
		return "Staging"
	}
	return "None"
}

// canonicalStage returns MLflow's spelling of a stage given in any case,
// or an INVALID_PARAMETER_VALUE error.
func canonicalStage(s string) (string, error) {
	for _, st := range stages {
		if strings.EqualFold(s, st) {
			return st, nil
		}
	}
	return "", mlflowapi.Errorf(mlflowapi.InvalidParameterValue,
		"Invalid Model Version stage: %s. Value must be one of None, Staging, Production, Archived.", perr.Quote(s))
}

// source returns a version's source: the one it was registered with, or
// its models:/ URI for a version registered by cairn itself.
func source(v registry.Version) string {
	if v.Source != "" {
		return v.Source
	}
	return v.URI()
}

func versionOut(v registry.Version) versionJSON {
	return versionJSON{
		Name: v.Name, Version: strconv.Itoa(v.Number),
		CreationTimestamp: v.Created.UnixMilli(), LastUpdatedTimestamp: v.Updated.UnixMilli(),
		UserID: v.CreatedBy, CurrentStage: stage(v), Description: v.Description, Source: source(v),
		RunID: v.RunID, Status: "READY", Tags: mlflowapi.TagList(v.Tags), RunLink: v.RunLink, Aliases: v.Aliases,
	}
}

// latest returns the highest-numbered version in each stage that has
// one, in the order of wanted (every stage when wanted is empty).
func latest(versions []registry.Version, wanted []string) []versionJSON {
	if len(wanted) == 0 {
		wanted = stages
	}
	var out []versionJSON
	for _, st := range wanted {
		var best *registry.Version
		for i := range versions {
			if stage(versions[i]) == st && (best == nil || versions[i].Number > best.Number) {
				best = &versions[i]
			}
		}
		if best != nil {
			out = append(out, versionOut(*best))
		}
	}
	return out
}

func modelOut(m registry.Model, versions []registry.Version) modelJSON {
	out := modelJSON{
		Name: m.Name, CreationTimestamp: m.Created.UnixMilli(), LastUpdatedTimestamp: m.Updated.UnixMilli(),
		UserID: m.CreatedBy, Description: m.Description, LatestVersions: latest(versions, nil), Tags: mlflowapi.TagList(m.Tags),
	}
	for _, a := range slices.Sorted(maps.Keys(m.Aliases)) {
		out.Aliases = append(out.Aliases, aliasJSON{a, strconv.Itoa(m.Aliases[a])})
	}
	return out
}
