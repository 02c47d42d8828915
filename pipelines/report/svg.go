package report

import (
	"bytes"
	"fmt"
	"html/template"
	"image/color"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Chart is one figure of the report: an inline SVG (empty when the chart
// could not be drawn, with the reason in Missing).
type Chart struct {
	ID      string
	Title   string
	SVG     template.HTML
	Missing string
}

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
// heading names it), labelled axes and a light grid.
func newPlot(x, y string) *plot.Plot {
	p := plot.New()
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	return p
}

// render draws p as inline SVG for the chart id. vgsvg writes a standalone
// document; the XML prolog is dropped and the root element gets the id, a
// class and an accessible label, so it can sit inside HTML. vgsvg escapes
// every text it draws (html.EscapeString), so the result is safe to embed.
func render(id, label string, p *plot.Plot, w, h vg.Length) (Chart, error) {
	c := vgsvg.New(w, h)
	p.Draw(draw.New(c))
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
