package main

import (
	"fmt"
	"io"
	"os"
	"time"
)

// progress shows the running stage on a terminal, and nothing otherwise.
type progress struct {
	w     io.Writer
	tty   bool
	start time.Time
	last  string
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w, start: time.Now()}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

func (p *progress) stage(name string) {
	if !p.tty {
		return
	}
	p.last = name
	fmt.Fprintf(p.w, "\r\033[K[%6.1fs] %s ...", time.Since(p.start).Seconds(), name)
}

func (p *progress) done() {
	if p.tty && p.last != "" {
		fmt.Fprintf(p.w, "\r\033[K")
	}
}
