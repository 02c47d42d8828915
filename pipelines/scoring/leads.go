package scoring

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/engine/frame"
	"github.com/crmbatch/crmbatch/models/logit"
	"github.com/crmbatch/crmbatch/pipelines/batch"
	"github.com/crmbatch/crmbatch/pipelines/config"
)

// leadNumeric are the numeric lead columns of the input contract
// (free_email enters as 0/1).
var leadNumeric = map[string]bool{"pages_viewed": true, "visits": true, "time_on_site": true, "free_email": true}

// Leads is the lead-scoring stage. Leads created at least leads.window_days
// before the as-of date are labelled converted when they converted within
// the window; the model is evaluated on a stratified holdout, every feature
// is checked for leakage (solo AUC), and every unconverted lead is scored.
// It publishes lead_scores.
func Leads(ctx context.Context, b *batch.Batch) error {
	cfg := &b.Cfg.Leads
	if cfg.Disabled {
		return batch.Skip("leads.disabled is set")
	}
	if !b.Has("leads") {
		return batch.Skip("no leads table")
	}
	var raw []string
	var rawSQL string
	if len(cfg.ExtraCategorical)+len(cfg.ExtraNumeric) > 0 {
		var err error
		if rawSQL, err = leadSourceSQL(b.Cfg); err != nil {
			return err
		}
		if raw, err = b.DB.Strings(ctx, "SELECT column_name FROM (DESCRIBE SELECT * FROM "+rawSQL+")"); err != nil {
			return fmt.Errorf("leads: reading the extra columns: %w", err)
		}
		for _, name := range append(append([]string{}, cfg.ExtraCategorical...), cfg.ExtraNumeric...) {
			if !slices.Contains(raw, name) {
				return fmt.Errorf("leads.extra_categorical/extra_numeric: %q is not a column of the leads source; its columns are %s", name, strings.Join(raw, ", "))
			}
		}
	}
	f, err := b.DB.QueryFrame(ctx, leadsSQL(b, cfg, raw, rawSQL))
	if err != nil {
		return fmt.Errorf("leads: %w", err)
	}
	labelled, _ := f.Floats("_labelled")
	conv, _ := f.Floats("_converted")
	all, err := leadColumns(f, cfg)
	if err != nil {
		return err
	}
	var trainRows, openRows []int
	for i := range labelled {
		if labelled[i] == 1 {
			trainRows = append(trainRows, i)
		}
		if conv[i] == 0 {
			openRows = append(openRows, i)
		}
	}
	y := logit.Pick(conv, trainRows)
	mm := &metrics{}
	if len(trainRows) > 0 {
		// Leakage check over every candidate feature, excluded ones too.
		solo, err := logit.LeakageCheck(logit.Subset(all, trainRows), y, cfg.LeakAUC)
		if err == nil {
			for _, s := range solo {
				mm.metric("leads", "solo_auc:"+s.Name, s.AUC, "ROC AUC of the feature alone")
				if !s.Flagged {
					continue
				}
				msg := fmt.Sprintf("leads: feature %q alone has AUC %.3f (over leads.leak_auc %.2f): it may be filled in after contact and leak the outcome; add it to leads.exclude", s.Name, s.Strength, cfg.LeakAUC)
				if slices.Contains(cfg.Exclude, s.Name) {
					msg = fmt.Sprintf("leads: feature %q alone has AUC %.3f (over leads.leak_auc %.2f); it is in leads.exclude and was left out", s.Name, s.Strength, cfg.LeakAUC)
				}
				b.Warn("%s", msg)
				mm.warn("leads", "leakage:"+s.Name, msg)
			}
		}
	}
	var cols []logit.Column
	for _, c := range all {
		if !slices.Contains(cfg.Exclude, c.Name) {
			cols = append(cols, c)
		}
	}
	if len(cols) == 0 {
		return batch.Skip("leads: every feature is excluded")
	}
	m, err := train("leads", logit.Subset(cols, trainRows), y, nil, cfg.Model, mm)
	if err != nil {
		return err
	}
	mm.metric("leads", "window_days", float64(cfg.WindowDays), "conversion window")
	p, reasons, err := m.score(logit.Subset(cols, openRows))
	if err != nil {
		return err
	}
	n := len(openRows)
	ids := f.Col("lead_id")
	id, prob, score, grade := make([]string, n), make([]float64, n), make([]int64, n), make([]string, n)
	var rs [3][]string
	var rValid [3][]bool
	for k := range rs {
		rs[k], rValid[k] = make([]string, n), make([]bool, n)
	}
	for k, i := range openRows {
		id[k] = ids.Strings[i]
		if !finite(p[k]) {
			p[k] = 0.5 // cannot happen for finite features; keep outputs finite
		}
		prob[k] = p[k]
		score[k] = int64(math.Round(100 * p[k]))
		grade[k] = cfg.Grade(float64(score[k]))
		for r := range rs {
			rs[r][k], rValid[r][k] = reasons[r][k], reasons[r][k] != ""
		}
	}
	out := &frame.Frame{}
	out.Add(frame.NewString("lead_id", id, nil))
	out.Add(frame.NewFloat("conversion_probability", prob))
	out.Add(frame.NewInt("lead_score", score, nil))
	out.Add(frame.NewString("lead_grade", grade, nil))
	for r := range rs {
		out.Add(frame.NewString(fmt.Sprintf("reason_%d", r+1), rs[r], rValid[r]))
	}
	if err := b.DB.CreateTable(ctx, "scoring_lead_model", out); err != nil {
		return err
	}
	// A scratch table in the (possibly persistent) database: dropped after use.
	defer b.DB.Exec(ctx, "DROP TABLE IF EXISTS scoring_lead_model")
	lv, err := leadValueSQL(ctx, b)
	if err != nil {
		return err
	}
	lc, err := leadContactSQL(ctx, b)
	if err != nil {
		return err
	}
	if err := b.Out.CopyQuery(ctx, b.DB, "lead_scores", leadScoresSQL(b.AsOf, cfg, lv, lc)); err != nil {
		return err
	}
	return mm.save(ctx, b)
}

