// Package api is the HTTP transport of imageservice: it maps requests to the
// bundle and imaging packages and their errors to status codes, in one place.
package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/goblog/common/accountid"
	"github.com/goblog/common/bearer"
	"github.com/goblog/common/logging"
	"github.com/goblog/common/server"
	"github.com/goblog/common/tracing"
	"github.com/goblog/imageservice/internal/admission"
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
	// MemoryBudget is the memory in bytes that uploads being read, decoded
	// and filtered may hold at once (image_memory_budget_mib); 0 derives it
	// from the process's memory limits (admission.Limits.Budget).
	MemoryBudget int64
	// AdmissionWait is how long an upload waits for memory before it is
	// answered 503 (default DefaultAdmissionWait).
	AdmissionWait time.Duration
}

// DefaultAdmissionWait is how long an upload waits for memory by default:
// about what a 25-megapixel job takes on one core.
const DefaultAdmissionWait = 5 * time.Second

// Handler serves the imageservice endpoints.
type Handler struct {
	opts   Options
	memory *admission.Gate
}

// New returns a Handler; Register adds its routes to a router.
func New(o Options) *Handler {
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = MaxBodyBytes
	}
	if o.MaxPixels <= 0 {
		o.MaxPixels = imaging.MaxPixels
	}
	if o.AdmissionWait <= 0 {
		o.AdmissionWait = DefaultAdmissionWait
	}
	if o.Log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		o.Log = l
	}
	why := "image_memory_budget_mib"
	if o.MemoryBudget <= 0 {
		limits := admission.ReadLimits(os.DirFS("/"), debug.SetMemoryLimit(-1))
		o.MemoryBudget, why = limits.Budget()
	}
	o.Log.WithFields(logrus.Fields{"budget_mib": o.MemoryBudget / admission.MiB, "from": why}).
		Info("memory budget of image uploads")
	return &Handler{opts: o, memory: admission.NewGate(o.MemoryBudget, o.AdmissionWait)}
}

// AuthRules are the scopes imageservice's routes need (issue 11): reading
// an account's image is reading the account, and so are the image files and
// the sepia filter. /health and /metrics are open (bearer.IsOpen).
func AuthRules() bearer.Rules {
	return bearer.Rules{
		"GET /accounts/{id}": bearer.ScopeRead,
		"GET /file/{name}":   bearer.ScopeRead,
		"POST /image":        bearer.ScopeRead,
	}
}

// NewRouter serves GET /health, GET /metrics (metrics: the service's
// Prometheus metrics, untraced like the health check) and, traced, logged
// and guarded against panics, the endpoints of h, behind guard when given
// (the token check, bearer.Guard.Middleware, innermost). Unknown paths
// answer a JSON 404; methods follow RFC 9110 (server.ApplyMethodRules: HEAD
// wherever GET, OPTIONS, 405 with Allow).
func NewRouter(h *Handler, tracer *tracing.Tracer, metrics http.Handler, log logrus.FieldLogger, guard ...mux.MiddlewareFunc) *mux.Router {
	router := mux.NewRouter()
	router.NotFoundHandler = notFound()
	router.Handle("/health", server.NewHealth().Handler()).Methods(http.MethodGet)
	router.Handle("/metrics", metrics).Methods(http.MethodGet)

	traced := router.NewRoute().Subrouter()
	traced.Use(tracer.Middleware(), server.LogRequests(log), server.Recover(log))
	traced.Use(guard...)
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
		logging.WithContext(h.opts.Log, r.Context()).WithError(err).WithField("image", name).Error("filtering bundled image")
		server.WriteError(w, http.StatusInternalServerError, "filtering image failed")
		return
	}
	writeJPEG(w, b)
}

// postImage answers the sepia of an uploaded image. Its memory is admitted
// in two steps, each reserved before it is used: the body (its
// Content-Length, or the body limit when unknown), then, from the image
// header, the worst case of decoding and filtering it (imaging.Header.Cost).
// Both are held until the answer is written and the job's garbage collected.
func (h *Handler) postImage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	bodySize := h.opts.MaxBodyBytes
	if r.ContentLength >= 0 && r.ContentLength < bodySize {
		bodySize = r.ContentLength
	}
	held, err := h.memory.Reserve(ctx, bodySize+bytes.MinRead)
	if err != nil {
		h.refuse(w, err, "reading the upload")
		return
	}
	defer held.Release()

	r.Body = http.MaxBytesReader(w, r.Body, h.opts.MaxBodyBytes)
	data, err := readUpload(r, bodySize)
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
	held.Shrink(int64(cap(data)))

	header, err := imaging.ReadHeader(data, h.opts.MaxPixels)
	if err != nil {
		h.imageError(w, r, err)
		return
	}
	if err := held.Grow(ctx, header.Cost); err != nil {
		h.refuse(w, err, fmt.Sprintf("filtering a %dx%d %s", header.Width, header.Height, header.Format))
		return
	}

	h.writeSepia(w, r, data, header)
	h.reclaim(held, header.Cost)
}

