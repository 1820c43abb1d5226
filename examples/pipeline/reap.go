package main

import (
	"context"
	"fmt"
	"strings"
)

// reap marks killed the runs left running by a pipeline process that has
// gone (killed, crashed, its terminal closed): every command does it when
// it opens the runs, so a run whose owner died does not stay "running"
// forever, as it would in MLflow. track can only see the processes of
// this host; runs started on other hosts are left to theirs. It says on
// stderr which runs it marked.
func (a *app) reap() error {
	ctx, cancel := context.WithTimeout(context.Background(), a.env.timeout)
	defer cancel()
	ids, err := a.store.ReapRuns(ctx)
	if err != nil {
		return err
	}
	if len(ids) > 0 {
		fmt.Fprintf(a.stderr, "pipeline: marked killed %d run(s) whose process had gone: %s\n", len(ids), clip(strings.Join(ids, " "), 200))
	}
	return nil
}
