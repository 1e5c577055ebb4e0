// Diff page: pick two checkpoints (run + step each; the choice lives in the URL as ?a=RUN@STEP&b=RUN@STEP) and
// show /api/diff as tables and plots.
import { api } from './api.js';
import { BarChart, heatmap } from './charts.js';
import { el, fill, fmt, showError, hideError } from './dom.js';

const form = document.getElementById('pickers');
const errorBox = document.getElementById('error');
const status = document.getElementById('status');
const result = document.getElementById('result');
const sides = {
  a: { run: document.getElementById('run-a'), step: document.getElementById('step-a') },
  b: { run: document.getElementById('run-b'), step: document.getElementById('step-b') },
};
const paramChart = new BarChart(document.getElementById('param-chart'), { xLabel: 'parameter #' });

function parseRef(text) {
  const at = (text ?? '').lastIndexOf('@');
  return at > 0 ? { run: text.slice(0, at), step: text.slice(at + 1) } : { run: text ?? '', step: '' };
}

async function fillSteps(side, wanted) {
  const { run, step } = sides[side];
  fill(step);
  if (!run.value) return;
  try {
    const rows = await api.checkpoints(run.value);
    const steps = rows.map((r) => r.step);
    fill(step, steps.map((s) => el('option', { value: s }, `step ${s}`)));
    const target = wanted === 'latest' || wanted === undefined || wanted === '' ? steps[steps.length - 1] : Number(wanted);
    if (steps.includes(target)) step.value = String(target);
  } catch (err) {
    showError(errorBox, err);
  }
}

async function init() {
  const params = new URLSearchParams(location.search);
  const a = parseRef(params.get('a'));
  const b = parseRef(params.get('b'));
  sides.a.run.value = a.run;
  sides.b.run.value = b.run;
  api.search('', null, 0, 500)
    .then((r) => fill(document.getElementById('run-ids'), r.runs.map((run) => el('option', { value: run.id }))))
    .catch(() => { /* no index: type the run id */ });
  await Promise.all([fillSteps('a', a.step), fillSteps('b', b.step)]);
  if (params.get('a') && params.get('b')) show(params.get('a'), params.get('b'));
}

async function show(a, b) {
  status.textContent = `comparing ${a} with ${b} …`;
  result.hidden = true;
  try {
    const d = await api.diff(a, b);
    hideError(errorBox);
    status.textContent = '';
    render(d);
  } catch (err) {
    status.textContent = '';
    showError(errorBox, err);
  }
}

function render(d) {
  result.hidden = false;
  fill(document.getElementById('diff-title'),
    `${d.a.run} @ ${d.a.step}  →  ${d.b.run} @ ${d.b.step}`, d.same_run ? ' (same run)' : ' (two runs)');
  document.getElementById('stat-relative').textContent = fmt(d.total.relative_change);
  document.getElementById('stat-cosine').textContent = fmt(d.total.cosine);
  document.getElementById('stat-cka-logits').textContent = fmt(d.cka.logits);
  document.getElementById('stat-cka-embed').textContent = fmt(d.cka.embedding);
  document.getElementById('cka-note').textContent = d.cka.note
    ?? (d.cka.inputs ? `logits at the last position over all ${d.cka.inputs} inputs of ${d.cka.task}` : '');

  const params = document.getElementById('param-table');
  const cols = ['name', 'shape', 'norm_a', 'norm_b', 'l2_diff', 'relative_change', 'cosine'];
  fill(params.tHead, el('tr', {}, el('th', { class: 'num' }, '#'), cols.map((c) => el('th', { class: c === 'name' ? undefined : 'num' }, c))));
  fill(params.tBodies[0], d.parameters.map((p, i) => el('tr', {}, el('td', { class: 'num' }, i + 1),
    cols.map((c) => el('td', { class: c === 'name' ? undefined : 'num' }, c === 'shape' ? `[${p.shape.join(', ')}]` : fmt(p[c]))))));
  paramChart.update(d.parameters.map((p) => p.relative_change ?? 0), 'relative change');

  const metrics = document.getElementById('metric-table');
  fill(metrics.tHead, el('tr', {}, ['metric', 'a', 'b', 'b − a'].map((h, i) => el('th', { class: i ? 'num' : undefined }, h))));
  fill(metrics.tBodies[0], d.metrics.map((m) => el('tr', {}, el('td', {}, m.name),
    [m.a, m.b, m.delta].map((v) => el('td', { class: 'num' }, fmt(v))))));

  const keys = document.getElementById('key-freqs');
  if (!d.key_freqs.available) {
    fill(keys, el('p', { class: 'muted' }, d.key_freqs.note));
  } else {
    const chip = (k, cls) => el('span', { class: cls }, k);
    fill(keys,
      el('p', {}, 'shared: ', d.key_freqs.shared.map((k) => chip(k, 'shared'))),
      el('p', {}, 'only a: ', d.key_freqs.only_a.map((k) => chip(k, 'only-a'))),
      el('p', {}, 'only b: ', d.key_freqs.only_b.map((k) => chip(k, 'only-b'))));
  }

  const layer = d.heads[0];
  const canvas = document.getElementById('head-heatmap');
  const matching = document.getElementById('head-matching');
  if (!layer) {
    canvas.hidden = true;
    fill(matching.tBodies[0], el('tr', {}, el('td', { class: 'muted' }, 'no attention heads to compare')));
    return;
  }
  canvas.hidden = false;
  heatmap(canvas, layer.similarity);
  fill(matching.tHead, el('tr', {}, el('th', {}, 'head of a'), el('th', {}, 'matched head of b'), el('th', { class: 'num' }, 'similarity')));
  fill(matching.tBodies[0], layer.matching.map((m) => el('tr', {}, el('td', {}, `a${m.a}`), el('td', {}, `b${m.b}`),
    el('td', { class: 'num' }, fmt(m.similarity)))));
}

for (const side of ['a', 'b']) sides[side].run.addEventListener('change', () => fillSteps(side, 'latest'));

form.addEventListener('submit', (e) => {
  e.preventDefault();
  const a = `${sides.a.run.value.trim()}@${sides.a.step.value || 'latest'}`;
  const b = `${sides.b.run.value.trim()}@${sides.b.step.value || 'latest'}`;
  history.replaceState(null, '', `?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}`);
  show(a, b);
});

init();
