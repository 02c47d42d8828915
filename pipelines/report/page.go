package report

import (
	"bytes"
	"fmt"
	"html/template"
	"time"
)

// HTML renders the report as one self-contained page.
func (r *Report) HTML() ([]byte, error) {
	var buf bytes.Buffer
	if err := page.Execute(&buf, r); err != nil {
		return nil, fmt.Errorf("report: rendering the page: %w", err)
	}
	return buf.Bytes(), nil
}

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"stamp": func(t time.Time) string { return t.Format("2006-01-02 15:04:05 UTC") },
	"num":   func(t *Table, i int) bool { return i < len(t.Num) && t.Num[i] },
}).Parse(pageHTML))

// pageHTML is the page template. The style sheet is inline and nothing is
// loaded from elsewhere: the file must open offline.
const pageHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="crmbatch">
<title>crmbatch report {{.AsOf}}</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans Bengali", "Noto Nastaliq Urdu", sans-serif;
  margin: 0 auto; max-width: 1100px; padding: 1rem 1.5rem 3rem; color: #222; background: #fff; line-height: 1.4; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.25rem; border-bottom: 1px solid #ddd; padding-bottom: .2rem; margin-top: 2rem; }
nav { font-size: .9rem; margin: .5rem 0 1rem; }
nav a { margin-right: .8rem; color: #1f77b4; text-decoration: none; }
.meta { color: #666; font-size: .85rem; }
.cards { display: flex; flex-wrap: wrap; gap: .8rem; margin: 1rem 0; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: .6rem .9rem; min-width: 150px; }
.card .label { color: #666; font-size: .8rem; text-transform: uppercase; letter-spacing: .03em; }
.card .value { font-size: 1.4rem; font-weight: 600; }
.card .note { color: #888; font-size: .75rem; }
figure { margin: 1rem 0; display: inline-block; vertical-align: top; }
figcaption { font-size: .85rem; color: #555; }
svg.chart { max-width: 100%; height: auto; }
table { border-collapse: collapse; margin: .8rem 0; font-size: .85rem; }
caption { text-align: left; font-weight: 600; padding-bottom: .3rem; }
th, td { border-bottom: 1px solid #eee; padding: .25rem .6rem; text-align: left; }
th { background: #f6f6f6; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.missing { background: #fff8e1; border-left: 4px solid #f0b400; padding: .5rem .8rem; }
.legend { display: block; margin-top: .3rem; }
.key { margin-right: 1.2rem; white-space: nowrap; }
.swatch { display: inline-block; width: 1.6rem; height: 0; border-top: 3px solid; vertical-align: middle; margin-right: .35rem; }
.swatch.dashed { border-top-style: dashed; border-top-width: 2px; }
table.heat td { text-align: right; font-variant-numeric: tabular-nums; padding: .15rem .3rem; min-width: 2.2rem; font-size: .75rem; border: 1px solid #fff; }
table.heat td.dark { color: #fff; }
table.heat th { font-size: .75rem; padding: .15rem .3rem; white-space: nowrap; }
.scale { display: inline-block; width: 12rem; height: .8rem; vertical-align: middle; margin: 0 .4rem; border: 1px solid #ccc; }
.definition { color: #555; font-size: .85rem; }
</style>
</head>
<body>
<header>
<h1>crmbatch run report, as of {{.AsOf}}</h1>
<p class="meta">Generated {{stamp .Generated}}. Every figure comes from this run's published outputs.</p>
<nav>{{range .Sections}}<a href="#{{.ID}}">{{.Title}}</a>{{end}}</nav>
</header>
<section id="headline">
<div class="cards">{{range .Headline}}
<div class="card"><div class="label">{{.Label}}</div><div class="value">{{.Value}}</div>{{if .Note}}<div class="note">{{.Note}}</div>{{end}}</div>{{end}}
</div>
</section>
{{range .Sections}}
<section id="{{.ID}}" class="report-section">
<h2>{{.Title}}</h2>
{{if .Intro}}<p>{{.Intro}}</p>{{end}}
{{if .Missing}}<p class="missing">Not shown: {{.Missing}}</p>{{end}}
{{range .Charts}}{{if or .SVG .HTML}}<figure>{{.SVG}}{{.HTML}}<figcaption>{{.Title}}{{if .Legend}}<span class="legend">{{range .Legend}}<span class="key"><span class="swatch{{if .Dashed}} dashed{{end}}" style="border-color: {{.Color}}"></span>{{.Label}}</span>{{end}}</span>{{end}}</figcaption></figure>
{{else}}<p class="missing">{{.Title}} not drawn: {{.Missing}}</p>
{{end}}{{end}}
{{range .Tables}}{{$t := .}}<table>{{if .Caption}}<caption>{{.Caption}}</caption>{{end}}
<thead><tr>{{range $i, $h := .Head}}<th{{if num $t $i}} class="n"{{end}}>{{$h}}</th>{{end}}</tr></thead>
<tbody>{{range .Rows}}<tr>{{range $i, $c := .}}<td{{if num $t $i}} class="n"{{end}}>{{$c}}</td>{{end}}</tr>
{{end}}</tbody></table>
{{end}}
{{range .Notes}}<p class="definition">{{.}}</p>
{{end}}
</section>
{{end}}
</body>
</html>
`
