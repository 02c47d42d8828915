package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 12, item 11: the command line behaves as people expect of one.
func TestCLIConventions(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		says string // in stdout, stderr or the error
	}{
		{[]string{"run", "-bogus"}, ExitUsage, "flag provided but not defined: -bogus"},
		{[]string{"schema", "-format"}, ExitUsage, "flag needs an argument"},
		{[]string{"rnu"}, ExitUsage, `unknown command "rnu" (did you mean "run"?)`},
		{[]string{"valdate"}, ExitUsage, `did you mean "validate"?`},
		{[]string{"segment", "exprot"}, ExitUsage, `did you mean "export"?`},
		{[]string{"schema", "custmers"}, ExitUsage, `no published table "custmers" (did you mean "customers"?)`},
		{[]string{"--version"}, ExitOK, "crmbatch 0.1.0-dev"},
		{[]string{"-version"}, ExitOK, "crmbatch 0.1.0-dev"},
		{[]string{"version"}, ExitOK, "crmbatch 0.1.0-dev"},
		{[]string{"-config", "x.yaml"}, ExitUsage, "a command comes first"},
		{[]string{"run", "-h"}, ExitOK, "Usage: crmbatch run"},
	} {
		r := user(t, c.args...)
		all := r.stdout + r.stderr
		if r.err != nil {
			all += r.err.Error()
		}
		if r.code != c.code || !strings.Contains(all, c.says) {
			t.Errorf("crmbatch %s: %v\nwant exit %d saying %q", strings.Join(c.args, " "), r, c.code, c.says)
		}
	}
	// A table name and then the flag: the flag is honoured.
	r := user(t, "schema", "customers", "-format", "markdown")
	if r.code != ExitOK || !strings.HasPrefix(r.stdout, "### `customers`") || !strings.Contains(r.stdout, "| `customer_id` | VARCHAR |") {
		t.Errorf("schema customers -format markdown:\n%.300s", r.stdout)
	}
	if strings.Contains(r.stdout, "### `orders`") || strings.Contains(r.stdout, "### `rejects`") {
		t.Errorf("schema customers printed other tables")
	}
}

// Issue 12, item 11: crmbatch init writes a commented configuration from
// the headers of real exports, and it validates as written.
func TestInitFromHeaders(t *testing.T) {
	pipeline := sharedData(t, "crm_sales_opportunities/sales_pipeline.csv")
	accounts := sharedData(t, "crm_sales_opportunities/accounts.csv")
	retail := sharedData(t, "online_retail/online_retail.csv.gz")
	orders, _ := filepath.Abs("../../testdata/pipeline/orders_won.csv")
	dir := t.TempDir()
	out := filepath.Join(dir, "crmbatch.yaml")

	r := user(t, "init", "-out", out, accounts, pipeline, orders)
	if r.code != ExitOK {
		t.Fatalf("init: %v", r)
	}
	b, _ := os.ReadFile(out)
	yml := string(b)
	for _, want := range []string{
		"  customers:\n    files: [" + accounts + "]",
		"      customer_id: account ",
		"      country: office_location ",
		"  opportunities:\n    files: [" + pipeline + "]",
		"      stage: deal_stage ",
		"      stage_ts: engage_date ",
		"      amount: close_value ",
		"      close_ts: close_date ",
		"      owner: sales_agent ",
		"  orders:\n",
	} {
		if !strings.Contains(yml, want) {
			t.Errorf("init wrote no %q:\n%s", want, yml)
		}
	}
	if !strings.Contains(r.stdout, "next: crmbatch validate -config "+out) {
		t.Errorf("init does not say what to do next:\n%s", r.stdout)
	}
	if v := user(t, "validate", "-config", out, "-quiet"); v.code != ExitOK {
		t.Errorf("the configuration init wrote does not validate: %v\n%s", v, yml)
	}
	if again := user(t, "init", "-out", out, orders); again.code != ExitUsage || !strings.Contains(again.err.Error(), "-force") {
		t.Errorf("init over an existing file: %v", again)
	}

	// Online Retail: revenue is quantity times unit price.
	out2 := filepath.Join(dir, "retail.yaml")
	r = user(t, "init", "-out", out2, retail)
	b, _ = os.ReadFile(out2)
	// Issue 12, item 9 (in part): ids written as floats (17850.0) are
	// cleaned by the mapping init writes.
	for _, want := range []string{"  orders:\n", "      order_id: InvoiceNo ", `      customer_id: "regexp_replace(CAST(CustomerID AS VARCHAR), '\\.0$', '')"`,
		"      order_ts: InvoiceDate ", "      revenue: Quantity * UnitPrice ", "      product_id: StockCode ",
		// Issue 12, item 9: the invoice's country, which derived customers take.
		"      country: Country "} {
		if r.code != ExitOK || !strings.Contains(string(b), want) {
			t.Errorf("init of Online Retail wrote no %q: %v\n%s", want, r, b)
		}
	}
	if !strings.Contains(r.stdout, "holds ids written as floats (17850.0)") {
		t.Errorf("init does not say it cleans float ids:\n%s", r.stdout)
	}
	if d := user(t, "run", "-config", out2, "-dry-run"); d.code != ExitOK || !strings.Contains(d.stdout, "every mapping fits the columns of its files") {
		t.Errorf("the Online Retail configuration init wrote does not pass the dry run: %v", d)
	}
}
