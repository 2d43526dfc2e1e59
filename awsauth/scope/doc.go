// Package scope infers from an endpoint's host name the service and region
// a request to it is signed for, and tells AWS's own endpoints from those
// whose answers a customer writes (API Gateway, function URLs, OpenSearch).
package scope
