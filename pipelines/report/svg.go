package report

import (
	"bytes"
	"fmt"
	"html/template"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Chart is one figure of the report: an inline SVG, or an HTML table for
// a heat map (both empty when the chart could not be drawn, with the
// reason in Missing), and its legend, drawn below it in HTML so that it
// never covers a curve.
type Chart struct {
	ID      string
	Title   string
	SVG     template.HTML
	HTML    template.HTML
	Legend  []Key
	Missing string
}

// Key is one legend entry: a series' colour (CSS), whether it is dashed,
// and its label.
type Key struct {
	Color  string
	Dashed bool
	Label  string
}

// key returns the legend entry of a series drawn in c.
func key(label string, c color.Color, dashed bool) Key {
	r, g, b, _ := c.RGBA()
	return Key{Color: fmt.Sprintf("#%02x%02x%02x", r>>8, g>>8, b>>8), Dashed: dashed, Label: label}
}

// The charts use a sans-serif face, as the page does: Liberation Sans
// measures the text, and the browser draws it with the page's fonts.
func init() {
	plot.DefaultFont = font.Font{Typeface: "Liberation", Variant: "Sans"}
	plotter.DefaultFont = plot.DefaultFont
}

// svgFonts is the font list the SVG text is drawn with.
const svgFonts = `font-family:system-ui,-apple-system,'Segoe UI','Noto Sans','Liberation Sans',Arial,sans-serif`

// Chart sizes in points.
const (
	chartW = 560
	chartH = 320
)

// Colours of the report's series: a colour-blind-safe pair and a grey for
// reference lines.
var (
	blue   = color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}
	orange = color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff}
	grey   = color.RGBA{R: 0x99, G: 0x99, B: 0x99, A: 0xff}
)

// newPlot returns a plot with the report's look: no title (the section
// heading names it), labelled axes, a light grid and readable numbers on
// both axes (see readable).
func newPlot(x, y string) *plot.Plot {
	p := plot.New()
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.Add(plotter.NewGrid())
	p.X.Tick.Marker = readable{}
	p.Y.Tick.Marker = readable{}
	return p
}

// readable labels the ticks of a numeric axis as people read numbers, in
// one unit per axis: 0, 8k, 16k or 0.5M, 1M, 1.5M or 1,500, never
// 25000.00 or 2000000.
type readable struct{}

func (readable) Ticks(min, max float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(min, max)
	top := 0.0
	for _, t := range ticks {
		if t.Label != "" {
			top = math.Max(top, math.Abs(t.Value))
		}
	}
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = shortIn(ticks[i].Value, top)
		}
	}
	return ticks
}

// short writes v compactly: 2.5M, 250k, 1,500, 12.5, 0.25.
func short(v float64) string { return shortIn(v, math.Abs(v)) }

// shortIn writes v in the unit that suits top, the largest value shown
// beside it.
func shortIn(v, top float64) string {
	trim := func(s string) string {
		if strings.Contains(s, ".") {
			s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
		}
		return s
	}
	switch {
	case v == 0:
		return "0"
	case top >= 1e9:
		return trim(fmt.Sprintf("%.2f", v/1e9)) + "B"
	case top >= 1e6:
		return trim(fmt.Sprintf("%.2f", v/1e6)) + "M"
	case top >= 1e4:
		return trim(fmt.Sprintf("%.1f", v/1e3)) + "k"
	case top >= 100:
		return group(fmt.Sprintf("%.0f", v))
	case top < 0.01:
		return trim(fmt.Sprintf("%.4f", v))
	}
	return trim(fmt.Sprintf("%.2f", v))
}

// percentTicks labels a share axis in percent: 0%, 25%, 50%.
type percentTicks struct{}

func (percentTicks) Ticks(min, max float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(min, max)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = strings.TrimSuffix(strings.TrimSuffix(fmt.Sprintf("%.1f", 100*ticks[i].Value), "0"), ".") + "%"
		}
	}
	return ticks
}

