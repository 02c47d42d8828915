package config

import (
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// FuzzParseConfig checks that Parse never panics on any YAML, that every
// refusal says something, and that an accepted configuration validates
// again unchanged and survives a YAML round trip (what the manifest's
// config hash is computed from). The seed corpus is in
// testdata/fuzz/FuzzParseConfig.
func FuzzParseConfig(f *testing.F) {
	f.Add(GeneratedYAML(time.Date(2025, 12, 30, 0, 0, 0, 0, time.UTC), "out"))
	f.Add([]byte("sources:\n  orders: {files: [o.csv], columns: {revenue: \"Quantity * UnitPrice\"}, types: {Quantity: DOUBLE}}\nsegments:\n  vip: {filter: \"customer_lifetime_value > 500\"}\n"))
	f.Add([]byte("as_of: 2024-02-30\nthreads: -1\nmax_reject_share: 2\nsources: {}\n"))
	f.Add([]byte("sources:\n  orders: {files: [o.csv], delimiter: \";\", decimal: \",\", encoding: windows-1257, date_format: \"%d.%m.%Y\"}\nretention: {keep_runs: 3}\nmonitoring: {psi_threshold: 0.2}\n"))
	f.Add([]byte("sources: &a {orders: *a}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Parse(b, "/data")
		if err != nil {
			if strings.TrimSpace(err.Error()) == "" {
				t.Fatalf("Parse(%q): empty error", b)
			}
			return
		}
		before, err := yaml.Marshal(c)
		if err != nil {
			t.Fatalf("Parse(%q) accepted a config that does not marshal: %v", b, err)
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("Parse(%q) accepted a config that does not validate again: %v", b, err)
		}
		if after, _ := yaml.Marshal(c); string(after) != string(before) {
			t.Fatalf("validating again changed the config:\n%s\nthen\n%s", before, after)
		}
		c2, err := Parse(before, "/data")
		if err != nil {
			t.Fatalf("Parse(%q) accepted; its YAML round trip\n%s\nis refused: %v", b, before, err)
		}
		if again, _ := yaml.Marshal(c2); string(again) != string(before) {
			t.Fatalf("the YAML round trip changed the config:\n%s\nthen\n%s", before, again)
		}
	})
}
