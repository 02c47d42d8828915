package pipelines

import (
	"context"

	"github.com/crmbatch/crmbatch/pipelines/config"
)

// FilePlan is what a run would do with one source file.
type FilePlan struct {
	Table  string
	Path   string
	Bytes  int64
	Action string // load (new), reload (changed), rebuild (settings changed or --full-reload), unchanged, retained (no longer listed)
}

// Plan says, without loading or publishing anything, which source files a
// run would read: the --dry-run of the command line. It resolves every
// glob, checksums the files and compares them with the warehouse.
func Plan(ctx context.Context, cfg *config.Config, full bool) ([]FilePlan, error) {
	if err := CheckDatabasePath(cfg); err != nil {
		return nil, err
	}
	db, err := existingWarehouse(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if db != nil {
		defer db.Close()
	}
	var out []FilePlan
	for i := range config.Contract {
		t := &config.Contract[i]
		src := cfg.Sources[t.Name]
		if src == nil {
			continue
		}
		files, err := expandFiles(cfg, t.Name, src)
		if err != nil {
			return nil, &InputError{Err: err}
		}
		if err := checksum(files); err != nil {
			return nil, err
		}
		st := &tableState{files: map[string]*InputFile{}}
		if db != nil {
			if st, err = loadState(ctx, db, t.Name); err != nil {
				return nil, err
			}
		}
		load, rebuild := st.plan(files, settingsHash(t, src, cfg.IDCase), full)
		todo := map[string]bool{}
		for _, f := range load {
			todo[f.Path] = true
		}
		listed := map[string]bool{}
		for _, f := range files {
			listed[f.Path] = true
			action := "unchanged"
			switch {
			case rebuild && len(st.files) > 0:
				action = "rebuild"
			case todo[f.Path] && st.files[f.Path] != nil:
				action = "reload"
			case todo[f.Path]:
				action = "load"
			}
			out = append(out, FilePlan{Table: t.Name, Path: f.Path, Bytes: f.Bytes, Action: action})
		}
		for p, f := range st.files {
			if !listed[p] && !rebuild {
				out = append(out, FilePlan{Table: t.Name, Path: p, Bytes: f.Bytes, Action: "retained"})
			}
		}
	}
	return out, nil
}
