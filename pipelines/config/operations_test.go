package config

import (
	"strings"
	"testing"
)

func TestOperationsSettings(t *testing.T) {
	const src = "sources: {orders: {files: [o.csv]}}\n"
	c, err := Parse([]byte(src), "")
	if err != nil {
		t.Fatal(err)
	}
	want := Monitoring{PSIAlert: 0.25, RejectShareIncrease: 0.02, NullShareIncrease: 0.10, VolumeDrop: 0.5, AUCDrop: 0.05, RMSEIncrease: 0.25, LLDrop: 0.10, BaselineRuns: 7}
	if c.Monitoring != want || c.Retention.KeepRuns != 0 {
		t.Errorf("defaults %+v, retention %+v; want %+v and keep_runs 0", c.Monitoring, c.Retention, want)
	}
	c, err = Parse([]byte(src+"monitoring: {psi_alert: 0.1, baseline_runs: 3}\nretention: {keep_runs: 30}\n"), "")
	if err != nil || c.Monitoring.PSIAlert != 0.1 || c.Monitoring.BaselineRuns != 3 || c.Retention.KeepRuns != 30 {
		t.Errorf("set values: %+v %+v (%v)", c.Monitoring, c.Retention, err)
	}
	_, err = Parse([]byte(src+"monitoring: {volume_drop: 1.5, baseline_runs: -1}\nretention: {keep_runs: -2}\n"), "")
	for _, name := range []string{"monitoring.volume_drop", "monitoring.baseline_runs", "retention.keep_runs"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("error %v does not name %s", err, name)
		}
	}
}
