// Run page: config, summary, loss and accuracy charts, checkpoints. While the run trains (summary.status
// "running") the page polls for fresh data.
import { api } from './api.js';
import { SeriesChart } from './charts.js';
import { el, fill, fmt, flatten, showError, hideError } from './dom.js';

const POLL_MS = 5000;
const LOSSES = ['train_loss', 'test_loss'];
const ACCURACIES = ['train_acc', 'test_acc'];

const id = new URLSearchParams(location.search).get('id');
const errorBox = document.getElementById('error');
const lossChart = new SeriesChart(document.getElementById('loss-chart'), { log: true });
const accChart = new SeriesChart(document.getElementById('acc-chart'), { yRange: [0, 1] });
let shownSteps = null; // checkpoint steps currently in the table; reloaded only when they change

async function refresh() {
  let run;
  try {
    const [info, metrics] = await Promise.all([api.run(id), api.metrics(id)]);
    run = info;
    hideError(errorBox);
    renderRun(info);
    renderCharts(metrics);
    const steps = info.checkpoints.join();
    if (steps !== shownSteps) {
      renderCheckpoints(await api.checkpoints(id));
      shownSteps = steps;
    }
  } catch (err) {
    showError(errorBox, err);
  }
  // keep polling while training, and retry after a transient error
  if (!run || run.summary?.status === 'running') setTimeout(refresh, POLL_MS);
}

function renderRun(info) {
  document.title = `dynalens · ${info.id}`;
  const status = info.summary?.status;
  fill(document.getElementById('run-title'), info.id, ' ',
    status ? el('span', { class: `badge status-${status}` }, status) : null);
  fill(document.getElementById('run-meta'),
    `task ${info.task} · seed ${info.seed} · created ${new Date(info.created).toLocaleString()} · `,
    `${info.checkpoints.length} checkpoints`,
    status === 'running' ? ` · refreshing every ${POLL_MS / 1000} s` : '');
  renderKeyValues(document.getElementById('summary'), info.summary);
  renderKeyValues(document.getElementById('config'), info.config);
  document.getElementById('provenance').textContent = JSON.stringify(info.provenance, null, 2);
}

function renderKeyValues(table, obj) {
  const rows = Object.entries(flatten(obj));
  fill(table.tBodies[0], rows.length === 0
    ? el('tr', {}, el('td', { class: 'muted' }, 'none'))
    : rows.map(([k, v]) => el('tr', {}, el('th', {}, k), el('td', { class: typeof v === 'number' ? 'num' : undefined }, fmt(v)))));
}

function pick(series, names) {
  return Object.fromEntries(names.filter((n) => n in series).map((n) => [n, series[n]]));
}

function renderCharts({ steps, series }) {
  const losses = pick(series, LOSSES);
  if (Object.keys(losses).length > 0) {
    lossChart.update(steps, losses);
  } else {
    fill(document.getElementById('loss-chart'), el('p', { class: 'muted' }, 'No loss metrics recorded yet.'));
  }
  const accuracies = pick(series, ACCURACIES);
  const hasAcc = Object.keys(accuracies).length > 0;
  document.getElementById('acc-card').hidden = !hasAcc;
  if (hasAcc) accChart.update(steps, accuracies);
}

function renderCheckpoints(rows) {
  const table = document.getElementById('checkpoints');
  const metricNames = [...new Set(rows.flatMap((r) => Object.keys(r.metrics ?? {})))].sort();
  document.getElementById('checkpoint-count').textContent = `(${rows.length})`;
  fill(table.tHead, el('tr', {}, el('th', { class: 'num' }, 'step'),
    metricNames.map((m) => el('th', { class: 'num' }, m)), el('th', {}, 'params')));
  fill(table.tBodies[0], [...rows].reverse().map((r) => el('tr', { class: r.error ? 'bad' : undefined },
    el('td', { class: 'num' }, r.step),
    r.error
      ? el('td', { colspan: metricNames.length, class: 'error-cell' }, r.error)
      : metricNames.map((m) => el('td', { class: 'num' }, fmt(r.metrics[m]))),
    el('td', {}, r.error ? '' : el('a', { href: api.paramsUrl(id, r.step) }, 'list')))));
}

if (id) {
  refresh();
} else {
  showError(errorBox, { body: { error: 'no run', detail: 'open this page as run.html?id=RUN' } });
}
