package track

import (
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestReproTags(t *testing.T) {
	bi := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "example.com/app", Version: "v1.2.3"},
		Settings: []debug.BuildSetting{
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "0123abcd"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	for _, tc := range []struct {
		name string
		bi   *debug.BuildInfo
		ok   bool
		want map[string]string
	}{
		{"git build", bi, true, map[string]string{
			TagGoVersion: "go1.26.8", TagModule: "example.com/app", TagModuleVersion: "v1.2.3",
			TagGitCommit: "0123abcd", TagGitDirty: "true", TagHost: "h", TagUser: "u",
		}},
		{"no build info", nil, false, map[string]string{TagGoVersion: runtime.Version(), TagHost: "h", TagUser: "u"}},
		{"other VCS", &debug.BuildInfo{Settings: []debug.BuildSetting{{Key: "vcs", Value: "hg"}, {Key: "vcs.revision", Value: "42"}}}, true,
			map[string]string{TagGoVersion: runtime.Version(), "cairn.source.hg.commit": "42", TagHost: "h", TagUser: "u"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, reproTags(tc.bi, tc.ok, "h", "u")); diff != "" {
				t.Errorf("reproTags (-want +got):\n%s", diff)
			}
		})
	}
}
