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
	"os"
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

// telemetry is 32 MiB of records shaped like OTLP JSON log records
// (repetitive keys, varying values, about 1 KiB each), per of them in a
// record: one a Loki line, 64 a batch from otelcol.processor.batch.
func telemetry(per int) [][]byte {
	r := rand.New(rand.NewPCG(1, 2))
	recs := make([][]byte, (32<<10)/per)
	for i := range recs {
		for range per {
			if len(recs[i]) > 0 {
				recs[i] = append(recs[i], ',')
			}
			recs[i] = append(recs[i], fmt.Sprintf(`{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"checkout-%d"}},{"key":"k8s.pod.name","value":{"stringValue":"checkout-7d9f8-%x"}}]},"scopeLogs":[{"logRecords":[{"timeUnixNano":"%d","severityText":"INFO","body":{"stringValue":"GET /api/v1/cart/%x 200 %dms user=%x trace=%016x%016x"},"attributes":[{"key":"http.method","value":{"stringValue":"GET"}},{"key":"http.status_code","value":{"intValue":"200"}},{"key":"loki.attribute.labels","value":{"stringValue":"job,namespace,pod"}}]}]}]}`,
				r.IntN(8), r.Uint32(), time.Now().UnixNano()+int64(i), r.Uint64(), r.IntN(900), r.Uint32(), r.Uint64(), r.Uint64())...)
		}
	}
	return recs
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// resetter is a compressor that can start again on another writer.
type resetter interface {
	io.WriteCloser
	Reset(io.Writer)
}

// newFloor makes the compressor floor reuses, as the archive reuses its
// own.
func newFloor(compression string) resetter {
	if compression == s3archive.Gzip {
		return gzip.NewWriter(io.Discard)
	}
	z, _ := zstd.NewWriter(io.Discard, zstd.WithEncoderConcurrency(1))
	return z
}

// floor is the least any archiver does with these bytes: compress them,
// and hash what it sends for the signature (SHA-256) and the checksum
// (CRC32).
func floor(z resetter, recs [][]byte) {
	sum, crc := sha256.New(), crc32.NewIEEE()
	z.Reset(io.MultiWriter(sum, crc))
	for _, r := range recs {
		_, _ = z.Write(r)
	}
	z.Close()
	sum.Sum(nil)
}

// durable is the least a spool does that keeps what Append accepted
// through a kill -9: each record in the kernel's page cache before Append
// returns, one write(2) each, and the file removed once uploaded. The
// floor does not count it; x-floor+durable does.
func durable(b *testing.B, recs [][]byte) {
	f, err := os.CreateTemp(b.TempDir(), "durable")
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range recs {
		if _, err := f.Write(r); err != nil {
			b.Fatal(err)
		}
	}
	f.Close()
	os.Remove(f.Name())
}

// BenchmarkArchive archives 32 MiB of records (8 MiB batches), of 1 KiB
// and of 64 KiB, from Append to a signed PUT whose body is read to the
// end, and the floor of the same bytes; it reports CPU seconds per GiB of
// each and their ratio (goal: x-floor at most 1.3), the largest heap seen
// (each MiB) against the batch size (memory bounded by batch size times
// uploads in flight: one), above the heap the records themselves take,
// the bytes sent per byte archived, and the archive against the floor plus
// what keeping each record through a kill -9 costs at the least.
func BenchmarkArchive(b *testing.B) {
	format := s3archive.Format{Name: "otlp_json", ContentType: "application/json", Ext: "json", Head: []byte(`{"resourceLogs":[`), Sep: []byte(","), Tail: []byte("]}")}
	a, err := awsauth.New(awsauth.Config{Credentials: chain.Config{Region: "us-east-1", AccessKeyID: keyID, SecretAccessKey: secret}}, awsauth.Options{})
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		compression string
		per         int
	}{{s3archive.Gzip, 1}, {s3archive.Gzip, 64}, {s3archive.Zstd, 1}, {s3archive.Zstd, 64}} {
		compression := c.compression
		recs := telemetry(c.per)
		var total int64
		for _, r := range recs {
			total += int64(len(r))
		}
		b.Run(fmt.Sprintf("%s/%dKiB", compression, c.per), func(b *testing.B) {
			b.SetBytes(total)
			b.ReportAllocs()
			z := newFloor(compression)
			var archiveCPU, floorCPU, durableCPU time.Duration
			var peak uint64
			var sent int64
			runtime.GC()
			var base runtime.MemStats
			runtime.ReadMemStats(&base)
			arc, err := s3archive.Open(s3archive.Options{
				Dir: b.TempDir(), Compression: compression, BatchBytes: 8 << 20, BatchAge: time.Hour,
				Bucket: s3archive.Bucket{Name: "archive", Region: "us-east-1"}, Transport: a.Transport(sink{}, "s3"),
			})
			if err != nil {
				b.Fatal(err)
			}
			for i := 0; i < b.N; i++ {
				runtime.GC()
				start := cpuTime()
				var since int
				for _, r := range recs {
					if err := arc.Append("logs", format, r); err != nil {
						b.Fatal(err)
					}
					if since += len(r); since >= 1<<20 { // every MiB archived
						since = 0
						var m runtime.MemStats
						runtime.ReadMemStats(&m)
						peak = max(peak, m.HeapInuse)
					}
				}
				if err := arc.Flush(context.Background()); err != nil {
					b.Fatal(err)
				}
				archiveCPU += cpuTime() - start
				st := arc.Stats()
				if st.Records != int64(len(recs)*(i+1)) || st.SpoolBytes != 0 {
					b.Fatalf("uploaded %d records of %d; %d bytes left in the spool", st.Records, len(recs)*(i+1), st.SpoolBytes)
				}
				sent = st.Bytes
				start = cpuTime()
				floor(z, recs)
				floorCPU += cpuTime() - start
				start = cpuTime()
				durable(b, recs)
				durableCPU += cpuTime() - start
			}
			gib := float64(total) * float64(b.N) / (1 << 30)
			b.ReportMetric(archiveCPU.Seconds()/gib, "cpu-s/GiB")
			b.ReportMetric(floorCPU.Seconds()/gib, "floor-cpu-s/GiB")
			b.ReportMetric(float64(archiveCPU)/float64(floorCPU), "x-floor")
			b.ReportMetric(durableCPU.Seconds()/gib, "durable-cpu-s/GiB")
			b.ReportMetric(float64(archiveCPU)/float64(floorCPU+durableCPU), "x-floor+durable")
			b.ReportMetric(float64(peak-min(peak, base.HeapInuse))/(8<<20), "peak-heap/batch")
			b.ReportMetric(float64(sent)/float64(total*int64(b.N)), "sent/archived")
		})
	}
}
