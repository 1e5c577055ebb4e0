// Run page: config, summary, loss and accuracy charts, the head scores of sequence runs, checkpoints, and a
// checkpoint slider showing the selected checkpoint's metrics and the Fourier norms of W_E (when the checkpoint has
// that analysis). New checkpoints arrive as server-sent events (api/runs/ID/events) while the run trains; the page
// then reloads its series.
import { api } from './api.js';
import { SeriesChart, BarChart, attentionHeatmap } from './charts.js';
import { el, fill, fmt, flatten, showError, hideError } from './dom.js';

const LOSSES = ['train_loss', 'test_loss'];
const ACCURACIES = ['train_acc', 'test_acc'];
const MAX_POINTS = 2000; // the server thins longer series, keeping each bucket's extremes

const id = new URLSearchParams(location.search).get('id');
const errorBox = document.getElementById('error');
const lossChart = new SeriesChart(document.getElementById('loss-chart'), { log: true });
const accChart = new SeriesChart(document.getElementById('acc-chart'), { yRange: [0, 1] });
// head measures of sequence runs, one line per head (metric name without its measure prefix), with a reference level
const HEAD_CHARTS = [
  // small until the phase; laterLayersNote: the element saying the chart shows layers >= 1 only
  { card: 'induction-card', measure: 'induction_score_', heads: 'L', laterLayersNote: 'induction-heads' },
  { card: 'previous-token-card', measure: 'previous_token_score_', heads: 'L0', yRange: [0, 1] },
  { card: 'k-composition-card', measure: 'k_composition_', heads: 'L', reference: ['composition_score_random', 'random matrices'] },
].map((c) => ({
  ...c,
  chart: new SeriesChart(document.getElementById(c.card.replace('-card', '-chart')),
    { yRange: c.yRange, reference: c.reference?.[1] }),
}));
const fourierChart = new BarChart(document.getElementById('fourier-chart'), { xLabel: 'frequency k' });
const slider = document.getElementById('checkpoint-slider');
let checkpoints = []; // rows of api.checkpoints, ascending by step
let info = null;
let live = false;
let reloadTimer = null;

async function load() {
  try {
    const [run, metrics, rows] = await Promise.all([api.run(id), api.metrics(id, null, MAX_POINTS), api.checkpoints(id)]);
    info = run;
    hideError(errorBox);
    renderRun(run);
    renderCharts(metrics);
    renderCheckpoints(rows);
  } catch (err) {
    showError(errorBox, err);
  }
}

/** Several checkpoints can land at once: one reload for all of them. */
function scheduleReload() {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(load, 200);
}

function listen() {
  const events = new EventSource(api.eventsUrl(id));
  events.addEventListener('hello', () => { live = true; if (info) renderRun(info); });
  events.addEventListener('checkpoint', scheduleReload);
  events.addEventListener('gone', () => {
    events.close();
    showError(errorBox, { body: { error: 'run deleted', detail: `run ${id} no longer exists` } });
  });
  events.onerror = () => { live = false; if (info) renderRun(info); }; // EventSource reconnects by itself
}

function renderRun(run) {
  document.title = `dynalens · ${run.id}`;
  const status = run.summary?.status;
  fill(document.getElementById('run-title'), run.id, ' ',
    status ? el('span', { class: `badge status-${status}` }, status) : null);
  fill(document.getElementById('run-meta'),
    `task ${run.task} · seed ${run.seed} · created ${new Date(run.created).toLocaleString()} · `,
    `${run.checkpoints.length} checkpoints`,
    live ? el('span', { class: 'live' }, ' · live') : '',
    parentLinks(run));
  renderKeyValues(document.getElementById('summary'), run.summary);
  renderKeyValues(document.getElementById('config'), run.config);
  document.getElementById('provenance').textContent = JSON.stringify(run.provenance, null, 2);
}

/** A branched run (train --from, ticket): links to its parent checkpoint and to the diff parent@step vs this@step. */
function parentLinks(run) {
  const parent = run.config?.parent_run;
  if (!parent) return null;
  const step = run.config.parent_step;
  const mask = run.config.ticket_mask === 'random' ? ', random-mask control' : '';
  const ticket = run.config.ticket_keep != null ? ` (lottery ticket, keep ${run.config.ticket_keep}${mask})` : '';
  return el('span', { id: 'parent-link' }, ' · branched from ',
    el('a', { href: `run.html?id=${encodeURIComponent(parent)}` }, `${parent}@${step}`), ticket, ' (',
    el('a', { href: `diff.html?a=${encodeURIComponent(`${parent}@${step}`)}&b=${encodeURIComponent(`${run.id}@${step}`)}` },
      'compare'), ')');
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
  for (const c of HEAD_CHARTS) {
    let heads = Object.keys(series).filter((n) => n.startsWith(c.measure + c.heads)).sort();
    // an induction head reads an earlier layer: layer 0 is only shown for a 1-layer model, or with smeared keys,
    // where one head can do it alone (HeadScores.inductionMax)
    const later = heads.filter((n) => !n.startsWith(`${c.measure}L0H`));
    if (c.laterLayersNote) {
      const onlyLater = later.length > 0 && !info?.config?.smeared_keys;
      if (onlyLater) heads = later;
      document.getElementById(c.laterLayersNote).hidden = !onlyLater;
    }
    document.getElementById(c.card).hidden = heads.length === 0;
    if (heads.length === 0) continue;
    const lines = Object.fromEntries(heads.map((n) => [n.slice(c.measure.length), series[n]]));
    if (c.reference && c.reference[0] in series) lines[c.reference[1]] = series[c.reference[0]];
    c.chart.update(steps, lines);
  }
}

