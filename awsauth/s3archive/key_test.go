package s3archive

import (
	"strings"
	"testing"
	"time"
)

func TestKeyFollowsTheLayout(t *testing.T) {
	at := time.Date(2026, 3, 7, 9, 5, 2, 0, time.FixedZone("CET", 3600))
	cases := []struct {
		layout Layout
		want   string
	}{
		{Layout{Prefix: "loki_logs", Partition: DefaultPartition}, "loki_logs/year=2026/month=03/day=07/hour=08/minute=05/logs_abc.json.gz"},
		{Layout{Prefix: "/a/b/", Partition: "%Y/%j", FilePrefix: "agent-1-"}, "a/b/2026/066/agent-1-logs_abc.json.gz"},
		{Layout{}, "logs_abc.json.gz"},
	}
	for _, c := range cases {
		if got := c.layout.Key(at, "logs", "abc", "json.gz"); got != c.want {
			t.Errorf("%+v: key %q, want %q", c.layout, got, c.want)
		}
	}
}

func TestCheckPartitionNamesWhatItRefuses(t *testing.T) {
	for f, want := range map[string]string{
		"year=%Y/%Q":   "%Q is not a directive",
		"%Y/%":         "lone %",
		"%Y//%m":       "empty, . or .. segment",
		"%Y/../x":      "empty, . or .. segment",
		"%Y/ä":         "safe key characters",
		"dt=%Y-%m-%d ": "safe key characters",
	} {
		if err := CheckPartition(f); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckPartition(%q) = %v, want %q", f, err, want)
		}
	}
	for _, f := range []string{DefaultPartition, "dt=%Y-%m-%d/%H", ""} {
		if err := CheckPartition(f); err != nil {
			t.Errorf("CheckPartition(%q): %v", f, err)
		}
	}
}

func TestURLEncodesTheKeyAsS3sCanonicalURI(t *testing.T) {
	b := Bucket{Name: "logs", Region: "eu-west-1"}
	u, _ := b.URL("p/year=2026/x(1)*.json")
	if got := u.String(); got != "https://logs.s3.eu-west-1.amazonaws.com/p/year%3D2026/x%281%29%2A.json" {
		t.Errorf("URL %s", got)
	}
	dotted := Bucket{Name: "my.logs", Region: "cn-north-1"}
	if u, _ := dotted.URL("k"); u.String() != "https://s3.cn-north-1.amazonaws.com.cn/my.logs/k" {
		t.Errorf("a dotted bucket goes in the path: %s", u)
	}
}
