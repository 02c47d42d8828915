package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/pipelines"
	"github.com/crmbatch/crmbatch/pipelines/config"
	"github.com/crmbatch/crmbatch/pipelines/gen"
)

// reexecEnv makes TestMain run the command instead of the tests, so that
// the proofs can run crmbatch as a real process (and kill it) without a
// separate go build.
const reexecEnv = "CRMBATCH_PROOF_RUN_MAIN"

func TestMain(m *testing.M) {
	if p := os.Getenv(holdEnv); p != "" {
		holdMain(p)
		return
	}
	if os.Getenv(reexecEnv) == "1" {
		os.Args = append([]string{"crmbatch"}, os.Args[1:]...)
		main()
		return
	}
	setupParallel()
	code := m.Run()
	removeSharedRuns()
	os.Exit(code)
}

// command returns crmbatch with args as a subprocess (the test binary
// re-executed through TestMain).
func command(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), reexecEnv+"=1")
	return cmd
}

// runProcess runs crmbatch to completion and returns its exit code and
// combined output.
func runProcess(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	cmd := command(args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), out.String()
	} else if err != nil {
		t.Fatalf("crmbatch %s: %v", strings.Join(args, " "), err)
	}
	return 0, out.String()
}

// genData writes a generated data set with its crmbatch.yaml (output "out"
// beside it) into dir and returns the config path.
func genData(t *testing.T, dir string, customers int, seed uint64, extraYAML string) string {
	t.Helper()
	p, err := writeGenerated(dir, customers, seed, extraYAML)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// writeGenerated is genData for code that has no test to fail.
func writeGenerated(dir string, customers int, seed uint64, extraYAML string) (string, error) {
	end := time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)
	if _, err := gen.Write(dir, gen.Options{Customers: customers, Seed: seed, AsOf: end}); err != nil {
		return "", err
	}
	p := filepath.Join(dir, "crmbatch.yaml")
	return p, os.WriteFile(p, append(config.GeneratedYAML(end.AddDate(0, 0, -1), "out"), extraYAML...), 0o644)
}

// volatile lists, per published table, the columns that legitimately
// differ between two runs of the same inputs: the run's id and clock, and
// the hash of the effective configuration (which holds the output root and
// the thread count).
var volatile = map[string][]string{
	"runs": {"run_id", "started_at", "seconds", "config_sha256"},
}

// tableHashes returns, for every table published under root as of asOf, a
// row-level content hash: the row count and the sum over rows of DuckDB's
// hash of the whole row (order-independent, sensitive to every value and to
// repeated rows), with the volatile columns left out. With digits > 0,
// floating-point values are rounded to that many significant digits first.
// Non-Parquet outputs (the HTML report) are not included.
func tableHashes(t *testing.T, root, asOf string, digits int) map[string]string {
	t.Helper()
	db := openScratch(t)
	defer db.Close()
	ctx := context.Background()
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		p := filepath.Join(pipelines.PartitionDir(root, e.Name(), asOf), "part-0.parquet")
		if _, err := os.Stat(p); err != nil {
			continue
		}
		f, err := db.QueryFrame(ctx, "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet("+engine.Quote(p)+", hive_partitioning=false))")
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		var sel []string
		for i := 0; i < f.Len(); i++ {
			c, typ := f.Col("column_name").Strings[i], f.Col("column_type").Strings[i]
			switch {
			case contains(volatile[e.Name()], c):
			case digits > 0 && (typ == "DOUBLE" || typ == "FLOAT"):
				sel = append(sel, fmt.Sprintf("CASE WHEN %[1]s = 0 OR NOT isfinite(%[1]s) THEN %[1]s ELSE round(%[1]s, %[2]d - CAST(ceil(log10(abs(%[1]s))) AS INTEGER)) END AS %[1]s", engine.Ident(c), digits))
			default:
				sel = append(sel, engine.Ident(c))
			}
		}
		q := fmt.Sprintf(`SELECT count(*) || '/' || coalesce(CAST(sum(CAST(hash(r) AS HUGEINT)) AS VARCHAR), '-') AS h
			FROM (SELECT %s FROM read_parquet(%s, hive_partitioning=false)) r`, strings.Join(sel, ", "), engine.Quote(p))
		s, err := db.Strings(ctx, q)
		if err != nil || len(s) != 1 {
			t.Fatalf("hashing %s: %v", p, err)
		}
		out[e.Name()] = s[0]
	}
	return out
}

// columnHashes narrows a table mismatch down to the columns that differ.
func columnHashes(t *testing.T, file string) map[string]string {
	t.Helper()
	db := openScratch(t)
	defer db.Close()
	ctx := context.Background()
	cols, err := db.Strings(ctx, "SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet("+engine.Quote(file)+", hive_partitioning=false))")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, c := range cols {
		s, err := db.Strings(ctx, fmt.Sprintf("SELECT CAST(sum(CAST(hash(%s) AS HUGEINT)) AS VARCHAR) FROM read_parquet(%s, hive_partitioning=false)", engine.Ident(c), engine.Quote(file)))
		if err != nil || len(s) != 1 {
			t.Fatalf("hashing %s.%s: %v", file, c, err)
		}
		out[c] = s[0]
	}
	return out
}

// tolerance is the number of significant digits floating-point outputs
// are compared to when DuckDB runs on several threads: its parallel sums
// add in a varying order, which changes the last bits.
const tolerance = 9