function renderCheckpoints(rows) {
  const atEnd = checkpoints.length === 0 || Number(slider.value) === checkpoints.length - 1;
  checkpoints = rows;
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
  slider.max = Math.max(0, rows.length - 1);
  slider.disabled = rows.length === 0;
  if (atEnd) slider.value = slider.max; // follow the newest checkpoint unless the user moved away
  showCheckpoint();
}

let shownStep = null;

async function showCheckpoint() {
  const row = checkpoints[Number(slider.value)];
  if (!row) return;
  document.getElementById('slider-step').textContent = `step ${row.step} (${Number(slider.value) + 1} of ${checkpoints.length})`;
  renderKeyValues(document.getElementById('slider-metrics'), row.error ? { error: row.error } : row.metrics);
  const last = checkpoints[checkpoints.length - 1].step;
  document.getElementById('compare-link').href =
    `diff.html?a=${encodeURIComponent(`${id}@${row.step}`)}&b=${encodeURIComponent(`${id}@${last}`)}`;
  showAttention(row.step);
  if (shownStep === row.step) return;
  shownStep = row.step;
  const box = document.getElementById('fourier-chart');
  try {
    const { analyses } = await api.analyses(id, row.step);
    if (shownStep !== row.step) return; // the slider moved on meanwhile
    const fourier = analyses.find((a) => /fourier/i.test(a.name) && a.shape.length === 1 && a.data);
    const keys = analyses.find((a) => a.name === 'key_freqs' && a.data);
    if (!fourier) {
      fourierChart.clear();
      fill(box, el('p', { class: 'muted' }, 'No Fourier analysis stored with this checkpoint.'));
      return;
    }
    fill(box);
    fourierChart.update(fourier.data, fourier.name, new Set(keys ? keys.data : []));
  } catch (err) {
    fourierChart.clear();
    fill(box, el('p', { class: 'muted' }, `analyses unavailable: ${err.message}`));
  }
}

// Attention pattern of one head at the slider's checkpoint (api/runs/ID/checkpoints/STEP/attention).
const attention = {
  layer: document.getElementById('attention-layer'),
  head: document.getElementById('attention-head'),
  input: document.getElementById('attention-input'),
  canvas: document.getElementById('attention-heatmap'),
  note: document.getElementById('attention-note'),
  shown: null,
};

/** Sequence tasks offer the head-score probe or the task's own sequence; classification tasks one example. */
function fillAttentionInputs(run) {
  const inputs = run.config && run.config.n_ctx !== undefined ? ['probe', 'task'] : ['example'];
  if ([...attention.input.options].map((o) => o.value).join() === inputs.join()) return;
  fill(attention.input, inputs.map((i) => el('option', { value: i }, i)));
}

function setOptions(select, count) {
  if (select.options.length === count) return;
  const keep = Math.min(Number(select.value) || 0, count - 1);
  fill(select, [...Array(count).keys()].map((i) => el('option', { value: i }, i)));
  select.value = String(keep);
}

async function showAttention(step) {
  if (info) fillAttentionInputs(info);
  const params = { layer: attention.layer.value, head: attention.head.value, input: attention.input.value };
  const key = JSON.stringify([step, params]);
  if (attention.shown === key) return;
  attention.shown = key;
  try {
    const body = await api.attention(id, step, params);
    if (attention.shown !== key) return; // the slider or a select moved on meanwhile
    setOptions(attention.layer, body.n_layers);
    setOptions(attention.head, body.n_heads);
    const p = body.patterns[0];
    attentionHeatmap(attention.canvas, p.pattern, body.labels ?? body.tokens);
    attention.canvas.dataset.step = String(step);
    attention.canvas.dataset.layer = String(p.layer);
    attention.canvas.dataset.head = String(p.head);
    attention.canvas.hidden = false;
    attention.note.textContent = `step ${step} · layer ${p.layer} head ${p.head} · input ${body.input} (${body.tokens.length} tokens)`;
  } catch (err) {
    if (attention.shown !== key) return;
    attention.canvas.hidden = true;
    attention.note.textContent = `attention unavailable: ${err.message}`;
  }
}

function redrawAttention() {
  const row = checkpoints[Number(slider.value)];
  if (row) showAttention(row.step);
}

for (const select of [attention.layer, attention.head, attention.input]) select.addEventListener('change', redrawAttention);

slider.addEventListener('input', showCheckpoint);

if (id) {
  load().then(listen);
} else {
  showError(errorBox, { body: { error: 'no run', detail: 'open this page as run.html?id=RUN' } });
}
