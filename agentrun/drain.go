package agentrun

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-kit/log/level"
	"github.com/grafana/agent/component"
	"github.com/grafana/agent/pkg/flow"
	"github.com/grafana/river/ast"
	"github.com/grafana/river/parser"
	"github.com/grafana/river/printer"
)

// The controller stops every component at once when its context ends: an
// otelcol.processor.batch then flushes into an exporter that has already
// shut down ("sending_queue is full"), and what it held is lost. drain
// stops them in the order telemetry flows instead, upstream first: each
// stage reloads the configuration without the components nothing left
// reads from (receivers and scrapes, then processors and writers, then
// exporters, then aws.auth), and waits until they have exited — so every
// component flushes into a downstream that is still running.
//
// The controller does not say when a removed component has exited: it
// stops them in its own goroutine after LoadSource returns. But that
// goroutine handles one load at a time, so each stage also adds a
// barrier, a discovery.relabel that does nothing, and waits for it to
// start: the barrier of stage k+1 starts only after the components stage
// k removed have exited.

// barrierLabel is the label of stage n's barrier.
func barrierLabel(n int) string { return barrierPrefix + strconv.Itoa(n) }

const (
	barrierName   = "discovery.relabel"
	barrierPrefix = "aws_agent_shutdown_"
)

// drain runs the stages until no component is left but the barriers, or
// until deadline. On an error the caller stops what is left at once.
func (a *Agent) drain(src *flow.Source, deadline time.Time) error {
	files, err := parse(src)
	if err != nil {
		return err
	}
	removed := map[string]bool{}
	for stage := 1; ; stage++ {
		infos, err := a.Flow.ListComponents("", component.InfoOptions{})
		if err != nil {
			return err
		}
		next := unread(infos, removed)
		for _, id := range next {
			removed[id] = true
		}
		if len(next) > 0 {
			level.Info(a.log).Log("msg", "shutdown: stopping components nothing left reads from", "stage", stage, "components", strings.Join(next, ","))
		}
		staged, err := without(files, removed, stage)
		if err != nil {
			return err
		}
		if err := a.loadSource(staged); err != nil {
			return err
		}
		if err := a.awaitBarrier(barrierLabel(stage), deadline); err != nil {
			return err
		}
		if len(next) == 0 {
			return nil // this barrier started after the last stage's components exited
		}
	}
}

// unread is the components (not barriers, not removed) that no other
// remaining component references, sorted.
func unread(infos []*component.Info, removed map[string]bool) []string {
	remaining := map[string]bool{}
	for _, info := range infos {
		if id := info.ID.LocalID; !removed[id] && !isBarrier(info.ComponentName, info.Label) {
			remaining[id] = true
		}
	}
	var out []string
	for _, info := range infos {
		if !remaining[info.ID.LocalID] {
			continue
		}
		read := false
		for _, by := range info.ReferencedBy {
			if remaining[by] {
				read = true
				break
			}
		}
		if !read {
			out = append(out, info.ID.LocalID)
		}
	}
	slices.Sort(out)
	return out
}

func isBarrier(name, label string) bool {
	return name == barrierName && strings.HasPrefix(label, barrierPrefix)
}

// parse is src's files, parsed, in the order of their names.
func parse(src *flow.Source) ([]*ast.File, error) {
	raw := src.RawConfigs()
	names := make([]string, 0, len(raw))
	for name := range raw {
		names = append(names, name)
	}
	slices.Sort(names)
	files := make([]*ast.File, len(names))
	for i, name := range names {
		f, err := parser.ParseFile(name, raw[name])
		if err != nil {
			return nil, err
		}
		files[i] = f
	}
	return files, nil
}

// without is files less the component blocks removed names, with the
// barriers of stages 1 to stage added to the first, as a source.
func without(files []*ast.File, removed map[string]bool, stage int) (*flow.Source, error) {
	out := make(map[string][]byte, len(files))
	for i, f := range files {
		kept := *f
		kept.Body = nil
		for _, stmt := range f.Body {
			if b, ok := stmt.(*ast.BlockStmt); ok && removed[blockID(b)] {
				continue
			}
			kept.Body = append(kept.Body, stmt)
		}
		var buf bytes.Buffer
		if err := printer.Fprint(&buf, &kept); err != nil {
			return nil, err
		}
		if i == 0 {
			for n := 1; n <= stage; n++ {
				fmt.Fprintf(&buf, "\n%s %q {\n\ttargets = []\n}\n", barrierName, barrierLabel(n))
			}
		}
		out[f.Name] = buf.Bytes()
	}
	if len(out) == 1 {
		return flow.ParseSource(files[0].Name, out[files[0].Name])
	}
	return flow.ParseSources(out)
}

// blockID is the local ID of the component a block declares.
func blockID(b *ast.BlockStmt) string {
	id := strings.Join(b.Name, ".")
	if b.Label != "" {
		id += "." + b.Label
	}
	return id
}

// awaitBarrier waits until the barrier labelled label runs.
func (a *Agent) awaitBarrier(label string, deadline time.Time) error {
	id := component.ID{LocalID: barrierName + "." + label}
	for {
		info, err := a.Flow.GetComponent(id, component.InfoOptions{GetHealth: true})
		if err == nil && info.Health.Health == component.HealthTypeHealthy && info.Health.Message == "started component" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("components were still sending when the shutdown bound (--shutdown.timeout) ran out")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
