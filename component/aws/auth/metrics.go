package auth

import (
	"strconv"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/classify"
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are aws.auth's Prometheus metrics. None carries a secret.
type metrics struct {
	signedTotal    *prometheus.CounterVec
	responsesTotal *prometheus.CounterVec
	refreshesTotal *prometheus.CounterVec
	signDuration   prometheus.Histogram
	gatewayRefused *prometheus.CounterVec
	gatewayForeign prometheus.Counter
}

func newMetrics(reg prometheus.Registerer, c *Component) *metrics {
	m := &metrics{
		signedTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aws_auth_signed_requests_total",
			Help: "Requests signed, by AWS service.",
		}, []string{"service"}),
		responsesTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aws_auth_responses_total",
			Help: "Responses to signed requests, by service, status class (2xx, 4xx, 5xx, or error for no response) and AWS error code.",
		}, []string{"service", "status_class", "error_code"}),
		refreshesTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aws_auth_credential_refreshes_total",
			Help: "Credential refreshes, by result (success or failure) and error class.",
		}, []string{"result", "error_class"}),
		signDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "aws_auth_signing_duration_seconds",
			Help:    "Time spent signing a request, excluding the body hash.",
			Buckets: []float64{1e-6, 5e-6, 1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 1e-2},
		}),
		gatewayRefused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aws_auth_gateway_refused_total",
			Help: "Requests the signing gateway refused, by reason.",
		}, []string{"reason"}),
		gatewayForeign: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "aws_auth_gateway_foreign_requests_total",
			Help: "Requests the signing gateway signed for a host none of the agent's components writes to; their answers do not change health.",
		}),
	}
	expiry := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "aws_auth_credentials_expiry_timestamp_seconds",
		Help: "When the current credentials expire, as a Unix timestamp; 0 when they do not expire or there are none.",
	}, func() float64 {
		s := c.cur.Load().auth.Status().Credentials
		if !s.CanExpire {
			return 0
		}
		return float64(s.Expires.Unix())
	})
	// For an alert days ahead: a certificate is renewed by another system,
	// and when it lapses every refresh fails.
	certificate := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "aws_auth_certificate_expiry_timestamp_seconds",
		Help: "When the IAM Roles Anywhere certificate in use stops being valid, as a Unix timestamp; 0 without Roles Anywhere or before the certificate was first read.",
	}, func() float64 {
		if cert := c.cur.Load().auth.Status().Certificate; cert != nil {
			return float64(cert.NotAfter.Unix())
		}
		return 0
	})
	offset := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "aws_auth_clock_offset_seconds",
		Help: "AWS's clock minus the local clock, as learned from clock-skew answers.",
	}, func() float64 { return c.cur.Load().auth.ClockOffset().Seconds() })
	for _, col := range []prometheus.Collector{m.signedTotal, m.responsesTotal, m.refreshesTotal, m.signDuration, m.gatewayRefused, m.gatewayForeign, expiry, certificate, offset} {
		reg.MustRegister(col)
	}
	return m
}

func (m *metrics) signed(service string, took time.Duration) {
	m.signedTotal.WithLabelValues(service).Inc()
	m.signDuration.Observe(took.Seconds())
}

// response counts an answer; service and code come bounded from
// stats.Stats (classify.ServiceLabel, classify.CodeLabel).
func (m *metrics) response(service string, status int, code string) {
	class := "error"
	if status > 0 {
		class = strconv.Itoa(status/100) + "xx"
	}
	m.responsesTotal.WithLabelValues(service, class, code).Inc()
}

func (m *metrics) refreshed(err error) {
	if err != nil {
		m.refreshesTotal.WithLabelValues("failure", string(classify.Of(err))).Inc()
		return
	}
	m.refreshesTotal.WithLabelValues("success", "").Inc()
}
