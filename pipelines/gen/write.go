package gen

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
)

// Write generates the data set described by o into dir (created if
// missing; existing files of the same names are replaced) and returns the
// truth it also stores as truth.json beside the CSV files. Invalid options
// give an error before anything is written.
//
// Customers are generated in blocks of 2,000 and leads in blocks of 5,000
// by o.Workers goroutines; one writer appends the blocks in order, so the
// output depends on o and not on scheduling. At most two blocks per
// worker are in memory at once.
func Write(dir string, o Options) (*Truth, error) {
	o = o.withDefaults()
	if err := o.validate(); err != nil {
		return nil, err
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("gen: %w", err)
	}
	var files [numFiles]*os.File
	defer func() {
		for _, f := range files {
			if f != nil {
				f.Close()
			}
		}
	}()
	for k, name := range fileNames {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("gen: %w", err)
		}
		files[k] = f
		if _, err := f.WriteString(headers[k] + "\n"); err != nil {
			return nil, fmt.Errorf("gen: %s: %w", name, err)
		}
	}

	g := newGenerator(o)
	nc, nl := g.jobs()
	n := nc + nl
	results := make([]chan *block, n)
	for j := range results {
		results[j] = make(chan *block, 1)
	}
	jobs := make(chan int)
	tokens := make(chan struct{}, 2*o.Workers)
	done := make(chan struct{})
	pool := sync.Pool{New: func() any { return new(block) }}
	go func() { // dispatcher: hands out jobs in order, bounded by tokens
		defer close(jobs)
		for j := range n {
			select {
			case tokens <- struct{}{}:
			case <-done:
				return
			}
			select {
			case jobs <- j:
			case <-done:
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range o.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := g.newWorker()
			for j := range jobs {
				b := pool.Get().(*block)
				w.run(j, b)
				results[j] <- b
			}
		}()
	}

	total := new(block)
	total.reset(len(o.Groups))
	var werr error
	for j := range n {
		b := <-results[j]
		for k := range numFiles {
			if len(b.buf[k]) == 0 {
				continue
			}
			if _, err := files[k].Write(b.buf[k]); err != nil {
				werr = fmt.Errorf("gen: %s: %w", fileNames[k], err)
				break
			}
		}
		total.add(b)
		pool.Put(b)
		<-tokens
		if werr != nil {
			break
		}
	}
	close(done)
	wg.Wait()
	if werr != nil {
		return nil, werr
	}
	for k, f := range files {
		files[k] = nil
		if err := f.Close(); err != nil {
			return nil, fmt.Errorf("gen: %s: %w", fileNames[k], err)
		}
	}

	t := g.truth(total)
	js, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("gen: truth.json: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "truth.json"), append(js, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("gen: %w", err)
	}
	return t, nil
}

// add accumulates the counts of q into b (not the buffers).
func (b *block) add(q *block) {
	for k := range numFiles {
		b.rows[k] += q.rows[k]
		for d := range numDirtyKinds {
			b.dirty[k][d] += q.dirty[k][d]
		}
	}
	b.pairs.add(&q.pairs)
	for i, v := range q.groups {
		b.groups[i] += v
	}
	for i, v := range q.scripts {
		b.scripts[i] += v
	}
	b.p.Orders += q.p.Orders
	b.p.RegularLines += q.p.RegularLines
	b.p.ReturnLines += q.p.ReturnLines
	b.p.ZeroValueLines += q.p.ZeroValueLines
	for i, v := range q.itCount {
		b.itCount[i] += v
	}
	b.leads.Count += q.leads.Count
	b.leads.Converted += q.leads.Converted
	b.leads.Linked += q.leads.Linked
	b.opps.Count += q.opps.Count
	b.opps.Won += q.opps.Won
	b.opps.Lost += q.opps.Lost
	b.opps.Open += q.opps.Open
	b.subs.Count += q.subs.Count
	b.subs.Active += q.subs.Active
	for i, v := range q.subPlan {
		b.subPlan[i] += v
	}
}
