// An MLflow client that no one on cairn wrote (the npm package mlflow,
// 2.0.7) against a running `pipeline serve`: .ci/run installs the package
// into a temporary folder and runs this script with NODE_PATH pointing at
// it and MLFLOW_TRACKING_URI at the server. Each check prints one line;
// the last line is "N passed, N failed" and the exit code is 1 on any
// failure.
'use strict';

const MLflow = require('mlflow');
const { ViewType, RunStatus } = require('mlflow/enum');

const endpoint = process.env.MLFLOW_TRACKING_URI;
if (!endpoint) {
  console.error('MLFLOW_TRACKING_URI is not set');
  process.exit(2);
}
const headers = process.env.MLFLOW_TRACKING_TOKEN ? { Authorization: 'Bearer ' + process.env.MLFLOW_TRACKING_TOKEN } : {};
const client = new MLflow({ endpoint, headers });
const { Experiments, Runs, Metrics, Artifacts } = client;

// The package logs every POST body with console.log; keep our own lines
// apart from that noise.
const out = process.stderr;
let passed = 0;
let failed = 0;
function check(name, ok, detail) {
  if (ok) {
    passed++;
    out.write('ok   ' + name + '\n');
  } else {
    failed++;
    out.write('FAIL ' + name + (detail === undefined ? '' : ': ' + JSON.stringify(detail)) + '\n');
  }
}

async function step(name, fn) {
  try {
    await fn();
  } catch (e) {
    check(name, false, String(e && e.message ? e.message : e));
  }
}

