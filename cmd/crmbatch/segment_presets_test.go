package main

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// planted are customers appended to a generated customers.csv: a formula
// in a name, an invalid email, the same email in another case, a phone in
// national format, a phone too short to be one, no consent.
var planted = [][]string{
	{"Z01", `=HYPERLINK("http://evil.example","click")`, "a1@example.org", "06 12 34 56 78", "FR", "true", "true"},
	{"Z02", `+cmd|' /C calc'!A0`, "sophie.moreau69@@example.org", "+33 6 12 34 56 79", "FR", "true", "true"},
	{"Z03", "@SUM(1+1) Smith", " A1@Example.org ", "06 12 34 56 80", "FR", "true", "false"},
	{"Z04", "-2+3 Jones", "z4@example.org", "12345", "FR", "true", "true"},
	{"Z05", "Ann Lee", "z5@example.org", "", "US", "false", "false"},
}

const presetSegments = `segments:
  planted_email:
    expression: "customer_id LIKE 'Z%'"
  planted_sms:
    expression: "customer_id LIKE 'Z%'"
    channel: sms
    columns: [customer_id, phone]
  planted_ads:
    expression: "customer_id LIKE 'Z%'"
    channel: ads
  nightly_broken:
    expression: "CAST(name AS INTEGER) > 0"
    export_on_run: true
`

