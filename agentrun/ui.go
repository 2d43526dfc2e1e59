package agentrun

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/flow-aws-auth/flow-aws-auth/flowui"
	"github.com/gorilla/mux"
	"github.com/grafana/agent/service"
	httpservice "github.com/grafana/agent/service/http"
	"github.com/grafana/agent/web/api"
)

// uiService is the agent's UI service with assets of our choosing: the
// upstream one reads them from ./web/ui/build or from its own module
// directory, neither of which a binary built from the module has.
type uiService struct {
	prefix string
	assets fs.FS
}

var (
	_ service.Service            = (*uiService)(nil)
	_ httpservice.ServiceHandler = (*uiService)(nil)
)

// newUIService returns the UI service serving at prefix. With nil assets
// the API works and the UI pages explain how to build them.
func newUIService(prefix string, assets fs.FS) *uiService {
	return &uiService{prefix: strings.TrimSuffix(prefix, "/") + "/", assets: assets}
}

// Definition implements service.Service.
func (s *uiService) Definition() service.Definition {
	return service.Definition{Name: "ui", DependsOn: []string{httpservice.ServiceName}}
}

// Run implements service.Service.
func (s *uiService) Run(ctx context.Context, _ service.Host) error {
	<-ctx.Done()
	return nil
}

// Update implements service.Service; the UI takes no configuration.
func (s *uiService) Update(any) error { return errors.New("the UI service takes no configuration") }

// Data implements service.Service.
func (s *uiService) Data() any { return nil }

// ServiceHandler implements httpservice.ServiceHandler.
func (s *uiService) ServiceHandler(host service.Host) (string, http.Handler) {
	r := mux.NewRouter()
	api.NewFlowAPI(host).RegisterRoutes(path.Join(s.prefix, "api/v0/web"), r)
	r.PathPrefix(s.prefix).Handler(flowui.Handler(s.prefix, s.assets))
	return s.prefix, r
}
