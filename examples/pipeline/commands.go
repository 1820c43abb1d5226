package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cairn-ml/cairn/registry"
	"github.com/cairn-ml/cairn/track"
)

const defaultTrials = 10

func runFlags(fs *flag.FlagSet, a *app) func(context.Context) error {
	trials, force := stageFlags(fs, true)
	return func(ctx context.Context) error {
		if *trials < 1 {
			return &usageError{"-trials must be at least 1"}
		}
		return a.pipeline(ctx, true, true, *trials, *force)
	}
}

func baselineFlags(fs *flag.FlagSet, a *app) func(context.Context) error {
	_, force := stageFlags(fs, false)
	return func(ctx context.Context) error { return a.pipeline(ctx, true, false, 0, *force) }
}

func tuneFlags(fs *flag.FlagSet, a *app) func(context.Context) error {
	trials, force := stageFlags(fs, true)
	return func(ctx context.Context) error {
		if *trials < 1 {
			return &usageError{"-trials must be at least 1"}
		}
		return a.pipeline(ctx, false, true, *trials, *force)
	}
}

// stageFlags adds -force, and -trials when the command tunes.
func stageFlags(fs *flag.FlagSet, tunes bool) (trials *int, force *bool) {
	trials = new(int)
	if tunes {
		fs.IntVar(trials, "trials", defaultTrials, "number of tuning trials")
	}
	force = fs.Bool("force", false, "train again even when a cached result fits")
	return trials, force
}

// pipeline versions the data, runs the stages asked for and sets the
// champion: for a full run, the better of the two on the test split;
// for a stage alone, its model if there is no champion yet.
func (a *app) pipeline(ctx context.Context, doBaseline, doTune bool, trials int, force bool) error {
	start := time.Now()
	a.printf("work      %s\n", a.dir)
	d, err := a.prepareData(ctx)
	if err != nil {
		return err
	}
	state := "unchanged"
	if d.created {
		state = "new version"
	}
	a.printf("data      %s  %s  (%d rows x %d features, %s)\n", d.version, d.version.Digest, d.all.Len(), len(d.all.Features), state)
	a.printf("split     train %d %s, test %d %s (stratified, seed %d, the rows scikit-learn picks)\n",
		d.train.Len(), counts(d.train.Classes, d.train.ClassCounts()), d.test.Len(), counts(d.test.Classes, d.test.ClassCounts()), splitSeed)
	if err := a.openStores(true); err != nil {
		return err
	}
	exp, err := a.experiment(ctx)
	if err != nil {
		return err
	}
	var base, tuned *result
	var first string // set when this command gave @champion its first version
	if doBaseline {
		if base, err = a.baseline(ctx, exp, d, force); err != nil {
			return err
		}
		if first, err = a.firstChampion(ctx, base); err != nil {
			return err
		}
	}
	if doTune {
		if tuned, err = a.tuneStage(ctx, exp, d, trials, force); err != nil {
			return err
		}
		if !doBaseline {
			if first, err = a.firstChampion(ctx, tuned); err != nil {
				return err
			}
		}
	}
	champ, note, err := a.pickChampion(ctx, base, tuned, first)
	if err != nil {
		return err
	}
	a.printf("champion  %s\n\n", note)
	a.summary(d, base, tuned, champ)
	a.printf("\ndone in %v. Next:\n", time.Since(start).Round(time.Millisecond))
	p := a.env.prog
	if a.dir != "cairn-data" {
		p += " -dir " + a.dir
	}
	a.printf("  %s serve       serve @champion on http://127.0.0.1:8000 (dashboards under /ui/)\n", p)
	a.printf("  %s rollback    move @champion back (works while serve runs)\n", p)
	a.printf("  %s runs        the runs, best first; models, lineage: the registry\n", p)
	return nil
}

// firstChampion points @champion at r's version if the alias is not set:
// the first model registered is the champion until a better one comes.
// It returns a note when it set the alias, else "".
func (a *app) firstChampion(ctx context.Context, r *result) (string, error) {
	model, err := a.reg.Model(ctx, modelName)
	if err != nil {
		return "", err
	}
	if _, set := model.Aliases[champion]; set {
		return "", nil
	}
	if _, err := a.reg.SetAlias(ctx, modelName, champion, r.version.Number, registry.AliasOptions{
		Reason: fmt.Sprintf("pipeline: the first model (%s)", stageName(r.stage)),
	}); err != nil {
		return "", err
	}
	return fmt.Sprintf("v%d (the first model)", r.version.Number), nil
}