// leadsSQL selects every lead with its features, _labelled (old enough for
// the window) and _converted (converted within the window, or at all for
// unlabelled leads). Extra source columns come from the raw rows, joined by
// lead_id.
func leadsSQL(b *batch.Batch, cfg *config.Leads, raw []string, rawSQL string) string {
	asOf := "TIMESTAMP " + engine.Quote(b.AsOf.Format(time.DateOnly))
	cols := []string{"l.lead_id",
		fmt.Sprintf("CAST(l.created_ts <= %s - INTERVAL %d DAY AS DOUBLE) AS _labelled", asOf, cfg.WindowDays),
		fmt.Sprintf(`CAST(CASE WHEN l.created_ts <= %[1]s - INTERVAL %[2]d DAY
			THEN coalesce(l.converted, l.converted_ts IS NOT NULL) AND (l.converted_ts IS NULL OR l.converted_ts <= l.created_ts + INTERVAL %[2]d DAY)
			ELSE coalesce(l.converted, l.converted_ts IS NOT NULL) END AS DOUBLE) AS _converted`, asOf, cfg.WindowDays),
	}
	for _, name := range cfg.Features {
		if leadNumeric[name] {
			cols = append(cols, fmt.Sprintf("CAST(l.%s AS DOUBLE) AS %s", name, engine.Ident(name)))
		} else {
			cols = append(cols, fmt.Sprintf("CAST(l.%s AS VARCHAR) AS %s", name, engine.Ident(name)))
		}
	}
	join := ""
	if len(cfg.ExtraCategorical)+len(cfg.ExtraNumeric) > 0 {
		key := engine.Ident("lead_id")
		if src := b.Cfg.Sources["leads"]; src != nil && src.Columns["lead_id"] != "" {
			key = src.Columns["lead_id"] // an expression over the source columns
			for _, h := range raw {
				if strings.EqualFold(h, strings.Trim(src.Columns["lead_id"], `"`)) {
					key = engine.Ident(h)
				}
			}
		}
		var extra []string
		for _, name := range cfg.ExtraCategorical {
			extra = append(extra, fmt.Sprintf("any_value(CAST(%[1]s AS VARCHAR)) AS %[1]s", engine.Ident(name)))
			cols = append(cols, "x."+engine.Ident(name))
		}
		for _, name := range cfg.ExtraNumeric {
			extra = append(extra, fmt.Sprintf("any_value(TRY_CAST(%[1]s AS DOUBLE)) AS %[1]s", engine.Ident(name)))
			cols = append(cols, "x."+engine.Ident(name))
		}
		join = fmt.Sprintf("LEFT JOIN (SELECT CAST(%s AS VARCHAR) AS _key, %s FROM %s GROUP BY 1) x ON x._key = l.lead_id", key, strings.Join(extra, ", "), rawSQL)
	}
	return fmt.Sprintf("SELECT %s FROM leads l %s ORDER BY l.lead_id", strings.Join(cols, ",\n\t"), join)
}

