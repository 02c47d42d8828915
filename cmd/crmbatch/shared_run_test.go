package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// sharedRun is a generated data set and one completed run of it, made by
// the first test that asks for it and then read by every test that asks:
// tests that only read a run's outputs need not each generate and run
// their own. It is made once per test binary (-count=N reuses it); its
// folder outlives the tests that use it and is removed after the
// package's tests (removeSharedRuns, from TestMain).
type sharedRun struct {
	once sync.Once
	dir  string // the data set, its crmbatch.yaml and the output root "out"
	cfg  string
	run  result // what the run gave
	err  error  // why the data set or the run could not be made
}

var (
	sharedMu   sync.Mutex
	sharedDirs []string
)

// get makes the data set once, with prepare (which writes it into dir and
// returns its configuration), runs it once with "run -config CFG -quiet"
// and returns the folder, the configuration and what the run gave. When
// the run did not publish, every test that asks fails here.
func (s *sharedRun) get(t *testing.T, prepare func(dir string) (cfg string, err error)) (dir, cfg string, run result) {
	t.Helper()
	s.once.Do(func() {
		d, err := os.MkdirTemp("", "crmbatch-shared-run-")
		if err != nil {
			s.err = err
			return
		}
		sharedMu.Lock()
		sharedDirs = append(sharedDirs, d)
		sharedMu.Unlock()
		if s.cfg, err = prepare(d); err != nil {
			s.err = fmt.Errorf("preparing the shared data set in %s: %w", d, err)
			return
		}
		s.dir = d
		s.run = user(t, "run", "-config", s.cfg, "-quiet")
	})
	if s.err != nil {
		t.Fatal(s.err)
	}
	if s.dir == "" {
		t.Fatal("the shared data set was not made (the test that made it stopped; see its failure)")
	}
	if s.run.code != ExitOK && s.run.code != ExitAlerts {
		t.Fatalf("the shared run of %s: %v", s.cfg, s.run)
	}
	return s.dir, s.cfg, s.run
}

// removeSharedRuns removes the folders of the shared runs.
func removeSharedRuns() {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	for _, d := range sharedDirs {
		os.RemoveAll(d)
	}
	sharedDirs = nil
}

// eurLeads is the run that TestCurrencyAndReport and TestExplanationsInWords
// read: 1,500 generated customers with currency EUR, whose lead export also
// has the company, owner and email, as a CRM's does.
var eurLeads sharedRun

func eurLeadsRun(t *testing.T) (dir, cfg string, run result) {
	t.Helper()
	return eurLeads.get(t, func(dir string) (string, error) {
		cfg, err := writeGenerated(dir, 1500, 14, "currency: eur\n")
		if err != nil {
			return "", err
		}
		b, err := os.ReadFile(filepath.Join(dir, "leads.csv"))
		if err != nil {
			return "", err
		}
		lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
		for i := range lines {
			if i == 0 {
				lines[i] += ",Company,Lead Owner,Email"
			} else {
				lines[i] += fmt.Sprintf(",Firm %d,Rep %d,lead%d@example.org", i, i%7, i)
			}
		}
		return cfg, os.WriteFile(filepath.Join(dir, "leads.csv"), []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	})
}

// small is the run that TestRunSummary and TestUsageExitCodes read: 200
// generated customers, too few for the opportunities stage to learn from.
var small sharedRun

func smallRun(t *testing.T) (dir, cfg string, run result) {
	t.Helper()
	return small.get(t, func(dir string) (string, error) { return writeGenerated(dir, 200, 12, "") })
}
