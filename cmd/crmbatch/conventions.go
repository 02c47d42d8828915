package main

import (
	"flag"
	"fmt"
	"sort"
	"strings"
)

// isFlagError reports whether err is the flag package's complaint about
// the command line (an unknown flag, a missing or bad value): bad usage,
// exit code 2. The flag package has printed it with the usage already.
func isFlagError(err error) bool {
	msg := err.Error()
	for _, p := range []string{"flag provided but not defined: ", "flag needs an argument: ", "invalid value ", "invalid boolean value ", "invalid boolean flag ", "bad flag syntax: "} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// didYouMean returns ` (did you mean "x"?)` for the option closest to s
// by edit distance, when one is close enough, else "".
func didYouMean(s string, options []string) string {
	if c := closest(s, options); c != "" {
		return fmt.Sprintf(" (did you mean %q?)", c)
	}
	return ""
}

// closest returns the option nearest to s, within a third of its length
// (at least 2 edits), or "".
func closest(s string, options []string) string {
	s = strings.ToLower(strings.TrimLeft(s, "-"))
	sorted := append([]string(nil), options...)
	sort.Strings(sorted)
	best, bestD := "", 1<<30
	for _, o := range sorted {
		if d := distance(s, strings.ToLower(o)); d < bestD {
			best, bestD = o, d
		}
	}
	if bestD > max(2, len(s)/3) {
		return ""
	}
	return best
}

// distance is the Levenshtein distance in runes, with a swap of two
// neighbours counting as one edit ("rnu" is one edit from "run").
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// parseInterleaved parses fs over args whose flags may come before, after
// or between the positional arguments (crmbatch schema customers -format
// markdown), and returns the positional ones.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}