// leadSourceSQL returns a table function reading the configured leads
// files as they are (CSV as text), for the extra feature columns that the
// input contract does not carry. It reads UTF-8 CSV, Parquet and JSON.
func leadSourceSQL(cfg *config.Config) (string, error) {
	src := cfg.Sources["leads"]
	if src == nil || len(src.Files) == 0 {
		return "", fmt.Errorf("leads.extra_categorical: sources.leads has no files")
	}
	if e := strings.ToLower(src.Encoding); e != "" && e != "utf-8" && e != "utf8" {
		return "", fmt.Errorf("leads.extra_categorical: sources.leads is %s; extra columns need a UTF-8 source", src.Encoding)
	}
	var files []string
	for _, f := range src.Files {
		files = append(files, engine.Quote(cfg.Resolve(f)))
	}
	list := "[" + strings.Join(files, ", ") + "]"
	format := src.Format
	if format == "" {
		switch name := strings.ToLower(src.Files[0]); {
		case strings.HasSuffix(name, ".parquet"):
			format = "parquet"
		case strings.HasSuffix(name, ".json"), strings.HasSuffix(name, ".jsonl"), strings.HasSuffix(name, ".ndjson"):
			format = "json"
		default:
			format = "csv"
		}
	}
	switch format {
	case "parquet":
		return "read_parquet(" + list + ")", nil
	case "json":
		return "read_json_auto(" + list + ")", nil
	}
	opts := []string{"all_varchar=true", fmt.Sprintf("header=%v", src.HasHeader())}
	if src.Delimiter != "" {
		opts = append(opts, "delim="+engine.Quote(src.Delimiter))
	}
	if src.Quote != "" {
		opts = append(opts, "quote="+engine.Quote(src.Quote))
	}
	return "read_csv(" + list + ", " + strings.Join(opts, ", ") + ")", nil
}

// leadColumns returns every candidate feature (excluded ones too) as model
// columns, with the configured ln(1+x) transforms.
func leadColumns(f *frame.Frame, cfg *config.Leads) ([]logit.Column, error) {
	var out []logit.Column
	for _, name := range cfg.AllFeatures() {
		numeric := leadNumeric[name] || slices.Contains(cfg.ExtraNumeric, name)
		if !numeric {
			c, err := columns(f, nil, []string{name})
			if err != nil {
				return nil, fmt.Errorf("leads: %w", err)
			}
			out = append(out, c...)
			continue
		}
		c, err := columns(f, []string{name}, nil)
		if err != nil {
			return nil, fmt.Errorf("leads: %w", err)
		}
		if slices.Contains(cfg.LogFeatures, name) {
			v := c[0].Numeric
			for i, x := range v {
				if x > -1 {
					v[i] = math.Log1p(x)
				} else {
					v[i] = math.NaN()
				}
			}
			c[0].Name = "log1p(" + name + ")"
		}
		out = append(out, c...)
	}
	return out, nil
}

// leadScoresSQL joins the model scores to the lead columns and adds the
// rule points, evaluated in SQL, and the expected value (see leadValue).
func leadScoresSQL(asOf time.Time, cfg *config.Leads, lv leadValue, lc leadContact) string {
	points, matched := "0", "NULL"
	if len(cfg.Rules) > 0 {
		var p, m []string
		for _, r := range cfg.Rules {
			p = append(p, fmt.Sprintf("CASE WHEN coalesce((%s), false) THEN %d ELSE 0 END", r.SQL, r.Points))
			m = append(m, fmt.Sprintf("CASE WHEN coalesce((%s), false) THEN %s END", r.SQL, engine.Quote(fmt.Sprintf("%s (%+d)", r.When, r.Points))))
		}
		points = strings.Join(p, " + ")
		matched = fmt.Sprintf("nullif(concat_ws('; ', %s), '')", strings.Join(m, ", "))
	}
	return fmt.Sprintf(`SELECT s.lead_id, l.created_ts,
	CAST(date_diff('day', CAST(l.created_ts AS DATE), DATE %s) AS BIGINT) AS age_days,
	l.source, %s, s.conversion_probability, s.lead_score, s.lead_grade,
	CAST(%s AS BIGINT) AS rule_points, %s AS rules_matched,
	s.reason_1, s.reason_2, s.reason_3, %s
FROM scoring_lead_model s JOIN leads l USING (lead_id)
%s %s
ORDER BY s.lead_score DESC, s.lead_id`, engine.Quote(asOf.Format(time.DateOnly)), lc.cols, points, matched, lv.cols, lv.join, lc.join)
}
