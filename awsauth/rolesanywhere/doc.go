// Package rolesanywhere exchanges an X.509 certificate for AWS
// credentials through IAM Roles Anywhere's CreateSession, signed with the
// certificate's key by the sigv4 package (AWS4-X509-RSA-SHA256 or
// AWS4-X509-ECDSA-SHA256). The certificate, its chain and the key are read
// on every Retrieve, so a rotated certificate is used without a restart,
// and one outside its validity is refused before any call.
package rolesanywhere
