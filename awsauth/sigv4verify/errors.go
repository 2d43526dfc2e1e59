package sigv4verify

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"time"
)

// Error is an AWS error answer.
type Error struct {
	Status  int
	Code    string
	Message string
	// JSON picks the REST-JSON shape; otherwise the query/XML one.
	JSON bool
	// CanonicalRequest is what the verifier expected, on a signature mismatch.
	CanonicalRequest string
	// Date is the server's clock, sent in the Date header.
	Date time.Time
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Write sends the error as the service would.
func (e *Error) Write(w http.ResponseWriter) {
	date := e.Date
	if date.IsZero() {
		date = time.Now()
	}
	w.Header().Set("Date", date.UTC().Format(http.TimeFormat))
	id := RequestID()
	w.Header().Set("X-Amzn-RequestId", id)
	if e.JSON {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-ErrorType", e.Code+":http://internal.amazon.com/coral/com.amazon.coral.service/")
		w.WriteHeader(e.Status)
		_ = json.NewEncoder(w).Encode(map[string]string{"message": e.Message})
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(e.Status)
	kind := "Sender"
	if e.Status >= 500 {
		kind = "Receiver"
	}
	type errorBody struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	}
	_ = xml.NewEncoder(w).Encode(struct {
		XMLName   xml.Name  `xml:"ErrorResponse"`
		Xmlns     string    `xml:"xmlns,attr"`
		Error     errorBody `xml:"Error"`
		RequestID string    `xml:"RequestId"`
	}{Xmlns: "https://sts.amazonaws.com/doc/2011-06-15/", Error: errorBody{kind, e.Code, e.Message}, RequestID: id})
}

// HangUp drops the connection without an answer, as an endpoint that
// accepts and then fails does.
func HangUp(w http.ResponseWriter) {
	if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
		conn.Close()
	}
}