// writeSepia decodes data, whose header is h, and streams the JPEG of its
// sepia view to w, the answer to r.
func (h *Handler) writeSepia(w http.ResponseWriter, r *http.Request, data []byte, header imaging.Header) {
	img, err := imaging.DecodePixels(data, header)
	if err != nil {
		h.imageError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/jpeg")
	w.WriteHeader(http.StatusOK)
	if err := imaging.EncodeJPEG(w, imaging.NewView(img, header.Orientation)); err != nil {
		logging.WithContext(h.opts.Log, r.Context()).WithError(err).Debug("writing the filtered upload") // the client went away
	}
}

// reclaimFrom is the job cost from which a finished job's garbage is
// collected before its memory is handed on.
const reclaimFrom = 16 << 20

// reclaim gives a finished job's reservation back; for a large job it first
// collects the job's garbage and returns it to the OS (debug.FreeOSMemory).
// Otherwise the next job's allocations come on top of garbage the collector
// has not reclaimed yet, GOMEMLIMIT or not: a large allocation does not wait
// for a collection. In a 384 MiB container a second wave of concurrent
// 25-megapixel uploads was OOM-killed that way.
func (h *Handler) reclaim(held *admission.Reservation, cost int64) {
	if cost >= reclaimFrom {
		debug.FreeOSMemory()
	}
	held.Release()
}

// refuse answers an upload whose memory could not be reserved: 413 when it
// can never fit, 503 with Retry-After when memory did not come free in time,
// nothing when the client has gone (server.LogRequests then logs 499, not
// the 200 net/http would write).
func (h *Handler) refuse(w http.ResponseWriter, err error, doing string) {
	budget := h.memory.Budget() / admission.MiB
	switch {
	case errors.Is(err, admission.ErrOverBudget):
		server.WriteError(w, http.StatusRequestEntityTooLarge,
			fmt.Sprintf("%s needs more memory than this service's budget of %d MiB", doing, budget))
	case errors.Is(err, admission.ErrBusy):
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(h.memory.Wait().Seconds()))))
		server.WriteError(w, http.StatusServiceUnavailable,
			fmt.Sprintf("busy: no memory came free for %s within %s; retry later", doing, h.memory.Wait()))
	}
}

// imageError answers an image the imaging package refused.
func (h *Handler) imageError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, imaging.ErrTooLarge):
		server.WriteError(w, http.StatusRequestEntityTooLarge, err.Error())
	case errors.Is(err, imaging.ErrUnsupported):
		server.WriteError(w, http.StatusBadRequest, err.Error())
	default:
		logging.WithContext(h.opts.Log, r.Context()).WithError(err).Error("filtering uploaded image")
		server.WriteError(w, http.StatusInternalServerError, "filtering image failed")
	}
}

func writeJPEG(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b) // a failed write means the client went away
}

var errMediaType = errors.New("unsupported media type")

// readUpload returns the image bytes of a raw (image/jpeg, image/png) or a
// multipart/form-data body of at most size bytes. In a form, the part named
// "file" wins; otherwise the first part carrying a file name is used.
func readUpload(r *http.Request, size int64) ([]byte, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return nil, fmt.Errorf("%w: Content-Type %q: want image/jpeg, image/png or multipart/form-data",
			errMediaType, r.Header.Get("Content-Type"))
	}
	switch mt {
	case "image/jpeg", "image/png":
		return readNonEmpty(r.Body, size)
	case "multipart/form-data":
		return readFilePart(r, size)
	default:
		return nil, fmt.Errorf("%w: %s: want image/jpeg, image/png or multipart/form-data", errMediaType, mt)
	}
}

func readFilePart(r *http.Request, size int64) ([]byte, error) {
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
		b, err := readNonEmpty(p, size)
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

// readNonEmpty reads r, at most size bytes, into one buffer allocated up
// front, so the memory reserved for it is all it takes.
func readNonEmpty(r io.Reader, size int64) ([]byte, error) {
	buf := bytes.NewBuffer(make([]byte, 0, size+bytes.MinRead))
	if _, err := buf.ReadFrom(r); err != nil {
		return nil, fmt.Errorf("reading body: %w", err)
	}
	if buf.Len() == 0 {
		return nil, errors.New("empty image")
	}
	return buf.Bytes(), nil
}

// notFound answers 404 with a JSON error, for paths no route matches.
func notFound() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		server.WriteError(w, http.StatusNotFound, "no such resource: "+r.URL.Path)
	})
}
