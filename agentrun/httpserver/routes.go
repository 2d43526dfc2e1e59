package httpserver

import (
	"fmt"
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof/ on http.DefaultServeMux
	"sort"
	"strings"

	"github.com/go-kit/log/level"
	"github.com/gorilla/mux"
	"github.com/grafana/agent/component"
	"github.com/grafana/agent/service"
	httpservice "github.com/grafana/agent/service/http"
	_ "github.com/grafana/pyroscope-go/godeltaprof/http/pprof" // registers godeltaprof's, as upstream
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// componentPathPrefix is where components' handlers are mounted:
// /api/v0/component/<id>/.
const componentPathPrefix = "/api/v0/component/"

// router is upstream's: /metrics, /debug/pprof/, components' handlers,
// /-/ready, /-/reload, then the handlers of services that depend on this
// one, longest base first.
func (s *Service) router(host service.Host) http.Handler {
	r := mux.NewRouter()
	r.Handle("/metrics", promhttp.HandlerFor(s.opts.Gatherer, promhttp.HandlerOpts{}))
	if s.opts.EnablePProf {
		r.PathPrefix("/debug/pprof").Handler(http.DefaultServeMux)
	}
	found := newLookups(host)
	s.found.Store(found)
	r.PathPrefix(componentPathPrefix).Handler(componentHandler(found))
	if s.opts.ReadyFunc != nil {
		r.HandleFunc("/-/ready", s.ready)
	}
	if s.opts.ReloadFunc != nil {
		r.HandleFunc("/-/reload", s.reload).Methods(http.MethodGet, http.MethodPost)
	}
	for _, route := range serviceRoutes(host) {
		r.PathPrefix(route.base).Handler(route.handler)
	}
	return r
}

func (s *Service) ready(w http.ResponseWriter, _ *http.Request) {
	if s.opts.ReadyFunc() {
		w.WriteHeader(http.StatusOK)
		fmt.Fprintln(w, "Agent is ready.")
		return
	}
	w.WriteHeader(http.StatusServiceUnavailable)
	fmt.Fprintln(w, "Agent is not ready.")
}

func (s *Service) reload(w http.ResponseWriter, _ *http.Request) {
	level.Info(s.log).Log("msg", "reload requested via /-/reload endpoint")
	if _, err := s.opts.ReloadFunc(); err != nil {
		text := err.Error()
		if s.opts.ReloadError != nil {
			text = s.opts.ReloadError(err)
		}
		level.Error(s.log).Log("msg", "failed to reload config", "err", text)
		http.Error(w, text, http.StatusBadRequest)
		return
	}
	level.Info(s.log).Log("msg", "config reloaded")
	fmt.Fprintln(w, "config reloaded")
}

type route struct {
	base    string
	handler http.Handler
}

// serviceRoutes are the handlers of the services that depend on this one,
// those with more path segments first, so the more specific base wins.
func serviceRoutes(host service.Host) []route {
	var routes []route
	for _, consumer := range host.GetServiceConsumers(httpservice.ServiceName) {
		if consumer.Type != service.ConsumerTypeService {
			continue
		}
		if sh, ok := consumer.Value.(httpservice.ServiceHandler); ok {
			base, handler := sh.ServiceHandler(host)
			routes = append(routes, route{base, handler})
		}
	}
	sort.SliceStable(routes, func(i, j int) bool {
		return strings.Count(routes[i].base, "/") > strings.Count(routes[j].base, "/")
	})
	return routes
}

// componentHandler hands /api/v0/component/<id>/<rest> to the handler of
// component <id>, with the path <rest>.
func componentHandler(l *lookups) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		info, rest, ok := splitComponentPath(l.find, strings.TrimPrefix(r.URL.Path, componentPathPrefix))
		if !ok {
			http.Error(w, fmt.Sprintf("no component named %q: check the component ID in the URL (a gateway URL is aws.auth.LABEL.gateway_url + \"/HOST/PATH\")", firstSegment(r.URL.Path)), http.StatusNotFound)
			return
		}
		c, ok := info.Component.(httpservice.Component)
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		handler := c.Handler()
		if handler == nil {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		r.URL.Path = rest
		handler.ServeHTTP(w, r)
	}
}

// splitComponentPath splits p ("ID/rest") at the longest prefix that names
// a component, as upstream does: module components' IDs hold slashes
// ("module.file.x/prometheus.exporter.unix.y"). rest starts with a slash,
// and ends with one when p does.
//
// Each segment of an ID is a component's own NAME.LABEL, so only the
// leading segments with a dot are looked up, at most maxIDSegments of
// them: a gateway request's path (aws.auth.x/HOST/workspaces/ws-1/...)
// costs two lookups, the host being the second.
func splitComponentPath(find func(component.ID) (*component.Info, bool), p string) (*component.Info, string, bool) {
	trailing := strings.HasSuffix(p, "/")
	p = strings.Trim(p, "/")
	var ends []int // of the leading dotted segments
	// start++ steps over the slash after each segment.
	for start := 0; start <= len(p) && len(ends) < maxIDSegments; start++ {
		seg, _, _ := strings.Cut(p[start:], "/")
		if !strings.Contains(seg, ".") {
			break
		}
		start += len(seg)
		ends = append(ends, start)
	}
	for i := len(ends) - 1; i >= 0; i-- {
		end := ends[i]
		info, ok := find(component.ParseID(p[:end]))
		if !ok {
			continue
		}
		rest := "/" + strings.TrimPrefix(p[end:], "/")
		if trailing && !strings.HasSuffix(rest, "/") {
			rest += "/"
		}
		return info, rest, true
	}
	return nil, "", false
}

// firstSegment is the component-ID part of a path, for a 404's text: the
// first segment after the prefix, bounded.
func firstSegment(p string) string {
	p = strings.TrimPrefix(p, componentPathPrefix)
	if i := strings.IndexByte(p, '/'); i >= 0 {
		p = p[:i]
	}
	if len(p) > 100 {
		p = p[:100] + "…"
	}
	return p
}
