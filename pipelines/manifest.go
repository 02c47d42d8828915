package pipelines

import "time"

// Version is crmbatch's version, recorded in every manifest.
var Version = "0.1.0-dev"

// Manifest is the record of one run, published as runs/as_of=<date>/manifest.json.
type Manifest struct {
	Tool         string            `json:"tool"`
	Version      string            `json:"version"`
	RunID        string            `json:"run_id"`
	AsOf         string            `json:"as_of"`
	Status       string            `json:"status"`
	StartedAt    time.Time         `json:"started_at"`
	FinishedAt   time.Time         `json:"finished_at"`
	Seconds      float64           `json:"seconds"`
	ConfigPath   string            `json:"config_path,omitempty"`
	ConfigSHA256 string            `json:"config_sha256"`
	Versions     map[string]string `json:"versions"`
	Inputs       []*TableLoad      `json:"inputs"`
	Outputs      []Output          `json:"outputs"`
	Stages       []StageRecord     `json:"stages"`
	Warnings     []string          `json:"warnings,omitempty"`
	// Alerts are monitoring thresholds the run crossed; the command exits
	// with code 4 when there are any.
	Alerts []string `json:"alerts,omitempty"`

	// RejectSamples holds up to three quarantined rows per table and rule,
	// for the command line; the full list is the rejects output.
	RejectSamples []RejectSample `json:"-"`
}

// RejectSample is one quarantined row, as the rejects output has it.
type RejectSample struct {
	Table, File, Column, Rule, Reason string
	Line                              int64
}

// StageRecord is one stage's timing and outcome. A skipped stage says why.
type StageRecord struct {
	Name    string  `json:"name"`
	Status  string  `json:"status"` // ok, skipped or failed
	Seconds float64 `json:"seconds"`
	// CPUSeconds is the CPU time of the whole process during the stage
	// (Go and DuckDB threads): with 2 cores it can reach twice Seconds.
	CPUSeconds float64 `json:"cpu_seconds,omitempty"`
	// PeakRSSMB is the process's peak resident memory during the stage, in
	// MiB (Linux; elsewhere the peak since the process started).
	PeakRSSMB float64 `json:"peak_rss_mb,omitempty"`
	Note      string  `json:"note,omitempty"`
}
