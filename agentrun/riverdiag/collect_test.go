package riverdiag

import (
	"reflect"
	"slices"
	"testing"

	"github.com/grafana/river/rivertypes"
)

// Shapes a component's arguments hold secrets in, each of which a
// registered component may use: a squashed block, an embedded struct, a
// pointer, a list or a map of secrets, an optional secret, a block of
// blocks. A plain string is none.
type squashed struct {
	Token rivertypes.Secret `river:"squashed_token,attr,optional"`
}

type Embedded struct {
	Key *rivertypes.Secret `river:"embedded_key,attr,optional"`
}

type nested struct {
	Pass rivertypes.OptionalSecret `river:"nested_password,attr,optional"`
}

type shapes struct {
	Squashed squashed `river:",squash"`
	Embedded
	Keys    []rivertypes.Secret          `river:"listed_keys,attr,optional"`
	Headers map[string]rivertypes.Secret `river:"mapped_headers,attr,optional"`
	Blocks  []nested                     `river:"block,block,optional"`
	Plain   string                       `river:"plain,attr,optional"`
}

func TestCollectFindsSecretsInEveryShape(t *testing.T) {
	names := map[string]bool{}
	collect(reflect.TypeOf(shapes{}), map[reflect.Type]bool{}, names)
	var got []string
	for n := range names {
		got = append(got, n)
	}
	slices.Sort(got)
	want := []string{"embedded_key", "listed_keys", "mapped_headers", "nested_password", "squashed_token"}
	if !slices.Equal(got, want) {
		t.Fatalf("secret names %v, want %v", got, want)
	}
}
