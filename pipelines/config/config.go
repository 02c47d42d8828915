// Package config reads and checks crmbatch's YAML configuration: where the
// CRM extracts are, how their columns map onto the input contract, and the
// settings of every stage.
//
// A zero field means its documented default; Validate fills the defaults in
// and reports every problem with the setting's name and what to do.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is a whole crmbatch configuration.
type Config struct {
	// AsOf is the run's as-of date (YYYY-MM-DD). Data after it is ignored.
	// Empty means today; the --as-of flag overrides it.
	AsOf string `yaml:"as_of"`
	// TimeUnit is the unit of frequency/recency/T for the lifetime models:
	// "days" (default) or "weeks".
	TimeUnit string `yaml:"time_unit"`
	// Output is the output root; default "crmbatch-out" beside the config
	// file. Runs are published under <output>/<table>/as_of=YYYY-MM-DD/.
	Output string `yaml:"output"`
	// Database is the DuckDB file; default <output>/crmbatch.duckdb.
	Database string `yaml:"database"`
	// MemoryLimit is DuckDB's memory_limit, e.g. "4GB"; default "4GB". DuckDB
	// spills to disk rather than fail when a step needs more.
	MemoryLimit string `yaml:"memory_limit"`
	// Threads is DuckDB's thread count; 0 means all cores.
	Threads int `yaml:"threads"`
	// Currency is the ISO 4217 code of the money amounts in the inputs
	// (EUR, USD, GBP, ...): the report, the column comments and crmbatch
	// schema state it. Empty states no currency.
	Currency string `yaml:"currency"`
	// MaxRejectShare is the share of rejected rows, per table, above which the
	// run fails without publishing; default 0.05. Rows excluded because they
	// are dated after the as-of date do not count.
	MaxRejectShare *float64 `yaml:"max_reject_share"`
	// IDCase folds identifiers (customer_id, order_id, ...) to "upper" or
	// "lower" case, so that C1 and c1 are one customer; empty keeps them as
	// written. Identifiers are trimmed of surrounding blanks either way.
	IDCase string `yaml:"id_case"`
	// MinDate is the earliest plausible date of an event (an order, a
	// signup, an interaction, ...), YYYY-MM-DD; rows dated before it are
	// quarantined as implausible_date. Default 1970-01-01.
	MinDate string `yaml:"min_date"`
	// Sources maps canonical table names (customers, orders, interactions,
	// leads, opportunities, subscriptions) to their source files.
	Sources map[string]*Source `yaml:"sources"`
	// CLV configures the lifetime-value stage.
	CLV CLV `yaml:"clv"`
	// Churn configures the churn-risk stage (see scoring.go).
	Churn Churn `yaml:"churn"`
	// Leads configures lead scoring (see scoring.go).
	Leads Leads `yaml:"leads"`
	// Opportunities configures opportunity win probabilities (see scoring.go).
	Opportunities Opportunities `yaml:"opportunities"`
	// Portfolio configures RFM, clusters, profitability and lifecycle (see portfolio.go).
	Portfolio Portfolio `yaml:"portfolio"`
	// Expansion configures affinity rules and next best offers (see expansion.go).
	Expansion Expansion `yaml:"expansion"`
	// Funnel configures the sales funnel (see funnel.go).
	Funnel Funnel `yaml:"funnel"`
	// Segments are named marketer segments: filter expressions over the
	// published customer table (see segments.go).
	Segments map[string]*Segment `yaml:"segments"`
	// Monitoring sets the drift and quality alert thresholds (see operations.go).
	Monitoring Monitoring `yaml:"monitoring"`
	// Retention sets how many published runs are kept (see operations.go).
	Retention Retention `yaml:"retention"`

	// Dir is the folder relative paths are resolved against: the config
	// file's folder, or the working directory.
	Dir string `yaml:"-"`
	// Path is the config file, empty for a built-in configuration.
	Path string `yaml:"-"`
}