// pickChampion points @champion at the better of base and tuned on the
// test split (by F1, then ROC AUC; the tuned one on a tie) when both ran
// and one of them was trained now. When both were cached it leaves the
// alias where it is (rollback and promote may have moved it); with one
// stage, where firstChampion left it. It returns the champion and a note.
func (a *app) pickChampion(ctx context.Context, base, tuned *result, first string) (int, string, error) {
	model, err := a.reg.Model(ctx, modelName)
	if err != nil {
		return 0, "", err
	}
	current := model.Aliases[champion]
	if base == nil || tuned == nil {
		if first != "" {
			return current, first, nil
		}
		return current, fmt.Sprintf("v%d, left where it was (`promote` moves it to the best)", current), nil
	}
	want, why := tuned, "higher test F1"
	switch {
	case base.test.F1 > tuned.test.F1:
		want = base
	case base.test.F1 == tuned.test.F1 && base.test.ROCAUC > tuned.test.ROCAUC:
		want, why = base, "same test F1, higher ROC AUC"
	case base.test.F1 == tuned.test.F1 && base.test.ROCAUC < tuned.test.ROCAUC:
		why = "same test F1, higher ROC AUC"
	case base.test.F1 == tuned.test.F1:
		why = "same test scores; the tuned one wins ties"
	}
	if current == want.version.Number {
		return current, fmt.Sprintf("v%d (%s)", current, why), nil
	}
	if base.cached && tuned.cached {
		return current, fmt.Sprintf("v%d, left where it was (v%d scores higher: %s; `promote` moves it there)", current, want.version.Number, why), nil
	}
	if _, err := a.reg.SetAlias(ctx, modelName, champion, want.version.Number, registry.AliasOptions{
		Reason: fmt.Sprintf("pipeline: the %s model scores higher (%s)", stageName(want.stage), why),
	}); err != nil {
		return 0, "", err
	}
	return want.version.Number, fmt.Sprintf("v%d, moved from v%d (%s)", want.version.Number, current, why), nil
}

// stageName names the model a stage makes: "baseline" or "tuned".
func stageName(stage string) string {
	if stage == "tune" {
		return "tuned"
	}
	return stage
}

