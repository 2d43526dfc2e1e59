package s3archive

import (
	"fmt"
	"strings"
	"time"
)

// Layout is how object keys are built:
//
//	PREFIX/PARTITION/FILEPREFIXSIGNAL_SUFFIX.EXT
//
// where PARTITION is Partition, an strftime pattern, formatted with the
// batch's opening time in UTC. An empty Prefix or Partition is left out
// with its slash.
type Layout struct {
	Prefix     string
	Partition  string
	FilePrefix string
}

// DefaultPartition is Hive-style, so that Athena and Glue find
// year/month/day/hour/minute as partition columns.
const DefaultPartition = "year=%Y/month=%m/day=%d/hour=%H/minute=%M"

// Key is the object key of a batch of signal opened at t.
func (l Layout) Key(t time.Time, signal, suffix, ext string) string {
	var parts []string
	if p := strings.Trim(l.Prefix, "/"); p != "" {
		parts = append(parts, p)
	}
	if l.Partition != "" {
		parts = append(parts, strings.Trim(strftime(l.Partition, t.UTC()), "/"))
	}
	parts = append(parts, l.FilePrefix+signal+"_"+suffix+"."+ext)
	return strings.Join(parts, "/")
}

// strftimeVerbs are the directives Partition may use.
var strftimeVerbs = map[byte]func(time.Time) string{
	'Y': func(t time.Time) string { return fmt.Sprintf("%04d", t.Year()) },
	'y': func(t time.Time) string { return fmt.Sprintf("%02d", t.Year()%100) },
	'm': func(t time.Time) string { return fmt.Sprintf("%02d", int(t.Month())) },
	'd': func(t time.Time) string { return fmt.Sprintf("%02d", t.Day()) },
	'H': func(t time.Time) string { return fmt.Sprintf("%02d", t.Hour()) },
	'M': func(t time.Time) string { return fmt.Sprintf("%02d", t.Minute()) },
	'S': func(t time.Time) string { return fmt.Sprintf("%02d", t.Second()) },
	'j': func(t time.Time) string { return fmt.Sprintf("%03d", t.YearDay()) },
}

func strftime(f string, t time.Time) string {
	var b strings.Builder
	for i := 0; i < len(f); i++ {
		if f[i] == '%' && i+1 < len(f) {
			if verb, ok := strftimeVerbs[f[i+1]]; ok {
				b.WriteString(verb(t))
				i++
				continue
			}
		}
		b.WriteByte(f[i])
	}
	return b.String()
}

// CheckPartition reports the first directive of f that Key would not
// replace, and characters S3 keys should not hold.
func CheckPartition(f string) error {
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			continue
		}
		if i+1 == len(f) {
			return fmt.Errorf("ends in a lone %%")
		}
		if _, ok := strftimeVerbs[f[i+1]]; !ok {
			return fmt.Errorf("%%%c is not a directive this exporter knows: use %%Y %%y %%m %%d %%H %%M %%S or %%j", f[i+1])
		}
		i++
	}
	return CheckKeyPart(strftime(f, time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC)))
}

// CheckKeyPart refuses what would make a key hard to use: characters
// outside S3's safe set (letters, digits, ! - _ . * ' ( ) / and =, which
// Hive partitions use), empty or dot segments.
func CheckKeyPart(s string) error {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("!-_.*'()/=", c)) {
			return fmt.Errorf("%q is not in S3's safe key characters (letters, digits and ! - _ . * ' ( ) / =)", c)
		}
	}
	for _, seg := range strings.Split(strings.Trim(s, "/"), "/") {
		if seg == "." || seg == ".." || (seg == "" && strings.Trim(s, "/") != "") {
			return fmt.Errorf("has an empty, . or .. segment")
		}
	}
	return nil
}