// render draws p as inline SVG for the chart id. vgsvg writes a standalone
// document; the XML prolog is dropped and the root element gets the id, a
// class and an accessible label, so it can sit inside HTML. vgsvg escapes
// every text it draws (html.EscapeString), so the result is safe to embed.
func render(id, label string, p *plot.Plot, w, h vg.Length) (Chart, error) {
	c := vgsvg.New(w, h)
	// A right margin, so that the last tick label is not cut off.
	p.Draw(draw.Crop(draw.New(c), 0, -vg.Points(20), 0, 0))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return Chart{}, fmt.Errorf("report: chart %s: %w", id, err)
	}
	s := buf.String()
	i := strings.Index(s, "<svg ")
	if i < 0 {
		return Chart{}, fmt.Errorf("report: chart %s: no <svg> element in the plot output", id)
	}
	attrs := fmt.Sprintf(`<svg id="%s" class="chart" role="img" aria-label="%s" `,
		template.HTMLEscapeString(id), template.HTMLEscapeString(label))
	s = attrs + s[i+len("<svg "):]
	s = strings.ReplaceAll(s, "font-family:Liberation Sans", svgFonts)
	return Chart{ID: id, Title: label, SVG: template.HTML(s)}, nil
}

// missing returns the placeholder of a chart that could not be drawn.
func missing(id, title, why string) Chart { return Chart{ID: id, Title: title, Missing: why} }

// line returns a line through xs, ys in colour c, dashed when dashed is set.
func line(xs, ys []float64, c color.Color, dashed bool) (*plotter.Line, error) {
	pts := make(plotter.XYs, len(xs))
	for i := range xs {
		pts[i].X, pts[i].Y = xs[i], ys[i]
	}
	l, err := plotter.NewLine(pts)
	if err != nil {
		return nil, err
	}
	l.Color = c
	l.Width = vg.Points(1.5)
	if dashed {
		l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		l.Width = vg.Points(1)
	}
	return l, nil
}

// bars returns a bar chart of vs labelled by names, horizontal when asked
// (the first value on top).
func bars(xLabel, yLabel string, names []string, vs []float64, c color.Color, horizontal bool) (*plot.Plot, error) {
	p := newPlot(xLabel, yLabel)
	if horizontal {
		// Reverse so the first value is drawn at the top.
		rn, rv := make([]string, len(names)), make([]float64, len(vs))
		for i := range names {
			rn[len(names)-1-i], rv[len(vs)-1-i] = names[i], vs[i]
		}
		names, vs = rn, rv
	}
	b, err := plotter.NewBarChart(plotter.Values(vs), vg.Points(14))
	if err != nil {
		return nil, err
	}
	b.Color = c
	b.LineStyle.Width = 0
	b.Horizontal = horizontal
	p.Add(b)
	if horizontal {
		p.NominalY(names...)
		p.X.Label.Text, p.Y.Label.Text = yLabel, xLabel
	} else {
		p.NominalX(names...)
		p.X.Tick.Label.Rotation = 0.5
		p.X.Tick.Label.XAlign = draw.XRight
		p.X.Tick.Label.YAlign = draw.YCenter
	}
	return p, nil
}

// hist returns a histogram of the finite values in vs with n bins.
func hist(xLabel string, vs []float64, n int, c color.Color) (*plot.Plot, error) {
	p := newPlot(xLabel, "count")
	h, err := plotter.NewHist(plotter.Values(vs), n)
	if err != nil {
		return nil, err
	}
	h.FillColor = c
	h.LineStyle.Width = vg.Points(0.5)
	h.LineStyle.Color = color.White
	p.Add(h)
	return p, nil
}

// grid is a GridXYZ over a row-major matrix, for the heat map; the colour
// scale runs from 0 to max.
type grid struct {
	cols, rows int
	z          []float64
	max        float64
}

func (g grid) Dims() (int, int)   { return g.cols, g.rows }
func (g grid) Z(c, r int) float64 { return g.z[r*g.cols+c] }
func (g grid) X(c int) float64    { return float64(c) }
func (g grid) Y(r int) float64    { return float64(r) }
func (g grid) Min() float64       { return 0 }
func (g grid) Max() float64       { return g.max }

// colorNone is transparent: heat map cells without data.
var colorNone = color.RGBA{}