func counts(classes []string, n []int) string {
	parts := make([]string, len(n))
	for i := range n {
		parts[i] = fmt.Sprintf("%s %d", classes[i], n[i])
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// summary prints the table of the stages' scores on the test split.
func (a *app) summary(d *data, base, tuned *result, champ int) {
	a.printf("data      %s %s, scored on the %d test rows\n\n", d.version, d.version.Digest, d.test.Len())
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "model\tversion\tsettings\ttest accuracy\ttest F1 (%s)\ttest ROC AUC\t\n", d.all.Classes[1])
	for _, r := range []*result{base, tuned} {
		if r == nil {
			continue
		}
		mark := ""
		if r.version.Number == champ {
			mark = "@champion"
		}
		if r.cached {
			mark = strings.TrimSpace(mark + " (cached)")
		}
		name := stageName(r.stage)
		s := r.model.Summary()
		fmt.Fprintf(tw, "%s\tv%d\tC=%.4g %v\t%.4f\t%.4f\t%.4f\t%s\n", name, r.version.Number, s.C, s.Solver,
			r.test.Accuracy, r.test.F1, r.test.ROCAUC, mark)
	}
	tw.Flush()
}

func promoteFlags(fs *flag.FlagSet, a *app) func(context.Context) error {
	version := fs.Int("version", 0, "the version to promote (default: the best by test F1)")
	return func(ctx context.Context) error {
		if err := a.openStores(false); err != nil {
			return err
		}
		target := *version
		if target == 0 {
			vs, err := a.reg.Versions(ctx, modelName)
			if err != nil {
				return err
			}
			// The same order as run's choice: test F1, then ROC AUC, then
			// the newer version.
			var best registry.Version
			for _, v := range vs {
				f, ok := v.Metrics["test_f1"]
				if !ok || v.Archived {
					continue
				}
				bf, bauc, auc := best.Metrics["test_f1"], best.Metrics["test_roc_auc"], v.Metrics["test_roc_auc"]
				if target == 0 || f > bf || (f == bf && (auc > bauc || (auc == bauc && v.Number > best.Number))) {
					best, target = v, v.Number
				}
			}
			if target == 0 {
				return fmt.Errorf("no version of %s has a test F1 to rank by; give -version", modelName)
			}
		}
		ev, err := a.reg.SetAlias(ctx, modelName, champion, target, registry.AliasOptions{Reason: "pipeline promote"})
		if err != nil {
			return err
		}
		a.moved(ev)
		return nil
	}
}

func rollbackFlags(fs *flag.FlagSet, a *app) func(context.Context) error {
	to := fs.Int("to", 0, "the version to move @champion to (default: where it was before its last move)")
	return func(ctx context.Context) error {
		if err := a.openStores(false); err != nil {
			return err
		}
		var ev registry.AliasEvent
		var err error
		if *to != 0 {
			ev, err = a.reg.RollbackTo(ctx, modelName, champion, *to, registry.AliasOptions{Reason: "pipeline rollback -to"})
		} else {
			ev, err = a.reg.Rollback(ctx, modelName, champion, registry.AliasOptions{Reason: "pipeline rollback"})
		}
		if errors.Is(err, registry.ErrNoRollback) {
			return fmt.Errorf("@champion has no earlier version to go back to; use -to N (%w)", err)
		}
		if err != nil {
			return err
		}
		a.moved(ev)
		return nil
	}
}

func (a *app) moved(ev registry.AliasEvent) {
	switch {
	case ev.Seq == 0 || ev.From == ev.To:
		a.printf("@champion already points at %s v%d\n", modelName, ev.To)
	case ev.From == 0:
		a.printf("@champion -> %s v%d\n", modelName, ev.To)
	default:
		a.printf("@champion: %s v%d -> v%d (a running `serve` switches within a poll)\n", modelName, ev.From, ev.To)
	}
}

func runsFlags(fs *flag.FlagSet, a *app) func(context.Context) error {
	n := fs.Int("n", 20, "show at most N runs")
	filter := fs.String("filter", "", "a search filter, as in MLflow: \"metrics.cv_f1 > 0.97 AND params.solver = 'lbfgs'\"")
	all := fs.Bool("all", false, "include the tuning trials (child runs)")
	return func(ctx context.Context) error {
		if *n < 1 {
			return &usageError{"-n must be at least 1"}
		}
		if err := a.openStores(false); err != nil {
			return err
		}
		exp, err := a.experiment(ctx)
		if err != nil {
			return err
		}
		f := *filter
		if !*all {
			top := fmt.Sprintf("tags.`%s` IN ('baseline', 'tune')", tagStage)
			if f == "" {
				f = top
			} else {
				f = "(" + f + ") AND " + top
			}
		}
		recs, _, err := a.store.SearchRuns(ctx, track.SearchOptions{
			ExperimentIDs: []string{exp.ID},
			Filter:        f,
			OrderBy:       []string{"metrics.test_f1 DESC", "metrics.cv_f1 DESC"},
			Limit:         *n,
		})
		if err != nil {
			return err
		}
		if len(recs) == 0 {
			a.printf("no runs match\n")
			return nil
		}
		tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "run\tname\tstatus\tstarted\tC\tsolver\tcv F1\ttest F1\tmodel\t\n")
		for _, r := range recs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.ID, r.Name, strings.ToLower(r.Status.String()),
				r.Start.Local().Format("2006-01-02 15:04:05"), orDash(shortFloat(r.Params["C"])), orDash(r.Params["solver"]),
				metric(r, "cv_f1", "best_cv_f1"), metric(r, "test_f1"), orDash(vtag(r)))
		}
		return tw.Flush()
	}
}

func vtag(r track.RunRecord) string {
	if v := r.Tags[tagVersion]; v != "" {
		return "v" + v
	}
	return ""
}

func metric(r track.RunRecord, keys ...string) string {
	for _, k := range keys {
		if m, ok := r.Metrics[k]; ok {
			return strconv.FormatFloat(m.Value, 'f', 4, 64)
		}
	}
	return "-"
}

