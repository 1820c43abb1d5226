package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// HTTPOptions configures the *http.Server that NewHTTPServer builds. The
// zero value gives the defaults documented on each field: timeouts that
// keep a slow or idle client from holding a connection forever.
type HTTPOptions struct {
	// ReadHeaderTimeout bounds reading a request's headers. Zero means 5 s.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, body included. Zero
	// means 30 s.
	ReadTimeout time.Duration
	// WriteTimeout bounds the time from the end of reading the headers to
	// the end of writing the response. Zero means 30 s.
	WriteTimeout time.Duration
	// IdleTimeout bounds how long a keep-alive connection waits for its
	// next request. Zero means 120 s.
	IdleTimeout time.Duration
	// ShutdownTimeout bounds how long ListenAndServe and Serve wait for
	// requests in flight once ctx is done; after it, the remaining
	// connections are closed. Zero means 10 s.
	ShutdownTimeout time.Duration
	// MaxHeaderBytes bounds the request headers. Zero means 64 KiB.
	MaxHeaderBytes int
	// Logger receives net/http's own errors (TLS handshakes, bad
	// requests it refuses before any handler) at Warn level, and the
	// start and end of serving at Info. Nil discards them.
	Logger *slog.Logger
}

func (o HTTPOptions) resolve() HTTPOptions {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&o.ReadHeaderTimeout, 5*time.Second)
	def(&o.ReadTimeout, 30*time.Second)
	def(&o.WriteTimeout, 30*time.Second)
	def(&o.IdleTimeout, 120*time.Second)
	def(&o.ShutdownTimeout, 10*time.Second)
	if o.MaxHeaderBytes == 0 {
		o.MaxHeaderBytes = 64 << 10
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// NewHTTPServer returns an *http.Server for h (a *Server, or a mux that
// mounts one next to other handlers) at addr, with the timeouts of opts.
// Run it with ListenAndServe or Serve, or call its methods directly.
func NewHTTPServer(addr string, h http.Handler, opts HTTPOptions) *http.Server {
	o := opts.resolve()
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: o.ReadHeaderTimeout,
		ReadTimeout:       o.ReadTimeout,
		WriteTimeout:      o.WriteTimeout,
		IdleTimeout:       o.IdleTimeout,
		MaxHeaderBytes:    o.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(o.Logger.Handler(), slog.LevelWarn),
	}
}

// ListenAndServe serves h on addr (NewHTTPServer with opts) until ctx is
// done, then shuts down gracefully: it stops accepting connections, lets
// the requests in flight finish (for up to opts.ShutdownTimeout, then
// closes what is left) and returns nil. To drain on SIGTERM, pass a
// context from signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM).
// It returns an error if addr cannot be listened on, or if serving fails
// for another reason than the shutdown.
func ListenAndServe(ctx context.Context, addr string, h http.Handler, opts HTTPOptions) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("serve: listen: %w", err)
	}
	return Serve(ctx, ln, h, opts)
}

// Serve is ListenAndServe on a listener the caller opened (":0" in a
// test, say). It closes ln.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, opts HTTPOptions) error {
	o := opts.resolve()
	hs := NewHTTPServer(ln.Addr().String(), h, opts)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	o.Logger.LogAttrs(ctx, slog.LevelInfo, "serve: listening", slog.String("addr", ln.Addr().String()))
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	o.Logger.LogAttrs(context.WithoutCancel(ctx), slog.LevelInfo, "serve: shutting down", slog.Duration("timeout", o.ShutdownTimeout))
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), o.ShutdownTimeout)
	defer cancel()
	err := hs.Shutdown(sctx)
	if err != nil {
		hs.Close()
	}
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", serr)
	}
	if err != nil {
		return fmt.Errorf("serve: shutdown: %w", err)
	}
	o.Logger.LogAttrs(context.WithoutCancel(ctx), slog.LevelInfo, "serve: stopped")
	return nil
}
