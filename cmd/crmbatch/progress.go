package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/crmbatch/crmbatch/pipelines"
	"github.com/crmbatch/crmbatch/pipelines/config"
)

// progress keeps one status line at the bottom of a terminal, as dbt does
// ("3 of 18 OK [2.3s]"): the stage n of N, in the ingest the table being
// loaded and the rows read so far, the elapsed time (redrawn every second)
// and, when an earlier run under the same output root recorded its stage
// times, an estimate of the time left. Log lines are written through it:
// the status line is cleared first and drawn again below them, so every
// log line stands on its own line. Off a terminal, or with JSON logs, it
// writes nothing but the logs.
type progress struct {
	mu     sync.Mutex
	once   sync.Once
	w      io.Writer
	on     bool
	start  time.Time
	drawn  bool
	stop   chan struct{}
	quit   chan struct{}
	stage  string
	n, of  int
	since  time.Time
	prev   map[string]float64 // seconds per stage of the previous run
	order  []string           // the previous run's stages, in order
	tables []string           // configured input tables, in load order
	loaded int                // input tables loaded so far
	rows   int64              // rows read by the ingest so far
}

// newProgress returns the status line over w; on says whether w is a
// terminal that should show it. cfg, when given, supplies the tables the
// ingest loads and the previous run's stage times.
func newProgress(w io.Writer, on bool, cfg *config.Config) *progress {
	p := &progress{w: w, on: on, start: time.Now(), stop: make(chan struct{}), quit: make(chan struct{})}
	if cfg != nil {
		for _, t := range config.Contract {
			if cfg.Sources[t.Name] != nil {
				p.tables = append(p.tables, t.Name)
			}
		}
		p.order, p.prev = previousStages(cfg.OutputRoot())
	}
	if !on {
		close(p.quit)
		return p
	}
	go func() {
		defer close(p.quit)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.mu.Lock()
				if p.stage != "" {
					p.draw()
				}
				p.mu.Unlock()
			}
		}
	}()
	return p
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// previousStages reads the stages and their times of the latest published
// run under root; none when there is no such run.
func previousStages(root string) ([]string, map[string]float64) {
	asOf, err := pipelines.LatestAsOf(root)
	if err != nil {
		return nil, nil
	}
	b, err := os.ReadFile(filepath.Join(pipelines.PartitionDir(root, "runs", asOf), "manifest.json"))
	if err != nil {
		return nil, nil
	}
	var m pipelines.Manifest
	if json.Unmarshal(b, &m) != nil {
		return nil, nil
	}
	var order []string
	secs := map[string]float64{}
	for _, s := range m.Stages {
		order = append(order, s.Name)
		secs[s.Name] = s.Seconds
	}
	return order, secs
}

// Stage is the pipelines.Options.Progress callback.
func (p *progress) Stage(name string, n, of int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stage, p.n, p.of, p.since = name, n, of, time.Now()
	if p.on {
		p.draw()
	}
}

// Write writes log output on its own lines below a cleared status line.
func (p *progress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
	n, err := p.w.Write(b)
	if p.on && p.stage != "" {
		p.draw()
	}
	return n, err
}

func (p *progress) clear() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
		p.drawn = false
	}
}

func (p *progress) draw() {
	line := fmt.Sprintf("[%s] %d of %d %s", clock(time.Since(p.start)), p.n, p.of, p.stage)
	if p.stage == "ingest" && len(p.tables) > 0 {
		if p.loaded < len(p.tables) {
			line += fmt.Sprintf(": loading %s (table %d of %d)", p.tables[p.loaded], p.loaded+1, len(p.tables))
		}
		line += fmt.Sprintf(", %s rows read", pipelines.Thousands(p.rows))
	}
	if left, ok := p.left(); ok {
		line += fmt.Sprintf(" · about %s left", clock(left))
	}
	fmt.Fprint(p.w, "\r\033[K"+line)
	p.drawn = true
}

// left estimates the time to the end of the run from the previous run's
// stage times: what remains of the current stage, and the later ones.
func (p *progress) left() (time.Duration, bool) {
	i := slices.Index(p.order, p.stage)
	if i < 0 {
		return 0, false
	}
	s := max(p.prev[p.stage]-time.Since(p.since).Seconds(), 0)
	for _, name := range p.order[i+1:] {
		s += p.prev[name]
	}
	return time.Duration(s * float64(time.Second)), true
}

// done stops the status line and clears it; later calls do nothing.
func (p *progress) done() {
	p.once.Do(func() {
		p.mu.Lock()
		if p.on {
			close(p.stop)
		}
		p.clear()
		p.stage = ""
		p.mu.Unlock()
		<-p.quit
	})
}

// handler lets the status line see the ingest's "loaded" records (the rows
// read per table) whatever the log level, and passes on what the user's
// handler wants.
type handler struct {
	slog.Handler
	p *progress
}

func (h handler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelInfo || h.Handler.Enabled(ctx, l)
}

func (h handler) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == "loaded" {
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "read" {
				h.p.mu.Lock()
				h.p.rows += a.Value.Int64()
				h.p.loaded++
				h.p.mu.Unlock()
			}
			return true
		})
	}
	if !h.Handler.Enabled(ctx, r.Level) {
		return nil
	}
	return h.Handler.Handle(ctx, r)
}

func (h handler) WithAttrs(as []slog.Attr) slog.Handler {
	return handler{h.Handler.WithAttrs(as), h.p}
}

func (h handler) WithGroup(name string) slog.Handler {
	return handler{h.Handler.WithGroup(name), h.p}
}

// clock writes a duration as 12.3s, 4m05s or 1h02m.
func clock(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}
