package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/cairn-ml/cairn/registry"
)

// The champion rule. A model's test scores are measured on the test split
// of the data it was trained on, so two scores compare only when both
// models were trained on the same content (the same digest: a version of
// the data that restores earlier content counts as that content) to
// predict the same target with the same positive class. The pipeline
// never ranks models across that line:
//
//   - run points @champion at the better of its baseline and tuned model
//     (test F1, then ROC AUC; the tuned one on a tie) when it trained
//     either of them, when the alias is not set, or when the champion was
//     trained on other data than the current version. When both were
//     cached and the champion was trained on the current data, it leaves
//     the alias alone, so a rollback or a promote stands.
//   - baseline or tune alone sets @champion to its model when the alias is
//     not set or the champion was trained on other data; otherwise it
//     leaves it (promote moves it to the best).
//   - promote ranks only the versions trained on the newest version of the
//     data; promote -version N takes N whatever it was trained on.

// comparable reports whether v's test scores were measured on d's test
// split: trained on d's content, for d's target and positive class.
// Versions registered before the pipeline recorded the target and the
// positive class (breast-cancer's, diagnosis and benign) match on the
// data alone.
func (d *data) comparable(v registry.Version) bool {
	if v.DatasetDigest != d.version.Digest {
		return false
	}
	target, ok := v.Tags[verTarget]
	if !ok {
		return d.all.Target == "diagnosis" && d.positive == "benign"
	}
	return target == d.all.Target && v.Tags[verPositive] == d.positive
}

// champion returns the version @champion points at, and whether it is
// set.
func (a *app) champion(ctx context.Context) (registry.Version, bool, error) {
	model, err := a.reg.Model(ctx, a.source().model)
	if err != nil {
		return registry.Version{}, false, err
	}
	n, ok := model.Aliases[champion]
	if !ok {
		return registry.Version{}, false, nil
	}
	v, err := a.reg.Get(ctx, a.source().model, strconv.Itoa(n))
	return v, err == nil, err
}

// stale says why the champion cur does not compare with d's models:
// "v4 was trained on breast-cancer@v2", or "" when it does.
func (a *app) stale(ctx context.Context, d *data, cur registry.Version) string {
	if d.comparable(cur) {
		return ""
	}
	target, positive := cur.Tags[verTarget], cur.Tags[verPositive]
	if target == "" {
		target, positive = "diagnosis", "benign" // registered before the tags
	}
	switch {
	case cur.DatasetDigest != d.version.Digest:
		return fmt.Sprintf("v%d was trained on %s", cur.Number, a.dataNamed(ctx, cur.DatasetDigest))
	case target != d.all.Target:
		return fmt.Sprintf("v%d predicts %s", cur.Number, target)
	case positive == "":
		return fmt.Sprintf("v%d is scored by macro F1", cur.Number)
	}
	return fmt.Sprintf("v%d is scored by the F1 of %s", cur.Number, positive)
}

// dataNamed names the versions of the data set with digest:
// "breast-cancer@v1", "breast-cancer@v1=v3" when the content came back,
// or the digest's start when no version of the data set has it.
func (a *app) dataNamed(ctx context.Context, digest string) string {
	if digest == "" {
		return "unrecorded data"
	}
	if repo, err := a.openRepo(); err == nil {
		if vs, err := repo.Versions(ctx, a.source().name); err == nil {
			var ns []string
			for _, v := range vs {
				if v.Digest == digest {
					ns = append(ns, "v"+strconv.Itoa(v.Number))
				}
			}
			if len(ns) > 0 {
				return a.source().name + "@" + strings.Join(ns, "=")
			}
		}
	}
	return "data " + digest[:min(len(digest), 19)]
}

