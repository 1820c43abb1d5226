package serve_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/cairn-ml/cairn/linear"
	"github.com/cairn-ml/cairn/registry"
	"github.com/cairn-ml/cairn/serve"
)

// waitFor polls cond until it holds, failing the test after 20 s. It
// waits for events (a swap seen by a watcher), it does not time them.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func status(srv *serve.Server, name string) serve.Status {
	for _, st := range srv.Status() {
		if st.Name == name {
			return st
		}
	}
	return serve.Status{}
}

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// predictOnce asks for row i and returns the version that answered and
// the probabilities, checking that the body and the header agree.
func predictOnce(t testing.TB, h interface {
	ServeHTTP(w httpResponseWriter, r *httpRequest)
}, i int) (string, []float64, error) {
	res := do(t, h, "POST", "/v1/models/bc:predict", "", `{"instances":[`+rowJSON(i)+`]}`)
	if res.code != 200 {
		return "", nil, fmt.Errorf("status %d: %s", res.code, res.body)
	}
	var got serve.PredictResponse
	if err := jsonUnmarshal(res.body, &got); err != nil {
		return "", nil, err
	}
	if h := res.header.Get("Model-Version"); h != got.ModelVersion {
		return "", nil, fmt.Errorf("header says version %s, body %s", h, got.ModelVersion)
	}
	return got.ModelVersion, got.Probabilities[0], nil
}

// modelOf returns the fitted model registered as version v.
func modelOf(v string) *linear.Model {
	if v == "2" {
		return fixtures().m2
	}
	return fixtures().m1
}