// Source describes where one canonical table comes from.
type Source struct {
	// Files are paths or glob patterns, relative to the config file.
	Files []string `yaml:"files"`
	// Format is csv, parquet or json (newline-delimited); default from the
	// first file's extension (.csv, .csv.gz, .txt, .tsv, .parquet, .json,
	// .jsonl, .ndjson).
	Format string `yaml:"format"`
	// Delimiter separates CSV fields; default ",". Use "\t" for tabs.
	Delimiter string `yaml:"delimiter"`
	// Decimal is the decimal separator of numbers: "." (default) or ",".
	Decimal string `yaml:"decimal"`
	// DateFormat is a strptime format for DATE columns, e.g. "%d.%m.%Y";
	// default ISO (YYYY-MM-DD).
	DateFormat string `yaml:"date_format"`
	// TimestampFormat is a strptime format for TIMESTAMP columns, e.g.
	// "%d.%m.%Y %H:%M"; default ISO.
	TimestampFormat string `yaml:"timestamp_format"`
	// Header says whether the first line names the columns; default true.
	Header *bool `yaml:"header"`
	// Quote is the CSV quote character; default `"`.
	Quote string `yaml:"quote"`
	// Encoding of the file: utf-8 (default), windows-1257, windows-1252,
	// iso-8859-1 (latin-1), iso-8859-13, iso-8859-15, utf-16 (with BOM),
	// utf-16le, utf-16be. Other encodings are transcoded to UTF-8 first.
	Encoding string `yaml:"encoding"`
	// Columns maps canonical columns to the source's own: a column name, or a
	// SQL expression over the source columns (e.g. "Quantity * UnitPrice").
	// Canonical columns that the source already has by name need no entry.
	Columns map[string]string `yaml:"columns"`
	// Types forces DuckDB types on source columns that are not mapped
	// directly (for expressions over dirty columns), e.g. {UnitPrice: DOUBLE}.
	Types map[string]string `yaml:"types"`
	// Where keeps only the source rows for which this SQL condition over
	// the source's columns is true (e.g. "CustomerID IS NOT NULL" for the
	// guest lines of a transaction log). The other rows are counted as
	// filtered in the manifest, not quarantined: they are not errors and do
	// not count against max_reject_share. Empty keeps every row.
	Where string `yaml:"where"`
}

// CLV configures the lifetime-value models.
type CLV struct {
	// HorizonMonths is the CLV and expected-purchases horizon in calendar
	// months; default 12.
	HorizonMonths int `yaml:"horizon_months"`
	// AnnualDiscountRate discounts future margin; default 0.10.
	AnnualDiscountRate *float64 `yaml:"annual_discount_rate"`
	// Margin is the gross margin applied to expected spend when orders carry
	// no cost; default: the observed margin, else 1.
	Margin *float64 `yaml:"margin"`
	// Models are "bgnbd", "paretonbd" or both (default both; the one with the
	// lower holdout error is published).
	Models []string `yaml:"models"`
	// HoldoutDays is the holdout window of the nightly evaluation; default
	// 90 days, 0 disables it.
	HoldoutDays *int `yaml:"holdout_days"`
	// SubscriptionPeriod is the renewal period of subscriptions for the
	// shifted-beta-geometric model: "month" (default) or "year".
	SubscriptionPeriod string `yaml:"subscription_period"`
	// TimeUnit "periods" fits the discrete-time BG/BB (Fader, Hardie &
	// Shang 2010) instead of BG/NBD and Pareto/NBD: customers who can buy
	// at most once per Period (yearly donations, events). Empty means the
	// run's time_unit (continuous time).
	TimeUnit string `yaml:"time_unit"`
	// Period is the length of one BG/BB transaction opportunity: "year"
	// (default), "quarter", "month" or "week" (calendar periods).
	Period string `yaml:"period"`
	// Covariates are time-invariant customer-table columns entering the
	// purchase rate and the dropout process of BG/NBD and Pareto/NBD
	// (CLVTools / PyMC-Marketing style). Empty: no covariates.
	Covariates Covariates `yaml:"covariates"`
}

// Covariates names customer-table columns (text columns are categorical)
// that shift the purchase rate and the dropout process by exp(x'beta).
type Covariates struct {
	Purchase []string `yaml:"purchase"`
	Dropout  []string `yaml:"dropout"`
}

// Any reports whether any covariate is configured.
func (c Covariates) Any() bool { return len(c.Purchase)+len(c.Dropout) > 0 }

// PeriodDays is the mean length in days of a BG/BB period (clv.period).
func (c *CLV) PeriodDays() float64 {
	switch c.Period {
	case "week":
		return 7
	case "month":
		return 365.25 / 12
	case "quarter":
		return 365.25 / 4
	}
	return 365.25
}

// Load reads and validates the configuration file at path.
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	c, err := Parse(b, filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	c.Path = path
	return c, nil
}

