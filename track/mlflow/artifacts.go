package mlflow

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/cairn-ml/cairn/internal/mlflowapi"
	"github.com/cairn-ml/cairn/internal/perr"
	"github.com/cairn-ml/cairn/track"
)

// artifactDir checks a directory path of a listing (MLflow's
// validate_path_is_safe) and returns it without slashes at either end.
func artifactDir(p string) (string, error) {
	d := strings.Trim(p, "/")
	if strings.HasPrefix(p, "/") || strings.Contains(p, `\`) || strings.IndexByte(p, 0) >= 0 || slices.Contains(strings.Split(d, "/"), "..") {
		return "", mlflowapi.Errorf(mlflowapi.InvalidParameterValue, "Invalid path %s: it must be relative and stay inside the run's artifacts.", perr.Quote(p))
	}
	return d, nil
}

// children lists what lies directly in dir among a run's artifacts:
// files with their size, and directories. full writes each path relative
// to the run (the tracking API), else as its base name (mlflow-artifacts).
func children(arts []track.Artifact, dir string, full bool) []fileInfoJSON {
	prefix := ""
	if dir != "" {
		prefix = dir + "/"
	}
	var out []fileInfoJSON
	for _, a := range arts {
		rest, ok := strings.CutPrefix(a.Path, prefix)
		if !ok || rest == "" {
			continue
		}
		name, _, isDir := strings.Cut(rest, "/")
		p := name
		if full {
			p = prefix + name
		}
		if isDir {
			if n := len(out); n > 0 && out[n-1].Path == p && out[n-1].IsDir {
				continue
			}
			out = append(out, fileInfoJSON{Path: p, IsDir: true})
			continue
		}
		size := a.Size
		out = append(out, fileInfoJSON{Path: p, FileSize: &size})
	}
	return out
}

func (h *Handler) listArtifacts(w http.ResponseWriter, r *http.Request) {
	var req struct {
		runIDReq
		Path      *string `json:"path"`
		PageToken string  `json:"page_token"`
	}
	if !h.rt.Read(w, r, &req) {
		return
	}
	dir := ""
	if req.Path != nil {
		var err error
		if dir, err = artifactDir(*req.Path); !h.rt.Check(w, r, err) {
			return
		}
	}
	run, err := h.target(r, req.runIDReq)
	if !h.rt.Check(w, r, err) {
		return
	}
	arts, err := h.st.Artifacts(r.Context(), run.ID())
	if !h.rt.Check(w, r, err) {
		return
	}
	mlflowapi.WriteJSON(w, struct {
		RootURI string         `json:"root_uri"`
		Files   []fileInfoJSON `json:"files,omitempty"`
	}{runArtifactURI(run.ExperimentID(), run.ID()), children(arts, dir, true)})
}

// proxied splits a path of the mlflow-artifacts routes,
// "<experiment id>/<run id>/artifacts/<path in the run>", and returns the
// run and the path in it (which may be ""). The run must be in that
// experiment.
func (h *Handler) proxied(r *http.Request, p string) (*track.Run, string, error) {
	parts := strings.SplitN(p, "/", 4)
	if len(parts) < 3 || parts[2] != "artifacts" {
		return nil, "", mlflowapi.Errorf(mlflowapi.ResourceDoesNotExist,
			"Artifact path %s: this server keeps run artifacts only, at <experiment id>/<run id>/artifacts/<path>.", perr.Quote(p))
	}
	run, err := h.run(r.Context(), parts[1])
	if err != nil {
		return nil, "", err
	}
	if run.ExperimentID() != parts[0] {
		return nil, "", mlflowapi.Errorf(mlflowapi.ResourceDoesNotExist, "Run %s is not in experiment %s.", run.ID(), perr.Quote(parts[0]))
	}
	rel := ""
	if len(parts) == 4 {
		rel = parts[3]
	}
	return run, rel, nil
}

// listProxied answers GET /mlflow-artifacts/artifacts?path=...: the
// entries directly under path, by base name. A path above a run's
// artifacts, or of a run that does not exist, lists nothing, as a folder
// that does not exist lists nothing in MLflow's artifact stores.
func (h *Handler) listProxied(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Path string `json:"path"`
	}
	if !h.rt.Read(w, r, &req) {
		return
	}
	p, err := artifactDir(req.Path)
	if !h.rt.Check(w, r, err) {
		return
	}
	var files []fileInfoJSON
	if run, dir, err := h.proxied(r, p); err == nil {
		arts, err := h.st.Artifacts(r.Context(), run.ID())
		if !h.rt.Check(w, r, err) {
			return
		}
		files = children(arts, dir, false)
	}
	mlflowapi.WriteJSON(w, struct {
		Files []fileInfoJSON `json:"files,omitempty"`
	}{files})
}

func (h *Handler) download(w http.ResponseWriter, r *http.Request, p string) {
	run, rel, err := h.proxied(r, p)
	if !h.rt.Check(w, r, err) {
		return
	}
	if rel == "" {
		h.rt.Check(w, r, mlflowapi.Errorf(mlflowapi.InvalidParameterValue, "Artifact path %s names the run's artifact folder, not a file.", perr.Quote(p)))
		return
	}
	rc, a, err := h.st.OpenArtifact(r.Context(), run.ID(), rel)
	if !h.rt.Check(w, r, err) {
		return
	}
	defer rc.Close()
	ct := mime.TypeByExtension(path.Ext(rel))
	if ct == "" {
		ct = "application/octet-stream"
	}
	hd := w.Header()
	hd.Set("Content-Type", ct)
	hd.Set("Content-Length", strconv.FormatInt(a.Size, 10))
	hd.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": path.Base(rel)}))
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("ETag", `"`+a.Digest+`"`)
	io.Copy(w, rc)
}

func (h *Handler) upload(w http.ResponseWriter, r *http.Request, p string) {
	run, rel, err := h.proxied(r, p)
	if !h.rt.Check(w, r, err) {
		return
	}
	body := http.MaxBytesReader(w, r.Body, h.opts.MaxArtifactBytes)
	_, err = run.LogArtifact(r.Context(), rel, body)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		err = mlflowapi.Errorf(mlflowapi.InvalidParameterValue, "Artifact %s is larger than this server takes (%d bytes).", perr.Quote(rel), h.opts.MaxArtifactBytes)
	}
	if h.rt.Check(w, r, err) {
		mlflowapi.WriteJSON(w, empty)
	}
}

func (h *Handler) deleteArtifact(w http.ResponseWriter, r *http.Request, p string) {
	h.rt.Check(w, r, mlflowapi.Errorf(mlflowapi.NotImplemented,
		"Deleting an artifact is not supported: a run's artifacts are kept content-addressed until the run is deleted and collected (track's GC)."))
}

// multipart answers MLflow's multipart-upload routes as MLflow does for
// an artifact store without them, so that clients fall back to one PUT.
func (h *Handler) multipart(w http.ResponseWriter, r *http.Request, p string) {
	h.rt.Check(w, r, mlflowapi.Errorf(mlflowapi.NotImplemented, "Multipart upload is not supported for the current artifact repository"))
}