// firstChampion points @champion at r's version when the alias is not
// set, or, with replaceStale, when the champion was trained on other data
// than d. It returns a note when it moved the alias, else "".
func (a *app) firstChampion(ctx context.Context, d *data, r *result, replaceStale bool) (string, error) {
	cur, set, err := a.champion(ctx)
	if err != nil {
		return "", err
	}
	var why, note string
	switch {
	case !set:
		why = fmt.Sprintf("v%d, the first model (%s)", r.version.Number, stageName(r.stage))
		note = fmt.Sprintf("v%d (the first model)", r.version.Number)
	case replaceStale && a.stale(ctx, d, cur) != "":
		if cur.Number == r.version.Number {
			return "", nil
		}
		s := a.stale(ctx, d, cur)
		why = fmt.Sprintf("v%d (%s) replaces the champion: %s, not %s", r.version.Number, stageName(r.stage), s, d.version)
		note = fmt.Sprintf("v%d, moved from v%d (%s, not on the current %s)", r.version.Number, cur.Number, s, d.version)
	default:
		return "", nil
	}
	if _, err := a.reg.SetAlias(ctx, a.source().model, champion, r.version.Number, registry.AliasOptions{
		Reason: "pipeline " + r.stage + ": " + why,
	}); err != nil {
		return "", err
	}
	return note, nil
}

// pickChampion sets @champion by the rule above after a command that ran
// base, tuned or both, and returns the champion and a note. first is
// firstChampion's note if it set the alias in this command.
func (a *app) pickChampion(ctx context.Context, d *data, base, tuned *result, first string) (int, string, error) {
	cur, set, err := a.champion(ctx)
	if err != nil {
		return 0, "", err
	}
	if base == nil || tuned == nil {
		if first != "" {
			return cur.Number, first, nil
		}
		if s := a.stale(ctx, d, cur); s != "" {
			return cur.Number, fmt.Sprintf("v%d, left where it was (%s; run both stages to replace it)", cur.Number, s), nil
		}
		return cur.Number, fmt.Sprintf("v%d, left where it was (`promote` moves it to the best)", cur.Number), nil
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
	other := base
	if want == base {
		other = tuned
	}
	if set && cur.Number == want.version.Number {
		return cur.Number, fmt.Sprintf("v%d (%s)", cur.Number, why), nil
	}
	stale := ""
	if set {
		stale = a.stale(ctx, d, cur)
	}
	if set && base.cached && tuned.cached && first == "" && stale == "" {
		return cur.Number, fmt.Sprintf("v%d, left where it was (v%d scores higher: %s; `promote` moves it there)", cur.Number, want.version.Number, why), nil
	}
	reason := fmt.Sprintf("pipeline run: v%d (%s) beats v%d (%s) on the test split of %s: %s",
		want.version.Number, stageName(want.stage), other.version.Number, stageName(other.stage), d.version, why)
	if stale != "" {
		reason += "; " + stale
	}
	if _, err := a.reg.SetAlias(ctx, a.source().model, champion, want.version.Number, registry.AliasOptions{Reason: reason}); err != nil {
		return 0, "", err
	}
	switch {
	case !set:
		return want.version.Number, fmt.Sprintf("v%d (%s)", want.version.Number, why), nil
	case stale != "":
		return want.version.Number, fmt.Sprintf("v%d, moved from v%d (%s, not on the current %s; v%d beats v%d: %s)",
			want.version.Number, cur.Number, stale, d.version, want.version.Number, other.version.Number, why), nil
	}
	return want.version.Number, fmt.Sprintf("v%d, moved from v%d (%s)", want.version.Number, cur.Number, why), nil
}

// best returns the version of vs that promote picks: among those trained
// on d (see comparable) and not archived, the highest test F1, then ROC
// AUC, then the newest. ok is false when there is none.
func best(d *data, vs []registry.Version) (v registry.Version, ok bool) {
	for _, x := range vs {
		f, has := x.Metrics["test_f1"]
		if !has || x.Archived || !d.comparable(x) {
			continue
		}
		bf, bauc, auc := v.Metrics["test_f1"], v.Metrics["test_roc_auc"], x.Metrics["test_roc_auc"]
		if !ok || f > bf || (f == bf && (auc > bauc || (auc == bauc && x.Number > v.Number))) {
			v, ok = x, true
		}
	}
	return v, ok
}