// Parse decodes and validates a YAML configuration; dir is the folder that
// relative paths are resolved against.
func Parse(b []byte, dir string) (*Config, error) {
	c := &Config{}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var keyErrs []string // unknown keys and values of the wrong kind: reported with the rest
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return nil, fmt.Errorf("%v (see the configuration reference in README.md)", err)
		}
		keyErrs = explainYAML(err)
	}
	c.Dir = dir
	if err := c.Validate(); err != nil || len(keyErrs) > 0 {
		if err != nil {
			keyErrs = append(keyErrs, err.Error())
		}
		return nil, errors.New(strings.Join(keyErrs, "\n"))
	}
	return c, nil
}

// Validate fills in defaults and checks every setting. The error lists all
// problems found, one per line, each naming its setting.
func (c *Config) Validate() error {
	var errs []string
	bad := func(format string, a ...any) { errs = append(errs, fmt.Sprintf(format, a...)) }
	if c.TimeUnit == "" {
		c.TimeUnit = "days"
	}
	if c.TimeUnit != "days" && c.TimeUnit != "weeks" {
		bad("time_unit: %q is not days or weeks", c.TimeUnit)
	}
	if c.AsOf != "" {
		if _, err := time.Parse(time.DateOnly, c.AsOf); err != nil {
			bad("as_of: %q is not a date like 2024-03-31", c.AsOf)
		}
	}
	if c.Output == "" {
		c.Output = "crmbatch-out"
	}
	if c.MemoryLimit == "" {
		c.MemoryLimit = "4GB"
	}
	if c.Threads < 0 {
		bad("threads: %d is negative; use 0 for all cores", c.Threads)
	}
	if c.MaxRejectShare == nil {
		v := 0.05
		c.MaxRejectShare = &v
	} else if *c.MaxRejectShare < 0 || *c.MaxRejectShare > 1 {
		bad("max_reject_share: %v is not between 0 and 1", *c.MaxRejectShare)
	}
	if len(c.Sources) == 0 {
		bad("sources: none given; name at least orders (and customers) with their files")
	}
	names := make([]string, 0, len(c.Sources))
	for name := range c.Sources {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		t := TableByName(name)
		if t == nil {
			bad("sources.%s: unknown table; the tables are %s", name, tableNames())
			continue
		}
		if c.Sources[name] == nil {
			bad("sources.%s: empty; give its files, e.g. sources.%s: {files: [%s.csv]}", name, name, name)
			continue
		}
		for _, e := range c.Sources[name].validate(t) {
			bad("sources.%s.%s", name, e)
		}
	}
	for _, t := range Contract {
		if t.Needed && c.Sources[t.Name] == nil {
			bad("sources.%s: missing; a run needs at least the %s table", t.Name, t.Name)
		}
	}
	errs = append(errs, c.validateInput()...)
	errs = append(errs, c.validateCurrency()...)
	errs = append(errs, c.CLV.validate()...)
	errs = append(errs, c.Churn.validate()...)
	errs = append(errs, c.Leads.validate()...)
	errs = append(errs, c.Opportunities.validate()...)
	errs = append(errs, c.Portfolio.validate()...)
	errs = append(errs, c.Expansion.validate()...)
	errs = append(errs, c.Funnel.validate()...)
	errs = append(errs, validateSegments(c.Segments)...)
	errs = append(errs, c.Monitoring.validate()...)
	errs = append(errs, c.Retention.validate()...)
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "\n"))
	}
	return nil
}

func tableNames() string {
	var s []string
	for _, t := range Contract {
		s = append(s, t.Name)
	}
	return strings.Join(s, ", ")
}

// Resolve returns p relative to the config's folder, unless p is absolute.
func (c *Config) Resolve(p string) string {
	if p == "" || filepath.IsAbs(p) || c.Dir == "" {
		return p
	}
	return filepath.Join(c.Dir, p)
}

// OutputRoot is the resolved output root.
func (c *Config) OutputRoot() string { return c.Resolve(c.Output) }

// DatabasePath is the resolved DuckDB file.
func (c *Config) DatabasePath() string {
	if c.Database != "" {
		return c.Resolve(c.Database)
	}
	return filepath.Join(c.OutputRoot(), "crmbatch.duckdb")
}

// UnitDays is the length of the time unit in days.
func (c *Config) UnitDays() float64 {
	if c.TimeUnit == "weeks" {
		return 7
	}
	return 1
}

// AsOfDate returns the as-of date: the config's, or today (UTC) when empty.
func (c *Config) AsOfDate(now time.Time) time.Time {
	if c.AsOf == "" {
		y, m, d := now.UTC().Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	t, _ := time.Parse(time.DateOnly, c.AsOf)
	return t
}
