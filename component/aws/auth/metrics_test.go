package auth

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// Every metric the component registers is in the reference's table, and
// the table names none it does not register.
func TestMetricsAreDocumented(t *testing.T) {
	var l exportsLog
	opts := testOptions(&l)
	reg := &recorder{Registerer: prometheus.NewRegistry()}
	opts.Registerer = reg
	if _, err := New(opts, staticArgs("us-east-1")); err != nil {
		t.Fatal(err)
	}
	// Vectors appear in Gather only once they have a child; describe them.
	descs := make(chan *prometheus.Desc, 64)
	go func() {
		for _, c := range reg.collectors {
			c.Describe(descs)
		}
		close(descs)
	}()
	names := map[string]bool{}
	for d := range descs {
		s := d.String() // Desc{fqName: "NAME", ...}
		_, rest, _ := strings.Cut(s, `fqName: "`)
		name, _, _ := strings.Cut(rest, `"`)
		names[name] = true
	}
	documented := map[string]bool{}
	for _, row := range docTable(t, readDoc(t, referencePage), "## Debug metrics") {
		documented[strings.Trim(row[0], "`")] = true
	}
	if len(names) < 8 {
		t.Fatalf("only %d metrics registered: %v", len(names), names)
	}
	sameAsDocumented(t, "metrics table", names, documented)
}

// sameAsDocumented reports what the code has and a documentation table
// lacks, and the reverse.
func sameAsDocumented(t *testing.T, table string, inCode, documented map[string]bool) {
	t.Helper()
	for n := range inCode {
		if !documented[n] {
			t.Errorf("%s is in the code but not in the docs' %s", n, table)
		}
	}
	for n := range documented {
		if !inCode[n] {
			t.Errorf("the docs' %s names %s, which the code does not have", table, n)
		}
	}
}

// recorder remembers what is registered through it.
type recorder struct {
	prometheus.Registerer
	collectors []prometheus.Collector
}

func (r *recorder) Register(c prometheus.Collector) error {
	r.collectors = append(r.collectors, c)
	return r.Registerer.Register(c)
}

func (r *recorder) MustRegister(cs ...prometheus.Collector) {
	for _, c := range cs {
		if err := r.Register(c); err != nil {
			panic(err)
		}
	}
}
