package awss3

import (
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

const referencePage = "../../../../docs/reference/otelcol.exporter.awss3.md"

// riverNames are the River names of t's fields.
func riverNames(t reflect.Type) []string {
	var names []string
	for i := 0; i < t.NumField(); i++ {
		if tag := t.Field(i).Tag.Get("river"); tag != "" {
			names = append(names, strings.Split(tag, ",")[0])
		}
	}
	slices.Sort(names)
	return names
}

var row = regexp.MustCompile("(?m)^`([a-z0-9_]+)`")

// section is the page's text from heading to the next heading of any level.
func section(t *testing.T, page, heading string) string {
	i := strings.Index(page, "\n"+heading+"\n")
	if i < 0 {
		t.Fatalf("the page has no %q", heading)
	}
	rest := page[i+len(heading)+2:]
	if j := regexp.MustCompile(`(?m)^#`).FindStringIndex(rest); j != nil {
		rest = rest[:j[0]]
	}
	return rest
}

func rowsOf(text string) []string {
	var names []string
	for _, m := range row.FindAllStringSubmatch(text, -1) {
		names = append(names, m[1])
	}
	slices.Sort(names)
	return names
}

// The reference page's tables are the code's: every argument of every
// block, the debug information's fields and the metrics, no more, no less.
func TestReferenceIsTheCode(t *testing.T) {
	b, err := os.ReadFile(referencePage)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	blocks := map[string]reflect.Type{
		"## Arguments":          reflect.TypeOf(Arguments{}),
		"### s3_uploader block": reflect.TypeOf(S3Uploader{}),
		"### marshaler block":   reflect.TypeOf(Marshaler{}),
		"### batch block":       reflect.TypeOf(Batch{}),
		"### spool block":       reflect.TypeOf(Spool{}),
	}
	for heading, typ := range blocks {
		want := riverNames(typ)
		if heading == "## Arguments" {
			want = []string{"auth"} // the rest are blocks, in their own sections
		}
		if got := rowsOf(section(t, page, heading)); !slices.Equal(got, want) {
			t.Errorf("%s documents %v, the code has %v", heading, got, want)
		}
	}
	var debug []string
	for _, m := range regexp.MustCompile("`([a-z_]+)`").FindAllStringSubmatch(section(t, page, "## Debug information"), -1) {
		debug = append(debug, m[1])
	}
	slices.Sort(debug)
	if want := riverNames(reflect.TypeOf(DebugInfo{})); !slices.Equal(debug, want) {
		t.Errorf("debug information documents %v, the code has %v", debug, want)
	}
	descs := make(chan *prometheus.Desc, 32)
	newMetrics(nil).Describe(descs)
	close(descs)
	var metrics []string
	for d := range descs {
		metrics = append(metrics, regexp.MustCompile(`fqName: "([^"]+)"`).FindStringSubmatch(d.String())[1])
	}
	slices.Sort(metrics)
	if got := rowsOf(section(t, page, "## Debug metrics")); !slices.Equal(got, metrics) {
		t.Errorf("metrics documented %v, the code has %v", got, metrics)
	}
	for _, d := range []string{`"year=%Y/month=%m/day=%d/hour=%H/minute=%M"`, `"none"`, `"STANDARD"`, `"otlp_json"`, `"8MiB"`, `"1m"`, `"1GiB"`} {
		if !strings.Contains(page, "| `"+d+"` |") {
			t.Errorf("the page does not give the default %s", d)
		}
	}
	if DefaultArguments.Batch.MaxSize.String() != "8MiB" || DefaultArguments.Spool.MaxSize.String() != "1GiB" || DefaultArguments.Batch.MaxAge.String() != "1m0s" {
		t.Errorf("defaults moved from the page's: %+v", DefaultArguments)
	}
}
