// Package flowui serves the Grafana Agent Flow UI's built assets. The agent
// module ships the UI as sources only (web/ui); build-ui.sh builds them, and
// aws-agent serves the result from a directory or, built with -tags
// uiassets, from the binary. agentrun mounts the handler beside the UI's API.
package flowui

//go:generate ./build-ui.sh
