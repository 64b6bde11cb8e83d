// Package api is the HTTP transport of imageservice: it maps requests to the
// bundle and imaging packages and their errors to status codes, in one place.
package api

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"runtime"
	"strconv"
	"strings"

	"github.com/goblog/common/accountid"
	"github.com/goblog/common/server"
	"github.com/goblog/common/tracing"
	"github.com/goblog/imageservice/internal/bundle"
	"github.com/goblog/imageservice/internal/imaging"
	"github.com/gorilla/mux"
	"github.com/sirupsen/logrus"
)

// MaxBodyBytes is the default limit on a POST /image request body: 10 MiB.
const MaxBodyBytes = 10 << 20

// DefaultImage is the bundled image every account points to.
const DefaultImage = "cake.jpg"

// Options configures a Handler. Zero limits take the package defaults.
type Options struct {
	// BaseURL returns image_base_url; it is called per request so a config
	// refresh applies without a restart.
	BaseURL func() string
	// ServedBy is the address reported in servedBy, computed once at start.
	ServedBy string
	// Gallery serves the bundled images, already filtered.
	Gallery *bundle.Gallery
	Log     logrus.FieldLogger
	// MaxBodyBytes limits a POST /image body (default MaxBodyBytes).
	MaxBodyBytes int64
	// MaxPixels limits width*height of an uploaded image (default imaging.MaxPixels).
	MaxPixels int
	// Concurrency bounds the uploads decoded at once, and so the memory they
	// take (default GOMAXPROCS).
	Concurrency int
}

// Handler serves the imageservice endpoints.
type Handler struct {
	opts  Options
	slots chan struct{}
}

// New returns a Handler; Register adds its routes to a router.
func New(o Options) *Handler {
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = MaxBodyBytes
	}
	if o.MaxPixels <= 0 {
		o.MaxPixels = imaging.MaxPixels
	}
	if o.Concurrency <= 0 {
		o.Concurrency = runtime.GOMAXPROCS(0)
	}
	if o.Log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		o.Log = l
	}
	return &Handler{opts: o, slots: make(chan struct{}, o.Concurrency)}
}

// NewRouter serves GET /health and, traced, logged and guarded against
// panics, the endpoints of h. Unknown paths answer a JSON 404; methods follow
// RFC 9110 (server.ApplyMethodRules: HEAD wherever GET, OPTIONS, 405 with Allow).
func NewRouter(h *Handler, tracer *tracing.Tracer, log logrus.FieldLogger) *mux.Router {
	router := mux.NewRouter()
	router.NotFoundHandler = notFound()
	router.Handle("/health", server.NewHealth().Handler()).Methods(http.MethodGet)

	traced := router.NewRoute().Subrouter()
	traced.Use(tracer.Middleware(), server.LogRequests(log), server.Recover(log))
	h.Register(traced)
	server.ApplyMethodRules(router)
	return router
}

// Register adds the routes of h to r.
func (h *Handler) Register(r *mux.Router) {
	r.HandleFunc("/accounts/{id}", h.getAccountImage).Methods(http.MethodGet)
	r.HandleFunc("/file/{name}", h.getFile).Methods(http.MethodGet)
	r.HandleFunc("/image", h.postImage).Methods(http.MethodPost)
}

type accountImage struct {
	URL      string `json:"url"`
	ServedBy string `json:"servedBy"`
}

func (h *Handler) getAccountImage(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	if _, err := accountid.Parse(id); err != nil {
		server.WriteError(w, http.StatusBadRequest, err.Error())
		return
	}
	base := strings.TrimRight(h.opts.BaseURL(), "/")
	server.WriteJSON(w, http.StatusOK, accountImage{URL: base + "/file/" + DefaultImage, ServedBy: h.opts.ServedBy})
}

func (h *Handler) getFile(w http.ResponseWriter, r *http.Request) {
	name := mux.Vars(r)["name"]
	b, err := h.opts.Gallery.Get(name)
	switch {
	case errors.Is(err, bundle.ErrNotFound):
		server.WriteError(w, http.StatusNotFound, fmt.Sprintf("no image named %q", name))
		return
	case err != nil:
		h.opts.Log.WithError(err).WithField("image", name).Error("filtering bundled image")
		server.WriteError(w, http.StatusInternalServerError, "filtering image failed")
		return
	}
	writeJPEG(w, b)
}

func (h *Handler) postImage(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, h.opts.MaxBodyBytes)
	data, err := readUpload(r)
	if err != nil {
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			server.WriteError(w, http.StatusRequestEntityTooLarge,
				fmt.Sprintf("request body exceeds %d bytes", h.opts.MaxBodyBytes))
		case errors.Is(err, errMediaType):
			server.WriteError(w, http.StatusUnsupportedMediaType, err.Error())
		default:
			server.WriteError(w, http.StatusBadRequest, err.Error())
		}
		return
	}

	select {
	case h.slots <- struct{}{}:
		defer func() { <-h.slots }()
	case <-r.Context().Done():
		return // the client has gone; nobody reads an answer
	}
	out, err := imaging.SepiaJPEG(data, h.opts.MaxPixels)
	switch {
	case errors.Is(err, imaging.ErrTooLarge):
		server.WriteError(w, http.StatusRequestEntityTooLarge, err.Error())
		return
	case errors.Is(err, imaging.ErrUnsupported):
		server.WriteError(w, http.StatusBadRequest, err.Error())
		return
	case err != nil:
		h.opts.Log.WithError(err).Error("filtering uploaded image")
		server.WriteError(w, http.StatusInternalServerError, "filtering image failed")
		return
	}
	writeJPEG(w, out)
}

func writeJPEG(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b) // a failed write means the client went away
}

var errMediaType = errors.New("unsupported media type")

// readUpload returns the image bytes of a raw (image/jpeg, image/png) or a
// multipart/form-data body. In a form, the part named "file" wins; otherwise
// the first part carrying a file name is used.
func readUpload(r *http.Request) ([]byte, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return nil, fmt.Errorf("%w: Content-Type %q: want image/jpeg, image/png or multipart/form-data",
			errMediaType, r.Header.Get("Content-Type"))
	}
	switch mt {
	case "image/jpeg", "image/png":
		return readNonEmpty(r.Body)
	case "multipart/form-data":
		return readFilePart(r)
	default:
		return nil, fmt.Errorf("%w: %s: want image/jpeg, image/png or multipart/form-data", errMediaType, mt)
	}
}

func readFilePart(r *http.Request) ([]byte, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, fmt.Errorf("reading multipart form: %w", err)
	}
	var first []byte
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading multipart form: %w", err)
		}
		named := p.FormName() == "file"
		if !named && (first != nil || p.FileName() == "") {
			continue // NextPart skips the rest of this part
		}
		b, err := readNonEmpty(p)
		if err != nil {
			return nil, fmt.Errorf("reading form part %q: %w", p.FormName(), err)
		}
		if named {
			return b, nil
		}
		first = b
	}
	if first == nil {
		return nil, errors.New(`multipart form has no file part (want field "file")`)
	}
	return first, nil
}

func readNonEmpty(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading body: %w", err)
	}
	if len(b) == 0 {
		return nil, errors.New("empty image")
	}
	return b, nil
}

// notFound answers 404 with a JSON error, for paths no route matches.
func notFound() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		server.WriteError(w, http.StatusNotFound, "no such resource: "+r.URL.Path)
	})
}
