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
// champion by the rule in champion.go.
func (a *app) pipeline(ctx context.Context, doBaseline, doTune bool, trials int, force bool) error {
	start := time.Now()
	a.printf("work      %s\n", a.dir)
	if a.locs.store != "" || a.locs.blobs != "" {
		a.printf("shared    store %s, blobs %s\n", orDefault(redact(a.locs.store), "the work folder"), orDefault(redact(a.locs.blobs), "beside the store"))
	}
	d, err := a.prepareData(ctx)
	if err != nil {
		return err
	}
	state := "unchanged"
	switch {
	case d.created && d.same != 0:
		state = fmt.Sprintf("new version v%d, the same content as v%d", d.version.Number, d.same)
	case d.created:
		state = "new version"
	}
	a.printf("data      %s  %s  (%d rows x %d features%s; %s)\n", d.version, d.version.Digest, d.all.Len(), len(d.all.Columns), describeTable(d.all), state)
	scored := "F1 of " + d.positive + ", the positive class"
	if d.positive == "" {
		scored = "macro F1"
	}
	a.printf("target    %s: %d classes (%s), scored by %s\n", d.all.Target, len(d.all.Classes), clip(strings.Join(d.all.Classes, ", "), 200), scored)
	a.printf("split     train %d %s, test %d %s (stratified, seed %d, the rows scikit-learn picks)\n",
		d.train.Len(), counts(d.all.Classes, d.train.ClassCounts()), d.test.Len(), counts(d.all.Classes, d.test.ClassCounts()), splitSeed)
	if err := a.openStores(true); err != nil {
		return err
	}
	exp, err := a.experiment(ctx)
	if err != nil {
		return err
	}
	var base, tuned *result
	var first string // set when this command moved @champion before the end
	if doBaseline {
		if base, err = a.baseline(ctx, exp, d, force); err != nil {
			return err
		}
		if first, err = a.firstChampion(ctx, d, base, !doTune); err != nil {
			return err
		}
	}
	if doTune {
		if tuned, err = a.tuneStage(ctx, exp, d, trials, force); err != nil {
			return err
		}
		if !doBaseline {
			if first, err = a.firstChampion(ctx, d, tuned, true); err != nil {
				return err
			}
		}
	}
	champ, note, err := a.pickChampion(ctx, d, base, tuned, first)
	if err != nil {
		return err
	}
	a.printf("champion  %s\n\n", note)
	a.summary(d, base, tuned, champ)
	a.printf("\ndone in %v. Next:\n", time.Since(start).Round(time.Millisecond))
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 3, ' ', 0)
	fmt.Fprintf(tw, "  %s\tserve @champion on http://127.0.0.1:8000 (dashboards under /ui/)\n", a.command("serve"))
	fmt.Fprintf(tw, "  %s\tmove @champion back (works while serve runs)\n", a.command("rollback"))
	fmt.Fprintf(tw, "  %s\tthe runs, best first; models, lineage: the registry\n", a.command("runs"))
	return tw.Flush()
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
	fmt.Fprintf(tw, "model\tversion\tsettings\ttest accuracy\ttest F1 (%s)\ttest ROC AUC\t\n", d.f1Label())
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
	version := fs.Int("version", 0, "the version to promote (default: the best by test F1 of those trained on the newest data)")
	return func(ctx context.Context) error {
		given := isSet(fs, "version")
		if given && *version < 1 {
			return &usageError{fmt.Sprintf("-version %d: versions are numbered from 1", *version)}
		}
		if err := a.openStores(false); err != nil {
			return err
		}
		target, reason := *version, fmt.Sprintf("pipeline promote -version %d", *version)
		if !given {
			d, err := a.currentData(ctx)
			if err != nil {
				return err
			}
			vs, err := a.reg.Versions(ctx, a.source().model)
			if err != nil {
				return err
			}
			b, ok := best(d, vs)
			if !ok {
				return fmt.Errorf("no version of %s was trained on %s, the newest data, and scored by its %s F1; run `%s` or give -version N",
					a.source().model, d.version, d.f1Label(), a.command())
			}
			target = b.Number
			reason = fmt.Sprintf("pipeline promote: v%d is the best on the test split of %s (test F1 %.4f, ROC AUC %.4f)",
				b.Number, d.version, b.Metrics["test_f1"], b.Metrics["test_roc_auc"])
		}
		ev, err := a.reg.SetAlias(ctx, a.source().model, champion, target, registry.AliasOptions{Reason: reason})
		if err != nil {
			return err
		}
		a.moved(ev)
		return nil
	}
}

