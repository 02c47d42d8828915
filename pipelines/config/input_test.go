package config

import (
	"strings"
	"testing"
)

// Settings of how input values are read: each mistake names its setting
// (and so exits 2, not 1 from deep inside DuckDB).
func TestInputSettings(t *testing.T) {
	cases := []struct {
		name, yaml, want string
	}{
		{"memory_limit", "memory_limit: lots", "memory_limit: \"lots\" is not a size"},
		{"memory_limit without unit", "memory_limit: \"4\"", "memory_limit: \"4\""},
		{"id_case", "id_case: title", "id_case: \"title\""},
		{"min_date", "min_date: 1970", "min_date: \"1970\""},
		{"date_format", "sources:\n  orders: {files: [o.csv], date_format: \"%d.%m.%Q\"}", "sources.orders.date_format: \"%d.%m.%Q\": %Q is not a strptime code"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			y := c.yaml
			if !strings.Contains(y, "sources:") {
				y += "\nsources:\n  orders: {files: [o.csv]}"
			}
			_, err := Parse([]byte(y), t.TempDir())
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
	c, err := Parse([]byte("memory_limit: 8 GiB\nid_case: upper\ntimestamp_format: x\nsources:\n  orders: {files: [o.csv], timestamp_format: \"%-d.%m.%Y %H:%M\"}"), t.TempDir())
	if err == nil {
		t.Fatalf("a top-level timestamp_format passed (unknown key)")
	}
	c, err = Parse([]byte("memory_limit: 8 GiB\nid_case: upper\nsources:\n  orders: {files: [o.csv], timestamp_format: \"%-d.%m.%Y %H:%M\"}"), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if c.MinDate != DefaultMinDate || c.MinDateTime().Year() != 1970 {
		t.Errorf("min_date %q, want the default %s", c.MinDate, DefaultMinDate)
	}
}
