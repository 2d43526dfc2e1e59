package s3archive_test

import (
	"compress/gzip"
	"context"
	"crypto/sha256"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"net/http"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/chain"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/s3archive"
)

// sink answers every PUT 200 after reading its body, as S3 would.
type sink struct{}

func (sink) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	return &http.Response{StatusCode: 200, Body: http.NoBody, Header: http.Header{}, Request: r}, nil
}

// telemetry is n records shaped like OTLP JSON log records: repetitive
// keys, varying values, about 1 KiB each.
func telemetry(n int) [][]byte {
	r := rand.New(rand.NewPCG(1, 2))
	recs := make([][]byte, n)
	for i := range recs {
		recs[i] = []byte(fmt.Sprintf(`{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"checkout-%d"}},{"key":"k8s.pod.name","value":{"stringValue":"checkout-7d9f8-%x"}}]},"scopeLogs":[{"logRecords":[{"timeUnixNano":"%d","severityText":"INFO","body":{"stringValue":"GET /api/v1/cart/%x 200 %dms user=%x trace=%016x%016x"},"attributes":[{"key":"http.method","value":{"stringValue":"GET"}},{"key":"http.status_code","value":{"intValue":"200"}},{"key":"loki.attribute.labels","value":{"stringValue":"job,namespace,pod"}}]}]}]}`,
			r.IntN(8), r.Uint32(), time.Now().UnixNano()+int64(i), r.Uint64(), r.IntN(900), r.Uint32(), r.Uint64(), r.Uint64()))
	}
	return recs
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// floor is the least any archiver does with these bytes: compress them,
// and hash what it sends for the signature (SHA-256) and the checksum
// (CRC32).
func floor(compression string, recs [][]byte) {
	sum, crc := sha256.New(), crc32.NewIEEE()
	out := io.MultiWriter(sum, crc)
	var z io.WriteCloser
	switch compression {
	case s3archive.Gzip:
		z = gzip.NewWriter(out)
	case s3archive.Zstd:
		z, _ = zstd.NewWriter(out, zstd.WithEncoderConcurrency(1))
	}
	for _, r := range recs {
		_, _ = z.Write(r)
	}
	z.Close()
	sum.Sum(nil)
}

// BenchmarkArchive archives 32 MiB of records (8 MiB batches) from Append
// to a signed PUT whose body is read to the end, and the floor of the same
// bytes; it reports CPU seconds per GiB of each and their ratio (goal:
// x-floor at most 1.3), and the largest heap seen against the batch size
// (memory bounded by batch size times uploads in flight: one), above the
// heap the records themselves take.
func BenchmarkArchive(b *testing.B) {
	recs := telemetry(32 << 10) // 32 Ki records of ~1 KiB
	var total int64
	for _, r := range recs {
		total += int64(len(r))
	}
	format := s3archive.Format{Name: "otlp_json", ContentType: "application/json", Ext: "json", Head: []byte(`{"resourceLogs":[`), Sep: []byte(","), Tail: []byte("]}")}
	a, err := awsauth.New(awsauth.Config{Credentials: chain.Config{Region: "us-east-1", AccessKeyID: keyID, SecretAccessKey: secret}}, awsauth.Options{})
	if err != nil {
		b.Fatal(err)
	}
	for _, compression := range []string{s3archive.Gzip, s3archive.Zstd} {
		b.Run(compression, func(b *testing.B) {
			b.SetBytes(total)
			b.ReportAllocs()
			var archiveCPU, floorCPU time.Duration
			var peak uint64
			runtime.GC()
			var base runtime.MemStats
			runtime.ReadMemStats(&base)
			for i := 0; i < b.N; i++ {
				arc, err := s3archive.Open(s3archive.Options{
					Dir: b.TempDir(), Compression: compression, BatchBytes: 8 << 20, BatchAge: time.Hour,
					Bucket: s3archive.Bucket{Name: "archive", Region: "us-east-1"}, Transport: a.Transport(sink{}, "s3"),
				})
				if err != nil {
					b.Fatal(err)
				}
				start := cpuTime()
				for j, r := range recs {
					if err := arc.Append("logs", format, r); err != nil {
						b.Fatal(err)
					}
					if j%4096 == 0 {
						var m runtime.MemStats
						runtime.ReadMemStats(&m)
						peak = max(peak, m.HeapInuse)
					}
				}
				if err := arc.Flush(context.Background()); err != nil {
					b.Fatal(err)
				}
				archiveCPU += cpuTime() - start
				if st := arc.Stats(); st.Records != int64(len(recs)) {
					b.Fatalf("uploaded %d records of %d", st.Records, len(recs))
				}
				start = cpuTime()
				floor(compression, recs)
				floorCPU += cpuTime() - start
			}
			gib := float64(total) * float64(b.N) / (1 << 30)
			b.ReportMetric(archiveCPU.Seconds()/gib, "cpu-s/GiB")
			b.ReportMetric(floorCPU.Seconds()/gib, "floor-cpu-s/GiB")
			b.ReportMetric(float64(archiveCPU)/float64(floorCPU), "x-floor")
			b.ReportMetric(float64(peak-min(peak, base.HeapInuse))/(8<<20), "peak-heap/batch")
		})
	}
}