func rollbackFlags(fs *flag.FlagSet, a *app) func(context.Context) error {
	to := fs.Int("to", 0, "the version to move @champion to, one it pointed at before (default: where it was before its last move)")
	return func(ctx context.Context) error {
		given := isSet(fs, "to")
		if given && *to < 1 {
			return &usageError{fmt.Sprintf("-to %d: versions are numbered from 1 (without -to, rollback undoes the last move)", *to)}
		}
		if err := a.openStores(false); err != nil {
			return err
		}
		var ev registry.AliasEvent
		var err error
		if given {
			ev, err = a.reg.RollbackTo(ctx, a.source().model, champion, *to, registry.AliasOptions{Reason: fmt.Sprintf("pipeline rollback -to %d", *to)})
		} else {
			reason := "pipeline rollback"
			if cur, set, cerr := a.champion(ctx); cerr == nil && set {
				reason = fmt.Sprintf("pipeline rollback: undo the move to v%d", cur.Number)
			}
			ev, err = a.reg.Rollback(ctx, a.source().model, champion, registry.AliasOptions{Reason: reason})
		}
		if errors.Is(err, registry.ErrNoRollback) {
			if given {
				return fmt.Errorf("@champion never pointed at v%d; `promote -version %d` moves it there (%w)", *to, *to, err)
			}
			return fmt.Errorf("@champion has no earlier version to go back to; use -to N (%w)", err)
		}
		if err != nil {
			return err
		}
		a.moved(ev)
		return nil
	}
}

// isSet reports whether the flag name was given on the command line.
func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func (a *app) moved(ev registry.AliasEvent) {
	model := a.source().model
	switch {
	case ev.Seq == 0 || ev.From == ev.To:
		a.printf("@champion already points at %s v%d\n", model, ev.To)
	case ev.From == 0:
		a.printf("@champion -> %s v%d\n", model, ev.To)
	default:
		a.printf("@champion: %s v%d -> v%d (a running `serve` switches within a poll)\n", model, ev.From, ev.To)
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
		opts := track.SearchOptions{
			ExperimentIDs: []string{exp.ID},
			Filter:        f,
			OrderBy:       []string{"metrics.test_f1 DESC", "metrics.cv_f1 DESC"},
			Limit:         *n,
		}
		recs, _, err := a.store.SearchRuns(ctx, opts)
		var perr *track.ParseError
		if errors.As(err, &perr) && f != *filter {
			// The filter was wrapped to leave out the trials: report what
			// is wrong with it as the user typed it.
			opts.Filter, opts.Limit = *filter, 1
			if _, _, uerr := a.store.SearchRuns(ctx, opts); uerr != nil {
				err = uerr
			}
		}
		if errors.As(err, &perr) {
			return &usageError{"-filter: " + err.Error()}
		}
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
		model := a.source().model
		vs, err := a.reg.Versions(ctx, model)
		if errors.Is(err, registry.ErrNotFound) {
			a.printf("no model %s registered yet\n", model)
			return nil
		}
		if err != nil {
			return err
		}
		sort.Slice(vs, func(i, j int) bool { return vs[i].Number < vs[j].Number })
		tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "model\tversion\taliases\tstage\ttrained on\ttest F1\ttest ROC AUC\tregistered\tdigest\t\n")
		names := map[string]string{}
		for _, v := range vs {
			aliases := "-"
			if len(v.Aliases) > 0 {
				aliases = "@" + strings.Join(v.Aliases, " @")
			}
			if _, ok := names[v.DatasetDigest]; !ok {
				names[v.DatasetDigest] = strings.TrimPrefix(a.dataNamed(ctx, v.DatasetDigest), a.source().name+"@")
			}
			f1 := vmetric(v, "test_f1")
			if p := v.Tags[verPositive]; p != "" {
				f1 += " (" + p + ")"
			} else if _, ok := v.Tags[verTarget]; ok && f1 != "-" {
				f1 += " (macro)"
			}
			fmt.Fprintf(tw, "%s\tv%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", v.Name, v.Number, aliases, orDash(v.Tags["stage"]), names[v.DatasetDigest],
				f1, vmetric(v, "test_roc_auc"), v.Created.Local().Format("2006-01-02 15:04:05"), v.Digest[:min(len(v.Digest), 19)])
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		hist, err := a.reg.AliasHistory(ctx, model, champion)
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
		given := isSet(fs, "version")
		if given && *version < 1 {
			return &usageError{fmt.Sprintf("-version %d: versions are numbered from 1", *version)}
		}
		if err := a.openStores(false); err != nil {
			return err
		}
		ref := "@" + champion
		if given {
			ref = strconv.Itoa(*version)
		}
		v, err := a.reg.Get(ctx, a.source().model, ref)
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
	vs, err := repo.Versions(context.Background(), a.source().name)
	if err != nil {
		return err
	}
	found := false
	for _, dv := range vs {
		if dv.Digest == digest {
			a.printf("         %s in %s: %d file(s), %d bytes, recorded %s, %q\n", dv, repo.Dir(), dv.Files, dv.Size, dv.Created.Local().Format(time.DateTime), dv.Message)
			found = true
		}
	}
	if !found {
		a.printf("         (no version of %s in %s has this digest)\n", a.source().name, repo.Dir())
	}
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
