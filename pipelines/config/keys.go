package config

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// The YAML decoder words its complaints in Go: "field colums not found in
// type config.Source", "cannot unmarshal !!str `lots` into int". These
// are reworded for the person editing the file: the section the key is
// in, the keys that section has, the closest one, and the section a key
// belongs to when it is one of another's.

// section is one part of the configuration: where it sits and its keys.
type section struct {
	path string // e.g. "sources.<table>"
	keys []string
}

// sections maps Go type names (as the decoder prints them) to sections.
var sections = map[string]*section{}

func init() { walkSection(reflect.TypeOf(Config{}), "the top level") }

func walkSection(t reflect.Type, path string) *section {
	name := t.String()
	if s, ok := sections[name]; ok {
		return s
	}
	s := &section{path: path}
	sections[name] = s
	addKeys(s, t, path)
	sort.Strings(s.keys)
	return s
}

func addKeys(s *section, t reflect.Type, path string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		key, opts, _ := strings.Cut(tag, ",")
		if key == "-" || !f.IsExported() {
			continue
		}
		if opts == "inline" {
			addKeys(s, f.Type, path)
			continue
		}
		if key == "" {
			key = strings.ToLower(f.Name)
		}
		s.keys = append(s.keys, key)
		sub := path + "." + key
		if path == "the top level" {
			sub = key
		}
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch ft.Kind() {
		case reflect.Struct:
			walkSection(ft, sub)
		case reflect.Map, reflect.Slice:
			et := ft.Elem()
			for et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				if ft.Kind() == reflect.Map {
					walkSection(et, sub+".<"+mapElem(key)+">")
				} else {
					walkSection(et, sub+"[i]")
				}
			}
		}
	}
}

func mapElem(key string) string {
	switch key {
	case "sources":
		return "table"
	case "segments":
		return "name"
	}
	return "key"
}

var (
	unknownField = regexp.MustCompile(`^line (\d+): field (\S+) not found in type (\S+)$`)
	cannotInto   = regexp.MustCompile("^line (\\d+): cannot unmarshal !!(\\w+) (`[^`]*`|) ?into (\\S+)$")
)

// explainYAML rewords the decoder's type errors; other errors are
// returned as they are.
func explainYAML(err error) []string {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return []string{err.Error()}
	}
	out := make([]string, 0, len(te.Errors))
	for _, msg := range te.Errors {
		out = append(out, explainOne(msg))
	}
	return out
}

func explainOne(msg string) string {
	if m := unknownField.FindStringSubmatch(msg); m != nil {
		line, key := m[1], m[2]
		s := sections[m[3]]
		if s == nil {
			return fmt.Sprintf("line %s: unknown key %q", line, key)
		}
		out := fmt.Sprintf("line %s: unknown key %q in %s", line, key, s.path)
		if c := closestKey(key, s.keys); c != "" {
			out += fmt.Sprintf(" (did you mean %q?)", c)
		} else if other := sectionsWith(key, s); len(other) > 0 {
			out += fmt.Sprintf("; %q is a key of %s: move it there", key, strings.Join(other, " or "))
		}
		return out + "; the keys of " + s.path + " are " + strings.Join(s.keys, ", ")
	}
	if m := cannotInto.FindStringSubmatch(msg); m != nil {
		what := strings.Trim(m[3], "`")
		if what == "" {
			what = "a " + map[string]string{"map": "mapping", "seq": "list"}[m[2]]
		} else {
			what = fmt.Sprintf("%q", what)
		}
		return fmt.Sprintf("line %s: %s is not %s", m[1], what, goTypeWords(m[4]))
	}
	return msg
}

// goTypeWords says what a Go type is in a configuration's words.
func goTypeWords(t string) string {
	switch {
	case strings.HasPrefix(t, "int"), strings.HasPrefix(t, "uint"):
		return "a whole number"
	case strings.HasPrefix(t, "float"):
		return "a number"
	case t == "bool":
		return "true or false"
	case t == "string":
		return "a text value"
	case strings.HasPrefix(t, "[]"):
		return "a list ([a, b])"
	case strings.HasPrefix(t, "map["):
		return "a mapping (key: value lines)"
	}
	if s := sections[strings.TrimPrefix(t, "*")]; s != nil {
		return "a section with keys (" + strings.Join(s.keys, ", ") + ") as " + s.path + " needs"
	}
	return "of the expected kind"
}

// closestKey is the key nearest to key within two edits, or "".
func closestKey(key string, keys []string) string {
	best, bestD := "", 3
	for _, k := range keys {
		if d := editDistance(strings.ToLower(key), k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// sectionsWith lists the other sections that have key.
func sectionsWith(key string, not *section) []string {
	var out []string
	for _, s := range sections {
		if s != not && contains(s.keys, key) {
			out = append(out, s.path)
		}
	}
	sort.Strings(out)
	return out
}
