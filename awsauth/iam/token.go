package iam

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Claims are what a web identity token says about its subject, as a
// trust policy's conditions compare them: the issuer (the OIDC provider),
// sub and aud. The token's signature is STS's to check, not ours.
type Claims struct {
	Issuer   string
	Subject  string
	Audience []string
	// Expires is the exp claim; zero without one.
	Expires time.Time
}

// ReadToken reads the claims of a JWT (header.payload.signature). A token
// that is no JWT is an error that quotes nothing of it.
func ReadToken(token []byte) (Claims, error) {
	parts := bytes.Split(bytes.TrimSpace(token), []byte("."))
	if len(parts) != 3 {
		return Claims{}, fmt.Errorf("the web identity token is not a JWT (%d parts, want 3)", len(parts))
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(string(parts[1]), "="))
	if err != nil {
		return Claims{}, errors.New("the web identity token's payload is not base64url")
	}
	var raw struct {
		Iss string          `json:"iss"`
		Sub string          `json:"sub"`
		Aud json.RawMessage `json:"aud"`
		Exp json.Number     `json:"exp"`
	}
	if err := json.Unmarshal(payload, &raw); err != nil {
		return Claims{}, errors.New("the web identity token's payload is not JSON")
	}
	c := Claims{Issuer: raw.Iss, Subject: raw.Sub}
	if raw.Exp != "" {
		exp, err := raw.Exp.Float64()
		if err != nil {
			return Claims{}, errors.New("the web identity token's exp is not a number")
		}
		c.Expires = time.Unix(int64(exp), 0)
	}
	var one string
	if json.Unmarshal(raw.Aud, &one) == nil {
		c.Audience = []string{one}
	} else if json.Unmarshal(raw.Aud, &c.Audience) != nil && len(raw.Aud) > 0 {
		return Claims{}, errors.New("the web identity token's aud is neither a string nor a list")
	}
	return c, nil
}

// IRSANotes compares the claims with what an IRSA trust policy requires
// (Trust("irsa", …)): sub system:serviceaccount:NAMESPACE:NAME and aud
// sts.amazonaws.com. Each note is a mismatch, said as what to fix.
func (c Claims) IRSANotes() []string {
	var notes []string
	if !slices.Contains(c.Audience, "sts.amazonaws.com") {
		notes = append(notes, fmt.Sprintf("aud is %q, not sts.amazonaws.com: the projected token's audience must be sts.amazonaws.com (EKS's pod identity webhook sets it), or the trust policy's :aud condition must name it", strings.Join(c.Audience, ",")))
	}
	if parts := strings.Split(c.Subject, ":"); len(parts) != 4 || parts[0] != "system" || parts[1] != "serviceaccount" {
		notes = append(notes, fmt.Sprintf("sub %q is no Kubernetes service account (system:serviceaccount:NAMESPACE:NAME)", c.Subject))
	}
	return notes
}

// ServiceAccount is the namespace and name of an IRSA token's subject.
func (c Claims) ServiceAccount() (namespace, name string, ok bool) {
	parts := strings.Split(c.Subject, ":")
	if len(parts) != 4 || parts[0] != "system" || parts[1] != "serviceaccount" {
		return "", "", false
	}
	return parts[2], parts[3], true
}
