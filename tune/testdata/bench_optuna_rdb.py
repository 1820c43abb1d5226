#!/usr/bin/python3
"""Per-trial overhead of Optuna 3.1's RDB storage with 4 workers on one
study in PostgreSQL: the twin of tune's BenchmarkSharedStudy.

The objective asks for two parameters (a float and an int) and does no
work; the sampler is RandomSampler; so the time per trial is what the
storage and the study's bookkeeping cost. Two ways to run 4 workers:

  threads    one process, study.optimize(n_jobs=4)
  processes  4 processes (fork), each load_study + optimize(n_trials=N/4),
             timed from the moment all 4 are ready to the last one's end

Each run makes a new study (a fresh name) in the database of --url, whose
tables Optuna creates on first use (in that database's default schema).

    /usr/bin/python3 tune/testdata/bench_optuna_rdb.py \\
        --url postgresql://postgres:pw@127.0.0.1:5432/optuna --trials 400

Prints one line per mode: trials, wall seconds, ms per trial.
"""
import argparse
import multiprocessing as mp
import time
import uuid

import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)


def objective(trial):
    x = trial.suggest_float("x", -2, 2)
    k = trial.suggest_int("k", 1, 5)
    return x * x + k


def worker(url, name, n, seed, ready, go, done):
    storage = optuna.storages.RDBStorage(url)
    study = optuna.load_study(study_name=name, storage=storage,
                              sampler=optuna.samplers.RandomSampler(seed=seed))
    ready.release()
    go.wait()
    study.optimize(objective, n_trials=n)
    done.release()


def run_processes(url, trials, workers):
    name = "bench-" + uuid.uuid4().hex
    optuna.create_study(study_name=name, storage=optuna.storages.RDBStorage(url))
    ctx = mp.get_context("fork")
    ready, done, go = ctx.Semaphore(0), ctx.Semaphore(0), ctx.Event()
    procs = []
    for i in range(workers):
        n = trials // workers + (1 if i < trials % workers else 0)
        p = ctx.Process(target=worker, args=(url, name, n, i, ready, go, done))
        p.start()
        procs.append(p)
    for _ in procs:
        ready.acquire()
    start = time.perf_counter()
    go.set()
    for _ in procs:
        done.acquire()
    wall = time.perf_counter() - start
    for p in procs:
        p.join()
        if p.exitcode != 0:
            raise SystemExit("a worker failed")
    check(url, name, trials)
    return wall


def run_threads(url, trials, workers):
    name = "bench-" + uuid.uuid4().hex
    storage = optuna.storages.RDBStorage(url)
    study = optuna.create_study(study_name=name, storage=storage,
                                sampler=optuna.samplers.RandomSampler(seed=0))
    start = time.perf_counter()
    study.optimize(objective, n_trials=trials, n_jobs=workers)
    wall = time.perf_counter() - start
    check(url, name, trials)
    return wall


def check(url, name, trials):
    study = optuna.load_study(study_name=name, storage=url)
    got = study.get_trials(deepcopy=False)
    complete = [t for t in got if t.state == optuna.trial.TrialState.COMPLETE]
    if len(got) != trials or len(complete) != trials:
        raise SystemExit(f"{len(got)} trials ({len(complete)} complete), want {trials}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True, help="SQLAlchemy URL: postgresql://user:pw@host:port/db")
    ap.add_argument("--trials", type=int, default=400)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--modes", default="threads,processes")
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    print("optuna %s" % optuna.__version__)
    print("%-10s %7s %8s %9s" % ("mode", "trials", "wall-s", "ms/trial"))
    for _ in range(args.repeat):
        for mode in args.modes.split(","):
            run = run_threads if mode == "threads" else run_processes
            wall = run(args.url, args.trials, args.workers)
            print("%-10s %7d %8.2f %9.2f" % (mode, args.trials, wall, 1000 * wall / args.trials), flush=True)


if __name__ == "__main__":
    main()
