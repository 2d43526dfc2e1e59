package classify

import (
	"strings"
	"testing"
)

func TestLabelsComeFromFixedSets(t *testing.T) {
	for in, want := range map[string]string{"aps": "aps", "execute-api": "execute-api", "sts": "sts", "r123": "other", "": "other", "APS": "other"} {
		if got := ServiceLabel(in); got != want {
			t.Errorf("ServiceLabel(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"": "", "AccessDeniedException": "AccessDeniedException", "ExpiredToken": "ExpiredToken", "ValidationException": "ValidationException",
		"MadeUpByTheUpstream": "other", "<script>": "other", strings.Repeat("A", 65): "other",
	} {
		if got := CodeLabel(in); got != want {
			t.Errorf("CodeLabel(%q) = %q, want %q", in, got, want)
		}
	}
}
