package gateway

import "net/http"

// DefaultServices are the services the gateway signs for unless
// gateway { services } says otherwise: those that receive telemetry.
//
//	aps          Amazon Managed Service for Prometheus: remote_write
//	logs         CloudWatch Logs: the OTLP logs endpoint
//	xray         X-Ray: the OTLP traces endpoint, PutTraceSegments
//	monitoring   CloudWatch: the OTLP metrics endpoint
//	es           OpenSearch Service domains: bulk and document writes
//	aoss         OpenSearch Serverless collections: bulk and document writes
//	osis         OpenSearch Ingestion pipelines: their ingestion paths
//	execute-api  API Gateway: a Loki (or any receiver) behind it
var DefaultServices = []string{"aps", "logs", "xray", "monitoring", "es", "aoss", "osis", "execute-api"}

// ForbiddenServices are never signed for, even when listed: with them a
// local client could mint or read credentials and secrets
// (sts:GetSessionToken, secretsmanager:GetSecretValue, ...) or change who
// may do what (iam).
var ForbiddenServices = []string{"sts", "iam", "sso", "sso-oauth", "signin", "kms", "secretsmanager", "ssm", "rolesanywhere"}

// DefaultMethods are what remote_write, loki.write and OpenSearch bulk
// writers send.
var DefaultMethods = []string{http.MethodPost, http.MethodPut}