(async () => {
  const name = 'npm-client-' + Date.now();
  let expId;
  let runId;
  const t0 = Date.now();

  await step('list experiments (the 1.x route)', async () => {
    const { experiments } = await Experiments.list();
    check('list experiments (the 1.x route)', Array.isArray(experiments) && experiments.every(e => e.experiment_id && e.lifecycle_stage === 'active'), experiments);
  });
  await step('create an experiment', async () => {
    const r = await Experiments.create({ name });
    expId = r.experiment_id;
    check('create an experiment', /^[1-9][0-9]*$/.test(expId), r);
  });
  await step('get the experiment', async () => {
    const { experiment } = await Experiments.get({ experiment_id: expId });
    check('get the experiment', experiment.name === name && experiment.artifact_location === 'mlflow-artifacts:/' + expId, experiment);
  });
  await step('list shows it', async () => {
    const { experiments } = await Experiments.list({ view_type: ViewType.ALL });
    check('list shows it', experiments.some(e => e.experiment_id === expId && e.name === name), experiments);
  });
  await step('create a run', async () => {
    const { run } = await Runs.create({ experiment_id: expId, start_time: t0, tags: [{ key: 'mlflow.runName', value: 'from-npm' }] });
    runId = run.info.run_id;
    check('create a run', /^[0-9a-f]{32}$/.test(runId) && run.info.status === 'RUNNING' && run.info.run_name === 'from-npm' && run.info.start_time === t0, run.info);
  });
  await step('log a param', async () => {
    check('log a param', JSON.stringify(await Runs.logParameter({ run_id: runId, key: 'alpha', value: '0.5' })) === '{}');
  });
  await step('log metrics', async () => {
    await Runs.logMetric({ run_id: runId, key: 'rmse', value: 0.8, timestamp: t0 + 1, step: 0 });
    await Runs.logMetric({ run_id: runId, key: 'rmse', value: 0.6, timestamp: t0 + 2, step: 1 });
    check('log metrics', true);
  });
  await step('log a batch', async () => {
    await Runs.logBatch({
      run_id: runId,
      metrics: [{ key: 'mae', value: 0.4, timestamp: t0 + 3, step: 0 }, { key: 'mae', value: 0.3, timestamp: t0 + 4, step: 1 }],
      params: [{ key: 'l1_ratio', value: '0.1' }],
      tags: [{ key: 'team', value: 'risk' }],
    });
    check('log a batch', true);
  });
  await step('set and delete a tag', async () => {
    await Runs.setTag({ run_id: runId, key: 'scratch', value: 'x' });
    await Runs.deleteTag({ run_id: runId, key: 'scratch' });
    check('set and delete a tag', true);
  });
  await step('get the run', async () => {
    const { run } = await Runs.get({ run_id: runId });
    const params = Object.fromEntries(run.data.params.map(p => [p.key, p.value]));
    const metrics = Object.fromEntries(run.data.metrics.map(m => [m.key, m.value]));
    const tags = Object.fromEntries(run.data.tags.map(t => [t.key, t.value]));
    check('get the run', params.alpha === '0.5' && params.l1_ratio === '0.1' && metrics.rmse === 0.6 && metrics.mae === 0.3 &&
      tags.team === 'risk' && !('scratch' in tags), run.data);
  });
  await step('search runs (with OR)', async () => {
    const { runs } = await Runs.search({
      experiment_ids: [expId], filter: "metrics.rmse < 0.7 OR params.alpha = '0.9'",
      run_view_type: ViewType.ACTIVE_ONLY, max_results: 10, order_by: ['metrics.rmse ASC'],
    });
    check('search runs (with OR)', runs.length === 1 && runs[0].info.run_id === runId, runs);
  });
  await step('search runs that match nothing', async () => {
    const r = await Runs.search({ experiment_ids: [expId], filter: 'metrics.rmse > 1' });
    check('search runs that match nothing', r.runs === undefined, r);
  });
  await step('metric history', async () => {
    const { metrics } = await Metrics.getHistory({ run_id: runId, metric_key: 'rmse' });
    check('metric history', metrics.length === 2 && metrics[0].value === 0.8 && metrics[1].value === 0.6 && metrics[1].step === 1 && metrics[1].timestamp === t0 + 2, metrics);
  });
  await step('end the run', async () => {
    const { run_info } = await Runs.update({ run_id: runId, status: RunStatus.FINISHED, end_time: t0 + 10 });
    check('end the run', run_info.status === 'FINISHED' && run_info.end_time === t0 + 10, run_info);
  });
  await step('list artifacts', async () => {
    const r = await Artifacts.list({ run_id: runId });
    check('list artifacts', r.root_uri === 'mlflow-artifacts:/' + expId + '/' + runId + '/artifacts' && r.files === undefined, r);
  });
  await step('delete and restore the run', async () => {
    await Runs.delete({ run_id: runId });
    const deleted = await Runs.search({ experiment_ids: [expId], run_view_type: ViewType.DELETED_ONLY });
    await Runs.restore({ run_id: runId });
    const { run } = await Runs.get({ run_id: runId });
    check('delete and restore the run', deleted.runs.length === 1 && run.info.lifecycle_stage === 'active', deleted);
  });
  await step('rename, delete and restore the experiment', async () => {
    await Experiments.update({ experiment_id: expId, new_name: name + '-renamed' });
    await Experiments.delete({ experiment_id: expId });
    const gone = await Experiments.get({ experiment_id: expId });
    await Experiments.restore({ experiment_id: expId });
    const back = await Experiments.get({ experiment_id: expId });
    check('rename, delete and restore the experiment', gone.experiment.lifecycle_stage === 'deleted' &&
      back.experiment.lifecycle_stage === 'active' && back.experiment.name === name + '-renamed', [gone, back]);
  });
  await step('an unknown run is RESOURCE_DOES_NOT_EXIST (404)', async () => {
    let msg = '';
    try {
      await Runs.get({ run_id: '0123456789abcdef0123456789abcdef' });
    } catch (e) {
      msg = String(e.message);
    }
    check('an unknown run is RESOURCE_DOES_NOT_EXIST (404)', msg.includes('"status":404') && msg.includes('RESOURCE_DOES_NOT_EXIST'), msg);
  });
  // Experiments.setExperimentTag of mlflow 2.0.7 posts to
  // /api/2.0/mlflow/experimentsset-experiment-tag (its path lacks a
  // slash), a route no MLflow server has: the server must say so as
  // MLflow does, ENDPOINT_NOT_FOUND.
  await step('the client\'s broken set-experiment-tag path is ENDPOINT_NOT_FOUND', async () => {
    let msg = '';
    try {
      await Experiments.setExperimentTag({ experiment_id: expId, key: 'k', value: 'v' });
    } catch (e) {
      msg = String(e.message);
    }
    check('the client\'s broken set-experiment-tag path is ENDPOINT_NOT_FOUND', msg.includes('ENDPOINT_NOT_FOUND'), msg);
  });

  out.write(passed + ' passed, ' + failed + ' failed\n');
  process.exit(failed === 0 ? 0 : 1);
})();