func TestFollowAlias(t *testing.T) {
	reg := openReg(t, registry.Options{})
	srv, err := serve.New(serve.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if err := srv.Follow(ctx, reg, "bc", "@champion"); err != nil {
		t.Fatal(err)
	}
	check := func(want string) {
		t.Helper()
		v, p, err := predictOnce(t, srv, 11)
		if err != nil {
			t.Fatal(err)
		}
		if v != want {
			t.Fatalf("served version %s, want %s", v, want)
		}
		if diff := cmp.Diff(proba(modelOf(v), 11), p, cmpopts.EquateApprox(0, 1e-12)); diff != "" {
			t.Errorf("version %s probabilities (-want +got):\n%s", v, diff)
		}
	}
	check("1")
	setAlias(t, reg, 2)
	waitFor(t, "the swap to v2", func() bool { return status(srv, "bc").Version == 2 })
	check("2")
	if _, err := reg.Rollback(ctx, "bc", "champion", registry.AliasOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the rollback to v1", func() bool { return status(srv, "bc").Version == 1 })
	check("1")
	st := status(srv, "bc")
	if st.Swaps != 2 || st.FailedSwaps != 0 || st.Source != "@champion" || !st.Ready || st.Origin.Digest == "" {
		t.Errorf("Status = %+v, want 2 swaps from @champion", st)
	}
	if diff := cmp.Diff([]int{1, 2}, st.Loaded); diff != "" {
		t.Errorf("Loaded (-want +got):\n%s", diff)
	}
}

// TestSwapUnderLoad moves the alias back and forth while goroutines send
// requests: every request must succeed, and each answer must be the
// whole answer of the version it names.
func TestSwapUnderLoad(t *testing.T) {
	reg := openReg(t, registry.Options{})
	srv, err := serve.New(serve.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if err := srv.Follow(ctx, reg, "bc", "@champion"); err != nil {
		t.Fatal(err)
	}
	want := map[string][]float64{"1": proba(fixtures().m1, 3), "2": proba(fixtures().m2, 3)}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var requests, failures atomic.Int64
	var seen [3]atomic.Int64
	var firstErr atomic.Value
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				requests.Add(1)
				v, p, err := predictOnce(t, srv, 3)
				if err == nil && !cmp.Equal(want[v], p, cmpopts.EquateApprox(0, 1e-12)) {
					err = fmt.Errorf("version %s answered %v, want %v", v, p, want[v])
				}
				if err != nil {
					failures.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				if v == "1" || v == "2" {
					seen[v[0]-'0'].Add(1)
				}
			}
		}()
	}
	const moves = 20
	for i := range moves {
		target := 2 - i%2 // 2, 1, 2, ...
		setAlias(t, reg, target)
		waitFor(t, fmt.Sprintf("move %d to v%d", i, target), func() bool { return status(srv, "bc").Version == target })
		before := requests.Load()
		waitFor(t, "requests on the new version", func() bool { return requests.Load() > before+5 })
	}
	close(stop)
	wg.Wait()
	if n := failures.Load(); n > 0 {
		t.Fatalf("%d of %d requests failed during %d swaps; first: %v", n, requests.Load(), moves, firstErr.Load())
	}
	if seen[1].Load() == 0 || seen[2].Load() == 0 {
		t.Errorf("answers by version: v1 %d, v2 %d; want both", seen[1].Load(), seen[2].Load())
	}
	if st := status(srv, "bc"); st.Swaps != moves || st.FailedSwaps != 0 {
		t.Errorf("swaps %d, failed %d; want %d and 0", st.Swaps, st.FailedSwaps, moves)
	}
	t.Logf("%d requests, %d swaps, no failures", requests.Load(), moves)
}

// gate is a Predictor that blocks on rows whose first value is 1 until
// released, then answers as its model does.
type gate struct {
	*linear.Model
	entered chan struct{}
	release chan struct{}
}

func (g *gate) PredictProbaInto(dst, x []float64) error {
	if x[0] == 1 {
		g.entered <- struct{}{}
		<-g.release
	}
	return g.Model.PredictProbaInto(dst, x)
}

func TestInFlightFinishesOnItsVersion(t *testing.T) {
	srv, err := serve.New(serve.Options{})
	if err != nil {
		t.Fatal(err)
	}
	g := &gate{Model: fixtures().m1, entered: make(chan struct{}), release: make(chan struct{})}
	if err := srv.Set("bc", 1, g); err != nil {
		t.Fatal(err)
	}
	x := append([]float64{1}, row(0)[1:]...)
	body := `{"instances":[` + strings.Replace(rowJSON(0), strings.SplitN(strings.Trim(rowJSON(0), "["), ",", 2)[0], "1", 1) + `]}`
	done := make(chan response)
	go func() { done <- do(t, srv, "POST", "/v1/models/bc:predict", "", body) }()
	<-g.entered // the request runs on version 1
	if err := srv.Set("bc", 2, fixtures().m2); err != nil {
		t.Fatal(err)
	}
	if v, _, err := predictOnce(t, srv, 0); err != nil || v != "2" {
		t.Fatalf("a new request: version %s, %v; want 2", v, err)
	}
	close(g.release)
	res := <-done
	got := decode[serve.PredictResponse](t, res.body)
	want := make([]float64, 2)
	fixtures().m1.PredictProbaInto(want, x)
	if res.code != 200 || got.ModelVersion != "1" || res.header.Get("Model-Version") != "1" {
		t.Fatalf("the request in flight = %d, version %s; want 200 from version 1", res.code, got.ModelVersion)
	}
	if diff := cmp.Diff(want, got.Probabilities[0], cmpopts.EquateApprox(0, 1e-12)); diff != "" {
		t.Errorf("the request in flight (-want v1 +got):\n%s", diff)
	}
}

// corruptBlob flips a bit in the middle of a blob in the folder store at
// dir.
func corruptBlob(t *testing.T, dir, digest string) {
	t.Helper()
	h := strings.TrimPrefix(digest, "sha256:")
	path := filepath.Join(dir, "objects", h[:2], h[2:])
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 1
	os.Chmod(path, 0o644)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// nanModel predicts NaN: it decodes but must fail the checks.
type nanModel struct{ *linear.Model }

func (nanModel) PredictProbaInto(dst, x []float64) error {
	dst[0], dst[1] = math.NaN(), math.NaN()
	return nil
}

func TestBrokenVersionRefused(t *testing.T) {
	f := fixtures()
	otherFeatures, err := linear.Fit(ctx, f.ds.X.Slice(0, 569, 0, 5), f.ds.Y, linear.Config{Standardize: true, Classes: f.ds.Classes})
	if err != nil {
		t.Fatal(err)
	}
	other, _ := linear.Marshal(otherFeatures)
	for _, tc := range []struct {
		name   string
		bytes  []byte
		format string
		store  func(t *testing.T, dir string, v registry.Version) // damage after registering
		want   []error
		code   int // asking for the version by number
	}{
		{"undecodable bytes", []byte("this is not a model"), linear.FormatName, nil, []error{serve.ErrLoad, linear.ErrFormat}, 500},
		{"another format name", []byte(`{"format":"other","version":1}`), linear.FormatName, nil, []error{serve.ErrLoad, linear.ErrFormat}, 500},
		{"a newer format version", bytes.Replace(f.b1, []byte(`"version":1`), []byte(`"version":9`), 1), linear.FormatName, nil,
			[]error{serve.ErrLoad, linear.ErrVersion}, 500},
		{"an unknown registry format", append(bytes.Clone(f.b1), '\n'), "onnx/1", nil, []error{serve.ErrLoad}, 500},
		{"bytes corrupted in storage", append(bytes.Clone(f.b1), ' '), linear.FormatName,
			func(t *testing.T, dir string, v registry.Version) { corruptBlob(t, dir, v.Digest) }, []error{serve.ErrLoad, registry.ErrCorrupt}, 500},
		{"other features", other, linear.FormatName, nil, []error{serve.ErrLoad, serve.ErrSchema}, 422},
		{"NaN probabilities", append(bytes.Clone(f.b1), '\t'), "nan", nil, []error{serve.ErrLoad}, 500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			blobs := t.TempDir()
			reg := openReg(t, registry.Options{Blobs: blobs})
			var logs syncBuffer
			srv, err := serve.New(serve.Options{
				Logger: slog.New(slog.NewTextHandler(&logs, nil)),
				Decode: func(format string, b []byte) (serve.Predictor, error) {
					p, err := serve.DecodeLinear(strings.Replace(format, "nan", "", 1), b)
					if err == nil && format == "nan" {
						return nanModel{p.(*linear.Model)}, nil
					}
					return p, err
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			if err := srv.Follow(ctx, reg, "bc", "@champion"); err != nil {
				t.Fatal(err)
			}
			v := register(t, reg, tc.bytes, tc.format)
			if tc.store != nil {
				tc.store(t, blobs, v)
			}
			setAlias(t, reg, v.Number)
			waitFor(t, "the refusal", func() bool { return status(srv, "bc").FailedSwaps == 1 })

			st := status(srv, "bc")
			if st.Version != 1 || st.LastError == nil || st.LastError.Version != v.Number || st.Swaps != 0 {
				t.Fatalf("after a broken version: %+v", st)
			}
			var le *serve.LoadError
			if !errors.As(st.LastError.Err, &le) || le.Version != v.Number {
				t.Errorf("LastError.Err = %v, want a *LoadError for version %d", st.LastError.Err, v.Number)
			}
			for _, want := range tc.want {
				if !errors.Is(st.LastError.Err, want) {
					t.Errorf("LastError.Err = %v, want %v", st.LastError.Err, want)
				}
			}
			if ver, _, err := predictOnce(t, srv, 0); err != nil || ver != "1" {
				t.Fatalf("after a broken version: served %s, %v; want 1", ver, err)
			}
			if !strings.Contains(logs.String(), "model version refused") || !strings.Contains(logs.String(), fmt.Sprintf("version=%d", v.Number)) {
				t.Errorf("the refusal is not logged:\n%s", logs.String())
			}
			res := do(t, srv, "GET", "/v2/health/ready", "", "")
			ready := decode[serve.ReadyResponse](t, res.body)
			if res.code != 200 || ready.Models[0].LastError == nil || ready.Models[0].LastError.Version != v.Number {
				t.Errorf("readiness does not show the failure: %d %s", res.code, res.body)
			}
			if m := do(t, srv, "GET", "/metrics", "", ""); !strings.Contains(string(m.body), `cairn_serve_model_swap_failures_total{model="bc"} 1`) {
				t.Errorf("metrics do not count the failure:\n%s", m.body)
			}
			// The version asked for by number fails too.
			res = do(t, srv, "POST", fmt.Sprintf("/v1/models/bc/versions/%d:predict", v.Number), "", `{"instances":[`+rowJSON(0)+`]}`)
			if res.code != tc.code {
				t.Errorf("the broken version by number = %d %s, want %d", res.code, res.body, tc.code)
			}
			// A good version afterwards is taken.
			setAlias(t, reg, 2)
			waitFor(t, "the swap to v2", func() bool { return status(srv, "bc").Version == 2 })
		})
	}
}

func TestLoadErrors(t *testing.T) {
	f := fixtures()
	reg := openReg(t, registry.Options{})
	bad := register(t, reg, []byte("garbage"), linear.FormatName)
	if _, err := reg.SetAlias(ctx, "bc", "broken", bad.Number, registry.AliasOptions{}); err != nil {
		t.Fatal(err)
	}
	srv, err := serve.New(serve.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, model, ref string
		want             []error
	}{
		{"a bare alias name", "bc", "champion", []error{serve.ErrInvalid, registry.ErrBadRef}},
		{"an alias not set", "bc", "@staging", []error{registry.ErrNotFound}},
		{"a model not registered", "nope", "@champion", []error{registry.ErrNotFound}},
		{"a version not registered", "bc", "v9", []error{registry.ErrNotFound}},
		{"a broken version", "bc", "@broken", []error{serve.ErrLoad, linear.ErrFormat}},
		{"a broken pinned version", "bc", fmt.Sprint(bad.Number), []error{serve.ErrLoad, linear.ErrFormat}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := srv.Follow(ctx, reg, tc.model, tc.ref)
			for _, want := range tc.want {
				if !errors.Is(err, want) {
					t.Errorf("Follow(%s, %s) = %v, want %v", tc.model, tc.ref, err, want)
				}
			}
			if len(srv.Status()) != 0 {
				t.Errorf("a failed Follow added a model: %+v", srv.Status())
			}
		})
	}
	var le *serve.LoadError
	if err := srv.Follow(ctx, reg, "bc", "@broken"); !errors.As(err, &le) || le.Model != "bc" || le.Version != bad.Number {
		t.Errorf("Follow(@broken) = %v, want a *LoadError for version %d", err, bad.Number)
	}
	if err := srv.Set("x", 0, f.m1); !errors.Is(err, serve.ErrInvalid) {
		t.Errorf("Set(version 0) = %v, want ErrInvalid", err)
	}
	if err := srv.Set("", 1, f.m1); !errors.Is(err, serve.ErrInvalid) {
		t.Errorf("Set(no name) = %v, want ErrInvalid", err)
	}
	// Names no route can hold: their pages and predict routes would be
	// unreachable.
	for _, name := range []string{".", "..", "a/b"} {
		if err := srv.Set(name, 1, f.m1); !errors.Is(err, serve.ErrInvalid) {
			t.Errorf("Set(%q) = %v, want ErrInvalid", name, err)
		}
	}
	if err := srv.Set("x", 1, nanModel{f.m1}); !errors.Is(err, serve.ErrLoad) {
		t.Errorf("Set(NaN model) = %v, want ErrLoad", err)
	}
	if err := srv.Set("x", 1, (*linear.Model)(nil)); !errors.Is(err, serve.ErrLoad) {
		t.Errorf("Set(nil *linear.Model) = %v, want ErrLoad", err)
	}
	if err := srv.Follow(ctx, reg, "bc", "@champion"); err != nil {
		t.Fatal(err)
	}
	if err := srv.Follow(ctx, reg, "bc", "@champion"); !errors.Is(err, serve.ErrExists) {
		t.Errorf("Follow twice = %v, want ErrExists", err)
	}
	if err := srv.Set("bc", 3, f.m1); !errors.Is(err, serve.ErrInvalid) {
		t.Errorf("Set on a followed model = %v, want ErrInvalid", err)
	}
	if err := srv.Set("y", 1, f.m1); err != nil {
		t.Fatal(err)
	}
	if err := srv.Set("y", 2, otherModel(t)); !errors.Is(err, serve.ErrSchema) || !errors.Is(err, serve.ErrLoad) {
		t.Errorf("Set with other features = %v, want ErrSchema", err)
	}
	if st := status(srv, "y"); st.Version != 1 || st.FailedSwaps != 1 {
		t.Errorf("after a refused Set: %+v", st)
	}
	srv.Close()
	if err := srv.Set("z", 1, f.m1); !errors.Is(err, serve.ErrClosed) {
		t.Errorf("Set after Close = %v, want ErrClosed", err)
	}
	if err := srv.Follow(ctx, reg, "bc2", "@champion"); !errors.Is(err, serve.ErrClosed) {
		t.Errorf("Follow after Close = %v, want ErrClosed", err)
	}
	if _, err := serve.New(serve.Options{MaxBatch: -1}); !errors.Is(err, serve.ErrInvalid) {
		t.Errorf("New(MaxBatch -1) = %v, want ErrInvalid", err)
	}
}

func otherModel(t testing.TB) *linear.Model {
	f := fixtures()
	m, err := linear.Fit(ctx, f.ds.X.Slice(0, 569, 0, 3), f.ds.Y, linear.Config{Classes: f.ds.Classes})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestAllowSchemaChange(t *testing.T) {
	srv := newServer(t, serve.Options{AllowSchemaChange: true})
	if err := srv.Set("bc", 2, otherModel(t)); err != nil {
		t.Fatal(err)
	}
	if res := do(t, srv, "POST", "/v1/models/bc:predict", "", `{"instances":[[1,2,3]]}`); res.code != 200 {
		t.Errorf("the new schema = %d %s", res.code, res.body)
	}
}

func TestFollowPinned(t *testing.T) {
	reg := openReg(t, registry.Options{})
	srv, err := serve.New(serve.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if err := srv.Follow(ctx, reg, "bc", "latest"); err != nil {
		t.Fatal(err)
	}
	if st := status(srv, "bc"); st.Version != 2 || st.Source != "latest" {
		t.Errorf("Follow(latest) = %+v, want version 2", st)
	}
}

func TestVersionsFromRegistry(t *testing.T) {
	reg := openReg(t, registry.Options{})
	broken := register(t, reg, []byte("garbage"), linear.FormatName)
	srv, err := serve.New(serve.Options{MaxVersions: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if err := srv.Follow(ctx, reg, "bc", "@champion"); err != nil {
		t.Fatal(err)
	}
	res := do(t, srv, "POST", "/v2/models/bc/versions/2/infer", "", `{"inputs":[`+tensor("x", "FP64", []int{1, 30}, flat(0))+`]}`)
	got := decode[serve.InferResponse](t, res.body)
	if res.code != 200 || got.ModelVersion != "2" || got.Outputs[0].Data[0] != proba(fixtures().m2, 0)[0] {
		t.Errorf("version 2 by number = %d %s", res.code, res.body)
	}
	md := decode[serve.ModelMetadata](t, do(t, srv, "GET", "/v2/models/bc", "", "").body)
	if diff := cmp.Diff([]string{"1", "2", "3"}, md.Versions); diff != "" || md.Version != "1" {
		t.Errorf("metadata versions (-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		path string
		code int
	}{
		{"/v2/models/bc/versions/9/ready", 404},
		{"/v2/models/bc/versions/2/ready", 200},
		{fmt.Sprintf("/v2/models/bc/versions/%d/ready", broken.Number), 503},
		{fmt.Sprintf("/v2/models/bc/versions/%d", broken.Number), 500},
	} {
		if res := do(t, srv, "GET", tc.path, "", ""); res.code != tc.code {
			t.Errorf("GET %s = %d %s, want %d", tc.path, res.code, res.body, tc.code)
		}
	}
	// MaxVersions 1: the serving version stays, the others come and go.
	if diff := cmp.Diff([]int{1}, status(srv, "bc").Loaded); diff != "" {
		t.Errorf("loaded versions (-want +got):\n%s", diff)
	}
}

// TestFollowAcrossProcesses moves the alias from another process (this
// test binary run again as a helper), as a pipeline's promote does.
func TestFollowAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	reg := openReg(t, registry.Options{})
	srv, err := serve.New(serve.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if err := srv.Follow(ctx, reg, "bc", "@champion"); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperSetAlias$")
	cmd.Env = append(os.Environ(), "CAIRN_SERVE_HELPER="+reg.Path())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	waitFor(t, "the swap made by another process", func() bool { return status(srv, "bc").Version == 2 })
	if v, _, err := predictOnce(t, srv, 0); err != nil || v != "2" {
		t.Errorf("after the move: %s, %v", v, err)
	}
}

// TestHelperSetAlias is the other process of TestFollowAcrossProcesses.
func TestHelperSetAlias(t *testing.T) {
	path := os.Getenv("CAIRN_SERVE_HELPER")
	if path == "" {
		t.Skip("helper process only")
	}
	reg, err := registry.OpenWith(path, registry.Options{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	if _, err := reg.SetAlias(ctx, "bc", "champion", 2, registry.AliasOptions{Reason: "promote"}); err != nil {
		t.Fatal(err)
	}
}

// The registry's file damaged under a server that follows an alias: the
// server keeps serving the version it has, says why it cannot follow
// (the registry's ErrCorrupt), and catches up once the file is whole
// again.
func TestFollowDamagedRegistry(t *testing.T) {
	reg := openReg(t, registry.Options{})
	srv, err := serve.New(serve.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if err := srv.Follow(ctx, reg, "bc", "@champion"); err != nil {
		t.Fatal(err)
	}
	path := reg.Path()
	whole, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Cut the file to a quarter (under the registry's memory map, if it
	// holds the file open: a read would fault).
	if err := os.Truncate(path, int64(len(whole)/4)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the watch error", func() bool { return strings.Contains(status(srv, "bc").WatchError, registry.ErrCorrupt.Error()) })
	if v, _, err := predictOnce(t, srv, 0); err != nil || v != "1" {
		t.Fatalf("with the registry damaged: served %s, %v; want version 1", v, err)
	}
	if err := os.WriteFile(path, whole, 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the watch to recover", func() bool { return status(srv, "bc").WatchError == "" })
	setAlias(t, reg, 2)
	waitFor(t, "the move after recovery", func() bool { return status(srv, "bc").Version == 2 })
}