func shortFloat(s string) string {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	return strconv.FormatFloat(f, 'g', 4, 64)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func modelsFlags(fs *flag.FlagSet, a *app) func(context.Context) error {
	return func(ctx context.Context) error {
		if err := a.openStores(false); err != nil {
			return err
		}
		vs, err := a.reg.Versions(ctx, modelName)
		if errors.Is(err, registry.ErrNotFound) {
			a.printf("no model %s registered yet\n", modelName)
			return nil
		}
		if err != nil {
			return err
		}
		sort.Slice(vs, func(i, j int) bool { return vs[i].Number < vs[j].Number })
		tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "model\tversion\taliases\tstage\ttest F1\ttest ROC AUC\tregistered\tdigest\t\n")
		for _, v := range vs {
			aliases := "-"
			if len(v.Aliases) > 0 {
				aliases = "@" + strings.Join(v.Aliases, " @")
			}
			fmt.Fprintf(tw, "%s\tv%d\t%s\t%s\t%s\t%s\t%s\t%s\t\n", v.Name, v.Number, aliases, orDash(v.Tags["stage"]),
				vmetric(v, "test_f1"), vmetric(v, "test_roc_auc"), v.Created.Local().Format("2006-01-02 15:04:05"), v.Digest[:min(len(v.Digest), 19)])
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		hist, err := a.reg.AliasHistory(ctx, modelName, champion)
		if err != nil || len(hist) == 0 {
			return err
		}
		a.printf("\n@champion history (newest last):\n")
		from := max(0, len(hist)-10)
		for _, ev := range hist[from:] {
			a.printf("  %s  %-8s %-5s -> %-4s %s\n", ev.At.Local().Format("2006-01-02 15:04:05"), orDash(ev.By), vname(ev.From), vname(ev.To), ev.Reason)
		}
		return nil
	}
}

// vname is "v3", or "unset" for 0.
func vname(n int) string {
	if n == 0 {
		return "unset"
	}
	return "v" + strconv.Itoa(n)
}

func vmetric(v registry.Version, k string) string {
	if x, ok := v.Metrics[k]; ok {
		return strconv.FormatFloat(x, 'f', 4, 64)
	}
	return "-"
}

func lineageFlags(fs *flag.FlagSet, a *app) func(context.Context) error {
	version := fs.Int("version", 0, "the version to trace (default: @champion)")
	return func(ctx context.Context) error {
		if err := a.openStores(false); err != nil {
			return err
		}
		ref := "@" + champion
		if *version != 0 {
			ref = strconv.Itoa(*version)
		}
		v, err := a.reg.Get(ctx, modelName, ref)
		if err != nil {
			return err
		}
		aliases := ""
		if len(v.Aliases) > 0 {
			aliases = " @" + strings.Join(v.Aliases, " @")
		}
		a.printf("model    %s v%d%s\n", v.Name, v.Number, aliases)
		a.printf("         %s, %d bytes, %s, registered %s by %s\n", v.Digest, v.Size, v.Format, v.Created.Local().Format(time.DateTime), orDash(v.CreatedBy))
		a.printf("         %s\n", v.Description)
		if v.RunID == "" {
			a.printf("run      (none recorded)\n")
		} else {
			r, err := a.store.RunRecord(ctx, v.RunID)
			if err != nil {
				return fmt.Errorf("run %s of v%d: %w", v.RunID, v.Number, err)
			}
			a.printf("run      %s %q, %s, started %s\n", r.ID, r.Name, strings.ToLower(r.Status.String()), r.Start.Local().Format(time.DateTime))
			a.printf("         params  %s\n", joinMap(r.Params))
			ms := map[string]string{}
			for k, m := range r.Metrics {
				if strings.HasPrefix(k, "test_") || strings.HasPrefix(k, "best_") {
					ms[k] = strconv.FormatFloat(m.Value, 'f', 4, 64)
				}
			}
			a.printf("         metrics %s\n", joinMap(ms))
			if c := r.Tags[tagCode]; c != "" {
				a.printf("code     %s\n", c)
			}
			if c := r.Tags[track.TagGitCommit]; c != "" {
				a.printf("         git %s\n", c)
			}
			for _, in := range r.Inputs {
				if in.Context == "training" {
					a.printf("data     %s %s %s (%s)\n", in.Name, in.Version, in.Digest, in.Context)
				}
			}
		}
		if v.DatasetDigest != "" {
			if err := a.dataLineage(v.DatasetDigest); err != nil {
				return err
			}
		}
		return nil
	}
}

// dataLineage says which version of the data set in the repository has
// the digest, and what it holds.
func (a *app) dataLineage(digest string) error {
	repo, err := a.openRepo()
	if err != nil {
		return err
	}
	vs, err := repo.Versions(context.Background(), dataName)
	if err != nil {
		return err
	}
	for _, dv := range vs {
		if dv.Digest == digest {
			a.printf("         %s in %s: %d file(s), %d bytes, recorded %s, %q\n", dv, repo.Dir(), dv.Files, dv.Size, dv.Created.Local().Format(time.DateTime), dv.Message)
			return nil
		}
	}
	a.printf("         (no version of %s in %s has this digest)\n", dataName, repo.Dir())
	return nil
}

func joinMap(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return strings.Join(parts, " ")
}