// compareHashes reports every table whose content differs between the
// runs under rootA and rootB, naming the columns that differ. Unless exact,
// a table whose floating-point values agree to tolerance significant
// digits is only logged (set CRMBATCH_STRICT_DETERMINISM=1 to fail on it).
// It returns the number of tables compared and the number equal bit for
// bit.
func compareHashes(t *testing.T, what, rootA, rootB, asOf string, exact bool) (tables, identical int) {
	t.Helper()
	a, b := tableHashes(t, rootA, asOf, 0), tableHashes(t, rootB, asOf, 0)
	if len(a) < 10 {
		t.Errorf("%s: only %d tables published under %s (%v)", what, len(a), rootA, keys(a))
	}
	var ra, rb map[string]string
	for _, name := range keys(a) {
		if b[name] == a[name] {
			identical++
			continue
		}
		if b[name] == "" {
			t.Errorf("%s: table %s is missing from %s", what, name, rootB)
			continue
		}
		fa := filepath.Join(pipelines.PartitionDir(rootA, name, asOf), "part-0.parquet")
		fb := filepath.Join(pipelines.PartitionDir(rootB, name, asOf), "part-0.parquet")
		ca, cb := columnHashes(t, fa), columnHashes(t, fb)
		var diff []string
		for c := range ca {
			if ca[c] != cb[c] && !contains(volatile[name], c) {
				diff = append(diff, c)
			}
		}
		sort.Strings(diff)
		if ra == nil {
			ra, rb = tableHashes(t, rootA, asOf, tolerance), tableHashes(t, rootB, asOf, tolerance)
		}
		switch {
		case exact || ra[name] != rb[name]:
			t.Errorf("%s: table %s differs (%s vs %s; to %d digits: equal=%v); columns %v%s", what, name, a[name], b[name], tolerance, ra[name] == rb[name], diff, sampleDiff(t, fa, fb, volatile[name]))
		case os.Getenv("CRMBATCH_STRICT_DETERMINISM") == "1":
			t.Errorf("%s: table %s differs in the last bits of %v (equal to %d significant digits)", what, name, diff, tolerance)
		default:
			t.Logf("%s: table %s equal to %d significant digits, not bit for bit: %v", what, name, tolerance, diff)
		}
	}
	for name := range b {
		if _, ok := a[name]; !ok {
			t.Errorf("%s: table %s is only under %s", what, name, rootB)
		}
	}
	return len(a), identical
}

// sampleDiff shows up to three rows of each file that the other lacks.
func sampleDiff(t *testing.T, fa, fb string, exclude []string) string {
	t.Helper()
	db := openScratch(t)
	defer db.Close()
	sel := "*"
	if len(exclude) > 0 {
		sel = "* EXCLUDE (" + strings.Join(exclude, ", ") + ")"
	}
	var out strings.Builder
	for _, p := range [][2]string{{fa, fb}, {fb, fa}} {
		rows, err := db.Strings(context.Background(), fmt.Sprintf(`SELECT CAST(r AS VARCHAR) FROM (SELECT %[1]s FROM read_parquet(%[2]s) EXCEPT ALL SELECT %[1]s FROM read_parquet(%[3]s)) r LIMIT 3`, sel, engine.Quote(p[0]), engine.Quote(p[1])))
		if err != nil {
			return fmt.Sprintf(" (no row diff: %v)", err)
		}
		fmt.Fprintf(&out, "\n\tonly in %s:", p[0])
		for _, r := range rows {
			if len(r) > 300 {
				r = r[:300] + "..."
			}
			out.WriteString("\n\t\t" + r)
		}
	}
	return out.String()
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func keys(m map[string]string) []string {
	var k []string
	for n := range m {
		k = append(k, n)
	}
	sort.Strings(k)
	return k
}

func openScratch(t *testing.T) *engine.DB {
	t.Helper()
	db, err := engine.Open(context.Background(), engine.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// readManifest parses the manifest of the run published as of asOf.
func readManifest(t *testing.T, root, asOf string) *pipelines.Manifest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(pipelines.PartitionDir(root, "runs", asOf), "manifest.json"))
	if err != nil {
		t.Fatalf("manifest of %s: %v", asOf, err)
	}
	var m pipelines.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("manifest of %s does not parse: %v", asOf, err)
	}
	return &m
}

// nonFinite counts NaN and infinite values in every floating-point column
// of every table published under root as of asOf, by table.column.
func nonFinite(t *testing.T, root, asOf string) map[string]int64 {
	t.Helper()
	db := openScratch(t)
	defer db.Close()
	ctx := context.Background()
	out := map[string]int64{}
	entries, _ := os.ReadDir(root)
	for _, e := range entries {
		p := filepath.Join(pipelines.PartitionDir(root, e.Name(), asOf), "part-0.parquet")
		if _, err := os.Stat(p); err != nil {
			continue
		}
		f, err := db.QueryFrame(ctx, "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet("+engine.Quote(p)+", hive_partitioning=false))")
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		for i := 0; i < f.Len(); i++ {
			c, typ := f.Col("column_name").Strings[i], f.Col("column_type").Strings[i]
			if typ != "DOUBLE" && typ != "FLOAT" {
				continue
			}
			n, err := db.Int(ctx, fmt.Sprintf("SELECT count(*) FILTER (WHERE isnan(%[1]s) OR isinf(%[1]s)) FROM read_parquet(%[2]s, hive_partitioning=false)", engine.Ident(c), engine.Quote(p)))
			if err != nil {
				t.Fatalf("%s.%s: %v", e.Name(), c, err)
			}
			if n > 0 {
				out[e.Name()+"."+c] = n
			}
		}
	}
	return out
}

// copyTree copies the folder src, with everything in it, to dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(to, b, 0o644)
	})
	if err != nil {
		t.Fatalf("copying %s to %s: %v", src, dst, err)
	}
}
