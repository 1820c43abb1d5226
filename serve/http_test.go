package serve_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cairn-ml/cairn/serve"
)

func TestNewHTTPServer(t *testing.T) {
	h := http.NotFoundHandler()
	hs := serve.NewHTTPServer(":8080", h, serve.HTTPOptions{})
	if hs.Addr != ":8080" || hs.ReadHeaderTimeout != 5*time.Second || hs.ReadTimeout != 30*time.Second ||
		hs.WriteTimeout != 30*time.Second || hs.IdleTimeout != 120*time.Second || hs.MaxHeaderBytes != 64<<10 || hs.ErrorLog == nil {
		t.Errorf("defaults: %+v", hs)
	}
	hs = serve.NewHTTPServer("", h, serve.HTTPOptions{ReadHeaderTimeout: time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: 3 * time.Second, IdleTimeout: 4 * time.Second, MaxHeaderBytes: 5})
	if hs.ReadHeaderTimeout != time.Second || hs.ReadTimeout != 2*time.Second || hs.WriteTimeout != 3*time.Second || hs.IdleTimeout != 4*time.Second || hs.MaxHeaderBytes != 5 {
		t.Errorf("options: %+v", hs)
	}
	if err := serve.ListenAndServe(ctx, "256.0.0.1:bad", h, serve.HTTPOptions{}); err == nil {
		t.Error("ListenAndServe on a bad address: no error")
	}
}

// TestServeDrains cancels the context while a request is in flight: the
// request must finish with its answer, and Serve return nil.
func TestServeDrains(t *testing.T) {
	srv, err := serve.New(serve.Options{})
	if err != nil {
		t.Fatal(err)
	}
	g := &gate{Model: fixtures().m1, entered: make(chan struct{}), release: make(chan struct{})}
	if err := srv.Set("bc", 1, g); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- serve.Serve(sctx, ln, srv, serve.HTTPOptions{ShutdownTimeout: 20 * time.Second}) }()
	url := "http://" + ln.Addr().String() + "/v1/models/bc:predict"
	body := `{"instances":[[1,` + strings.SplitN(strings.Trim(rowJSON(0), "[]"), ",", 2)[1] + `]]}`
	type result struct {
		code    int
		version string
		err     error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := http.Post(url, "application/json", strings.NewReader(body))
		if err != nil {
			got <- result{err: err}
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		got <- result{code: resp.StatusCode, version: resp.Header.Get("Model-Version")}
	}()
	<-g.entered
	cancel() // as SIGTERM through signal.NotifyContext would
	waitFor(t, "the listener to close", func() bool {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	select {
	case err := <-served:
		t.Fatalf("Serve returned %v before the request in flight finished", err)
	default:
	}
	close(g.release)
	if r := <-got; r.err != nil || r.code != 200 || r.version != "1" {
		t.Errorf("the request in flight: %+v, want 200 from version 1", r)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve = %v, want nil", err)
	}
}

// TestSlowClient opens a connection that sends half a header and stops:
// the server must close it (ReadHeaderTimeout).
func TestSlowClient(t *testing.T) {
	srv := newServer(t, serve.Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() {
		served <- serve.Serve(sctx, ln, srv, serve.HTTPOptions{ReadHeaderTimeout: 50 * time.Millisecond, ReadTimeout: 100 * time.Millisecond})
	}()
	defer func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("Serve = %v", err)
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "POST /v1/models/bc:predict HTTP/1.1\r\nHost: x\r\n"); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(20 * time.Second)) // a bound for the test, far above the timeout
	b, err := io.ReadAll(c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server kept the slow connection open")
	}
	t.Logf("the server closed the slow connection (read %q, %v)", b, err)
}
