package exitstatus

import (
	"errors"
	"fmt"
	"testing"
)

func TestErrorIsFoundThroughWrapping(t *testing.T) {
	e := New(2, "some endpoints are not in the policies")
	var got *Error
	if !errors.As(fmt.Errorf("policy: %w", e), &got) || got.Status != 2 || got.Error() != "some endpoints are not in the policies" {
		t.Fatalf("%+v", got)
	}
}