// plantedData generates 300 customers, appends the planted ones and runs
// the batch; the run exits 4, since nightly_broken cannot be evaluated.
func plantedData(t *testing.T) (cfg string, dir string, run result) {
	dir = t.TempDir()
	cfg = genData(t, dir, 300, 8, presetSegments)
	f, err := os.OpenFile(filepath.Join(dir, "customers.csv"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	for _, p := range planted {
		// customer_id,name,email,phone,address,city,country,signup_date,acquisition_channel,acquisition_cost,birth_date,partner_id,email_opt_in,sms_opt_in,social_handle
		w.Write([]string{p[0], p[1], p[2], p[3], "1 Main St", "Paris", p[4], "2024-01-01", "organic", "1", "1990-01-01", "", p[5], p[6], ""})
	}
	w.Flush()
	f.Close()
	return cfg, dir, user(t, "run", "-config", cfg, "-quiet")
}

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// Issue 12, items 4 and 5, and issue 13, cases 19, 20 and 21: exports by
// channel preset, with invalid contacts and duplicates left out and
// counted, normalised and hashed identifiers, formulas defused in CSV, ad
// hoc segments with -where, and a nightly segment that fails as an alert.
func TestSegmentPresets(t *testing.T) {
	heavy(t)
	cfg, dir, r := plantedData(t)

	// Case 19: the export_on_run segment that cannot be evaluated is an
	// alert (exit 4) with a row in monitoring.
	if r.code != ExitAlerts || !strings.Contains(r.stdout, "ALERT: segments: segment nightly_broken") {
		t.Errorf("a failing export_on_run segment: %v", r)
	}
	root := filepath.Join(dir, "out")
	mon := published(t, root, "monitoring", "2025-12-30", "SELECT status, detail FROM t WHERE metric = 'segment_export' AND subject = 'nightly_broken'")
	if mon.Len() != 1 || mon.Col("status").Strings[0] != "alert" || !strings.Contains(mon.Col("detail").Strings[0], "Could not convert") {
		t.Errorf("monitoring has no alert row for the failed segment: %d rows", mon.Len())
	}
	sizes := published(t, root, "segment_sizes", "2025-12-30", "SELECT status FROM t WHERE segment = 'nightly_broken'")
	if sizes.Len() != 1 || sizes.Col("status").Strings[0] != "failed" {
		t.Errorf("segment_sizes does not mark nightly_broken failed")
	}

	// Email: one row per valid, opted-in email, lower-cased; formulas in
	// names defused.
	out := filepath.Join(dir, "email.csv")
	e := user(t, "segment", "export", "planted_email", "-config", cfg, "-out", out)
	if e.code != ExitOK {
		t.Fatalf("export: %v", e)
	}
	if !strings.Contains(e.stdout, "5 customers match, 2 exported; left out: 1 without email opt-in, 1 without a valid email, 1 sharing a contact with an exported customer") {
		t.Errorf("email counts:\n%s", e.stdout)
	}
	rows := readCSV(t, out)
	if strings.Join(rows[0], ",") != "customer_id,email,first_name,last_name,country" || len(rows) != 3 {
		t.Fatalf("email export:\n%v", rows)
	}
	if rows[1][0] != "Z01" || rows[1][1] != "a1@example.org" || rows[1][2] != `'=HYPERLINK("http://evil.example","click")` {
		t.Errorf("Z01 exported as %q", rows[1])
	}
	if rows[2][0] != "Z04" || rows[2][2] != "'-2+3" || rows[2][3] != "Jones" {
		t.Errorf("Z04 exported as %q", rows[2])
	}

	// SMS, with the columns of the segment: E.164 phones; a phone is a
	// number, not a formula, and stays as it is.
	out = filepath.Join(dir, "sms.csv")
	s := user(t, "segment", "export", "planted_sms", "-config", cfg, "-out", out)
	if s.code != ExitOK || !strings.Contains(s.stdout, "5 customers match, 2 exported; left out: 2 without SMS opt-in, 1 without a valid phone (E.164), 0 sharing") {
		t.Errorf("sms: %v", s)
	}
	rows = readCSV(t, out)
	if len(rows) != 3 || strings.Join(rows[1], ",") != "Z01,+33612345678" || strings.Join(rows[2], ",") != "Z02,+33612345679" {
		t.Errorf("sms export:\n%v", rows)
	}

	// Ads: SHA-256 of the normalised email and phone, each under its own
	// opt-in.
	out = filepath.Join(dir, "ads.csv")
	a := user(t, "segment", "export", "planted_ads", "-config", cfg, "-out", out)
	if a.code != ExitOK || !strings.Contains(a.stdout, "5 customers match, 3 exported; left out: 1 without email or SMS opt-in, 0 without a valid email or phone under its opt-in, 1 sharing") {
		t.Errorf("ads: %v", a)
	}
	rows = readCSV(t, out)
	if len(rows) != 4 || strings.Join(rows[0], ",") != "email_sha256,phone_sha256,phone_digits_sha256,country" {
		t.Fatalf("ads export:\n%v", rows)
	}
	got := map[string]bool{}
	for _, row := range rows[1:] {
		got[strings.Join(row, ",")] = true
	}
	for _, want := range []string{
		sha("a1@example.org") + "," + sha("+33612345678") + "," + sha("33612345678") + ",FR",
		"," + sha("+33612345679") + "," + sha("33612345679") + ",FR", // Z02: invalid email, phone only
	} {
		if !got[want] {
			t.Errorf("ads export lacks %s:\n%v", want, rows)
		}
	}

	// Item 5: ad hoc segments with the same rules.
	p := user(t, "segment", "preview", "-where", "customer_id IN ('Z01', 'Z05')", "-config", cfg)
	if p.code != ExitOK || !strings.Contains(p.stdout, "segment ad-hoc (email) as of 2025-12-30: 2 customers match, 1 exported") {
		t.Errorf("preview -where: %v", p)
	}
	out = filepath.Join(dir, "adhoc.parquet")
	x := user(t, "segment", "export", "-where", "customer_id = 'Z01'", "-name", "one", "-channel", "sms", "-format", "parquet", "-out", out, "-config", cfg)
	if x.code != ExitOK || !strings.Contains(x.stdout, "segment one (sms) as of 2025-12-30: wrote 1 rows") {
		t.Errorf("export -where: %v", x)
	}
	for _, bad := range []struct {
		args []string
		says string
	}{
		{[]string{"segment", "export", "-where", "revenue > 1"}, "needs -name NAME"},
		{[]string{"segment", "preview", "-where", "revenu > 1"}, `did you mean "revenue"`},
		{[]string{"segment", "preview", "-where", "revenue > 1; DROP TABLE x"}, "';'"},
		// Case 20: a size argument that would explode is refused.
		{[]string{"segment", "preview", "-where", "length(lpad(name, 2000000000, 'x')) > 0"}, "pads to 2000000000 characters; at most 1000"},
		{[]string{"segment", "preview", "planted_sms", "-where", "revenue > 1"}, "not both"},
	} {
		r := user(t, append(bad.args, "-config", cfg)...)
		if r.code != ExitUsage || !strings.Contains(r.err.Error(), bad.says) {
			t.Errorf("%q: %v, want exit 2 saying %q", bad.args, r, bad.says)
		}
	}
	// segment list shows the failing segment's problem at run time only:
	// the configuration itself is fine, so list exits 0.
	if l := user(t, "segment", "list", "-config", cfg); l.code != ExitOK {
		t.Errorf("list: %v", l)
	}
}
