// Package tests holds the end-to-end tests: the real Flow controller with the
// real upstream components, talking to the fakes of the awsauthtest kit.
package tests

import (
	_ "github.com/grafana/agent/component/all"
	_ "github.com/grafana/agent/pkg/flow"
	_ "github.com/grafana/agent/service/cluster"
	_ "github.com/grafana/agent/service/http"
	_ "github.com/grafana/agent/service/labelstore"
	_ "github.com/grafana/agent/service/otel"
	_ "github.com/grafana/agent/service/ui"
	_ "github.com/grafana/river"
)
