package main

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/pipelines/config"
)

const initUsage = `Usage: crmbatch init [-out crmbatch.yaml] [-force] FILE... | TABLE=FILE...

Writes a commented configuration from the headers of your export files: for
each file, the input table it most likely holds (from its name and columns;
name it with TABLE=FILE to choose), the mapping of every column it
recognises, the delimiter and the date format of its first rows. Required
columns it cannot find are left as comments marked REQUIRED. Check the
file, then run crmbatch run -config crmbatch.yaml -dry-run.

Flags:
`

func (m *Main) initCmd(args []string) error {
	fs := flag.NewFlagSet("init", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	out := fs.String("out", "crmbatch.yaml", "configuration file to write")
	force := fs.Bool("force", false, "overwrite an existing file")
	fs.Usage = func() { fmt.Fprint(m.Stderr, initUsage); fs.PrintDefaults() }
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		fs.Usage()
		return &UsageError{Msg: "init needs the files to read the headers of, e.g. crmbatch init exports/orders.csv exports/customers.csv"}
	}
	if _, err := os.Stat(*out); err == nil && !*force {
		return &UsageError{Msg: fmt.Sprintf("%s exists; choose another -out or add -force to overwrite it", *out)}
	}
	dir, _ := filepath.Abs(filepath.Dir(*out))
	byTable := map[string]*guess{}
	var order []string
	for _, arg := range pos {
		table, path, named := strings.Cut(arg, "=")
		if !named || strings.ContainsAny(table, "/\\.") {
			table, path = "", arg
		}
		g, err := inspect(path, table)
		if err != nil {
			return &UsageError{Msg: err.Error()}
		}
		if prev := byTable[g.table]; prev != nil {
			return &UsageError{Msg: fmt.Sprintf("%s and %s both look like %s; name each with TABLE=FILE (the tables are %s)", prev.path, path, g.table, tableList())}
		}
		g.rel = path
		if abs, err := filepath.Abs(path); err == nil {
			if r, err := filepath.Rel(dir, abs); err == nil && !strings.HasPrefix(r, "..") {
				g.rel = r
			} else {
				g.rel = abs
			}
		}
		byTable[g.table] = g
		order = append(order, g.table)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# crmbatch configuration written by \"crmbatch init\" from the headers of %d file(s).\n", len(pos))
	b.WriteString("# Check each mapping (\"canonical column: your column, or a SQL expression\"),\n")
	b.WriteString("# fill in the lines marked REQUIRED, then: crmbatch run -config " + filepath.Base(*out) + " -dry-run\n")
	b.WriteString("# The input contract and every setting: README.md, crmbatch schema.\n")
	b.WriteString("as_of: \"\"                 # the run's as-of date (YYYY-MM-DD); empty means today\n")
	b.WriteString("output: crmbatch-out       # where runs are published, relative to this file\n")
	b.WriteString("max_reject_share: 0.05     # per table; above it the run fails (exit 3)\n")
	b.WriteString("sources:\n")
	var notes []string
	for _, t := range config.Contract {
		g := byTable[t.Name]
		if g == nil {
			continue
		}
		notes = append(notes, g.write(&b)...)
	}
	if byTable["orders"] == nil {
		b.WriteString("  # orders:                 # REQUIRED: every run needs the orders (one row per order line)\n  #   files: [orders.csv]\n")
		notes = append(notes, "no file looks like orders, which every run needs: add it under sources.orders")
	}
	if err := os.WriteFile(*out, []byte(b.String()), 0o644); err != nil {
		return err
	}
	if _, err := config.Load(*out); err != nil && byTable["orders"] != nil {
		notes = append(notes, "the file does not load yet: "+strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	fmt.Fprintf(m.Stdout, "wrote %s:\n", *out)
	for _, t := range order {
		g := byTable[t]
		fmt.Fprintf(m.Stdout, "  %-14s %s: %d of %d columns mapped\n", t, g.path, len(g.mapped), len(g.header))
	}
	for _, n := range notes {
		fmt.Fprintln(m.Stdout, "  check:", n)
	}
	fmt.Fprintf(m.Stdout, "next: crmbatch validate -config %s\n", *out)
	return nil
}

// guess is what init makes of one file.
type guess struct {
	path, rel, table string
	format, delim    string
	header           []string
	rows             [][]string        // a sample of the first data rows
	mapped           map[string]string // canonical column -> source column or expression
	dateFmt, tsFmt   string
	decimalComma     bool
	cleaned          []string // id columns whose float form (17850.0) the mapping cleans
}

// inspect reads a file's header and first rows and guesses its table
// (table, when given) and mapping.
func inspect(path, table string) (*guess, error) {
	g := &guess{path: path, mapped: map[string]string{}}
	var err error
	switch lower := strings.ToLower(strings.TrimSuffix(path, ".gz")); {
	case strings.HasSuffix(lower, ".parquet"):
		g.format = "parquet"
		g.header, err = parquetHeader(path)
	case strings.HasSuffix(lower, ".json"), strings.HasSuffix(lower, ".jsonl"), strings.HasSuffix(lower, ".ndjson"):
		g.format = "json"
		err = g.readJSON()
	default:
		g.format = "csv"
		err = g.readCSV()
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(g.header) == 0 {
		return nil, fmt.Errorf("%s: no columns found; init needs a file whose first line names its columns", path)
	}
	if table == "" {
		table = bestTable(path, g.header)
	} else if config.TableByName(table) == nil {
		return nil, fmt.Errorf("%s=%s: %q is not an input table; the tables are %s%s", table, path, table, tableList(), didYouMean(table, tableNames()))
	}
	g.table = table
	g.match()
	g.formats()
	return g, nil
}

func (g *guess) readCSV() error {
	r, closeFn, err := openText(g.path)
	if err != nil {
		return err
	}
	defer closeFn()
	br := bufio.NewReader(r)
	first, err := br.ReadString('\n')
	if err != nil && err != io.EOF {
		return err
	}
	first = strings.TrimPrefix(first, "\ufeff")
	g.delim = ","
	best := strings.Count(first, ",")
	for _, d := range []string{";", "\t", "|"} {
		if n := strings.Count(first, d); n > best {
			g.delim, best = d, n
		}
	}
	cr := csv.NewReader(io.MultiReader(strings.NewReader(first), br))
	cr.Comma = rune(g.delim[0])
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	if g.header, err = cr.Read(); err != nil {
		return err
	}
	for i := range g.header {
		g.header[i] = strings.TrimSpace(g.header[i])
	}
	for len(g.rows) < 50 {
		rec, err := cr.Read()
		if err != nil {
			break
		}
		g.rows = append(g.rows, rec)
	}
	return nil
}

func (g *guess) readJSON() error {
	r, closeFn, err := openText(g.path)
	if err != nil {
		return err
	}
	defer closeFn()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() && len(g.rows) < 50 {
		var obj map[string]any
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		if dec.Decode(&obj) != nil {
			continue
		}
		if g.header == nil {
			for k := range obj {
				g.header = append(g.header, k)
			}
			sortStrings(g.header)
		}
		row := make([]string, len(g.header))
		for i, k := range g.header {
			if v, ok := obj[k]; ok && v != nil {
				row[i] = fmt.Sprint(v)
			}
		}
		g.rows = append(g.rows, row)
	}
	return sc.Err()
}

// openText opens a file, decompressing .gz.
func openText(path string) (io.Reader, func(), error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	if !strings.HasSuffix(strings.ToLower(path), ".gz") {
		return f, func() { f.Close() }, nil
	}
	z, err := gzip.NewReader(f)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return z, func() { z.Close(); f.Close() }, nil
}

func parquetHeader(path string) ([]string, error) {
	ctx := context.Background()
	db, err := engine.Open(ctx, engine.Options{Threads: 1})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return db.Strings(ctx, "SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet("+engine.Quote(path)+"))")
}

// write writes the source's YAML and returns what the user should check.
func (g *guess) write(b *strings.Builder) []string {
	t := config.TableByName(g.table)
	var notes []string
	fmt.Fprintf(b, "  %s:\n", g.table)
	fmt.Fprintf(b, "    files: [%s]\n", yamlString(g.rel))
	fmt.Fprintf(b, "    # its columns: %s\n", strings.Join(g.header, ", "))
	if g.format != "csv" {
		fmt.Fprintf(b, "    format: %s\n", g.format)
	}
	if g.delim != "" && g.delim != "," {
		fmt.Fprintf(b, "    delimiter: %s\n", yamlString(strings.ReplaceAll(g.delim, "\t", `\t`)))
	}
	if g.decimalComma {
		b.WriteString("    decimal: \",\"               # numbers of the first rows use a decimal comma\n")
	}
	if g.dateFmt != "" {
		fmt.Fprintf(b, "    date_format: %s          # from the first rows; check day/month order\n", yamlString(g.dateFmt))
	}
	if g.tsFmt != "" {
		fmt.Fprintf(b, "    timestamp_format: %s     # from the first rows; check day/month order\n", yamlString(g.tsFmt))
	}
	b.WriteString("    columns:\n")
	for _, f := range t.Fields {
		src, ok := g.mapped[f.Name]
		switch {
		case ok && src == f.Name:
			fmt.Fprintf(b, "      # %s: %s%s  (same name: read as it is)\n", f.Name, src, pad(f.Name, src))
		case ok && slices.Contains(g.cleaned, f.Name):
			fmt.Fprintf(b, "      %s: %s  # the first rows write it as a float (17850.0): the .0 is dropped\n", f.Name, yamlString(src))
			notes = append(notes, fmt.Sprintf("sources.%s.columns.%s: %s holds ids written as floats (17850.0); the mapping drops the .0", g.table, f.Name, g.path))
		case ok:
			fmt.Fprintf(b, "      %s: %s%s  # %s\n", f.Name, yamlString(src), pad(f.Name, src), fieldDoc(f))
		case f.Required:
			fmt.Fprintf(b, "      # %s:%s  # REQUIRED (%s %s): no column looks like it; name yours or write an expression\n", f.Name, pad(f.Name, ""), f.Type, f.Doc)
			notes = append(notes, fmt.Sprintf("sources.%s.columns.%s is required and no column of %s looks like it", g.table, f.Name, g.path))
		}
	}
	var unused []string
	used := map[string]bool{}
	for _, v := range g.mapped {
		used[v] = true
	}
	for _, h := range g.header {
		inExpr := false
		for _, v := range g.mapped {
			inExpr = inExpr || strings.Contains(v, h)
		}
		if !used[h] && !inExpr {
			unused = append(unused, h)
		}
	}
	if len(unused) > 0 {
		fmt.Fprintf(b, "      # not used: %s\n", strings.Join(unused, ", "))
	}
	return notes
}

func fieldDoc(f config.Field) string {
	if f.Doc == "" {
		return f.Type
	}
	return f.Type + ", " + f.Doc
}

func pad(name, src string) string {
	if n := 34 - len(name) - len(src); n > 0 {
		return strings.Repeat(" ", n)
	}
	return ""
}

// yamlString quotes s for YAML when it needs it.
func yamlString(s string) string {
	plain := s != "" && strings.TrimSpace(s) == s && !strings.ContainsAny(s[:1], "-?:,[]{}#&*!|>'\"%@`\\") &&
		!strings.Contains(s, ": ") && !strings.Contains(s, " #") && !strings.ContainsAny(s, "[]{},\"\\") &&
		!strings.HasSuffix(s, ":")
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "null", "~":
		plain = false
	}
	if !plain {
		b, _ := json.Marshal(s)
		return string(b)
	}
	return s
}

func tableNames() []string {
	var n []string
	for _, t := range config.Contract {
		n = append(n, t.Name)
	}
	return n
}

func tableList() string { return strings.Join(tableNames(), ", ") }
