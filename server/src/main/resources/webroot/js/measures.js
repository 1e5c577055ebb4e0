// Run page, progress measures (Nanda et al. 2023): measures.h5 curves with the run's phases shaded (memorisation,
// circuit formation, cleanup from the run summary), the weight norm, and the Fourier spectrum of W_E of a chosen
// checkpoint. Self-contained (its own fetches and charts) so it does not touch run.js.
import uPlot from '../vendor/uplot/uPlot.esm.js';

const HEIGHT = 260;
const COLORS = ['#2563eb', '#dc2626', '#059669', '#d97706'];
const PHASES = [
  { name: 'memorisation', color: 'rgba(31, 119, 180, 0.12)' },
  { name: 'circuit formation', color: 'rgba(255, 127, 14, 0.14)' },
  { name: 'cleanup', color: 'rgba(44, 160, 44, 0.14)' },
];
const POLL_MS = 15000;

const id = new URLSearchParams(location.search).get('id');
const base = `api/runs/${encodeURIComponent(id)}`;
const section = document.getElementById('measures');
const charts = {};

async function getJson(path) {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new Error(body?.detail ?? `HTTP ${res.status}`);
  return body;
}

/** Phase intervals [from, to, phase] from the summary's boundaries; an unfinished phase runs to the last step. */
export function phaseIntervals(phases, first, last) {
  const m = phases.phase_memorisation_end, c = phases.phase_circuit_formation_end, e = phases.phase_cleanup_end;
  if (m === undefined) return [];
  const out = [[first, m, PHASES[0]], [m, c ?? last, PHASES[1]]];
  if (c !== undefined) out.push([c, e ?? last, PHASES[2]]);
  return out;
}

/** uPlot plugin shading the phase intervals behind the series, with their names at the top. */
function phaseShading(getIntervals) {
  return {
    hooks: {
      drawClear: [(u) => {
        const { ctx } = u;
        const { left, top, width, height } = u.bbox;
        ctx.save();
        ctx.font = `${Math.round(11 * devicePixelRatio)}px sans-serif`;
        for (const [from, to, phase] of getIntervals()) {
          const x0 = Math.max(left, u.valToPos(from, 'x', true));
          const x1 = Math.min(left + width, u.valToPos(to, 'x', true));
          if (x1 <= x0) continue;
          ctx.fillStyle = phase.color;
          ctx.fillRect(x0, top, x1 - x0, height);
          if (ctx.measureText(phase.name).width < x1 - x0 - 4) {
            ctx.fillStyle = '#555';
            ctx.fillText(phase.name, x0 + 4, top + 14 * devicePixelRatio);
          }
        }
        ctx.restore();
      }],
    },
  };
}

function logTick(v) {
  if (v === null || v === undefined) return '';
  return v >= 1e-3 && v < 1e4 ? String(Number(v.toPrecision(3))) : v.toExponential(0);
}

function card(key, title) {
  let c = document.getElementById(`measure-${key}`);
  if (!c) {
    c = document.createElement('div');
    c.className = 'chart-card';
    c.id = `measure-${key}`;
    const h = document.createElement('h2');
    h.textContent = title;
    const div = document.createElement('div');
    div.className = 'chart';
    c.append(h, div);
    section.querySelector('.charts').append(c);
  }
  return c.querySelector('.chart');
}

function draw(key, title, steps, series, { log = false, yRange = null } = {}, intervals) {
  const names = Object.keys(series);
  if (names.length === 0) return;
  const container = card(key, title);
  const clean = (vs) => (log ? vs.map((v) => (v !== null && v > 0 ? v : null)) : vs);
  const data = [steps, ...names.map((n) => clean(series[n]))];
  const existing = charts[key];
  if (existing && existing.names === names.join()) {
    existing.intervals = intervals;
    existing.plot.setData(data);
    return;
  }
  existing?.plot.destroy();
  const state = { names: names.join(), intervals };
  const y = log ? { distr: 3 } : {};
  if (yRange) y.range = yRange;
  state.plot = new uPlot({
    width: Math.max(300, container.clientWidth),
    height: HEIGHT,
    scales: { x: { time: false }, y },
    axes: [{ label: 'step' }, log ? { values: (u, splits) => splits.map(logTick), size: 60 } : {}],
    series: [{ label: 'step' }, ...names.map((n, i) => ({ label: n, stroke: COLORS[i % COLORS.length], width: 1.5, spanGaps: true }))],
    plugins: [phaseShading(() => state.intervals)],
  }, data, container);
  new ResizeObserver(() => state.plot.setSize({ width: Math.max(300, container.clientWidth), height: HEIGHT })).observe(container);
  charts[key] = state;
}

function pick(series, names) {
  return Object.fromEntries(names.filter((n) => n in series).map((n) => [n, series[n]]));
}

let spectrumStep = null;

async function drawSpectrum(steps) {
  const select = document.getElementById('spectrum-step');
  const current = select.value;
  if (select.options.length !== steps.length) {
    select.replaceChildren(...steps.map((s) => new Option(String(s), String(s))));
    select.value = current && steps.includes(Number(current)) ? current : String(steps[steps.length - 1]);
  }
  const step = Number(select.value);
  if (step === spectrumStep) return;
  spectrumStep = step;
  const container = document.getElementById('spectrum-chart');
  const note = document.getElementById('spectrum-note');
  let body;
  try {
    body = await getJson(`${base}/checkpoints/${step}/spectrum`);
  } catch (err) {
    charts.spectrum?.destroy();
    charts.spectrum = null;
    note.textContent = `No spectrum at step ${step}: ${err.message}`;
    return;
  }
  const k = body.freq_norms_W_E.map((_, i) => i + 1);
  note.textContent = `Norm of the cos/sin components of each frequency k of W_E at step ${step}; key frequencies of `
    + `this checkpoint: ${body.key_freqs.length ? body.key_freqs.join(', ') : 'none'}.`;
  charts.spectrum?.destroy();
  charts.spectrum = new uPlot({
    width: Math.max(300, container.clientWidth),
    height: HEIGHT,
    scales: { x: { time: false, range: [0, k.length + 1] } },
    axes: [{ label: 'frequency k' }, {}],
    series: [{ label: 'k' }, { label: 'norm', fill: '#2563eb', stroke: '#2563eb', paths: uPlot.paths.bars({ size: [0.8, 20] }), points: { show: false } }],
  }, [k, body.freq_norms_W_E], container);
}

async function refresh() {
  let running = false;
  try {
    const [run, m, metrics] = await Promise.all([getJson(base), getJson(`${base}/measures`),
      getJson(`${base}/metrics?names=sum_sq_weights`).catch(() => null)]);
    running = run.summary?.status === 'running';
    if (m.steps.length === 0) {
      section.hidden = true;
    } else {
      section.hidden = false;
      const first = Math.min(m.steps[0], metrics?.steps[0] ?? Infinity);
      const last = Math.max(m.steps[m.steps.length - 1], metrics?.steps[metrics.steps.length - 1] ?? -Infinity);
      const intervals = phaseIntervals(m.phases, first, last);
      const p = m.phases;
      document.getElementById('phases-note').textContent = p.phase_memorisation_end === undefined
        ? 'Phases: not detected yet (found at the end of training and by dynalens analyze).'
        : `Phases: memorisation ${first}–${p.phase_memorisation_end}, circuit formation ${p.phase_memorisation_end}–`
          + `${p.phase_circuit_formation_end ?? '…'}, cleanup ${p.phase_circuit_formation_end ?? '…'}–`
          + `${p.phase_cleanup_end ?? '…'}; test loss < 0.1 at ${p.grok_step ?? '–'}.`;
      draw('losses', 'Restricted and excluded loss (log scale)', m.steps, pick(m.series, ['restricted_loss', 'excluded_loss']), { log: true }, intervals);
      if (metrics) draw('weights', 'Sum of squared weights', metrics.steps, metrics.series, {}, intervals);
      draw('gini', 'Gini of the Fourier norms of W_E, W_L', m.steps, pick(m.series, ['gini_W_E', 'gini_W_L']), {}, intervals);
      draw('keys', 'Number of key frequencies', m.steps, pick(m.series, ['num_key_freqs']), {}, intervals);
      await drawSpectrum(m.steps);
    }
  } catch (err) {
    document.getElementById('phases-note').textContent = `Progress measures unavailable: ${err.message}`;
  }
  if (running) setTimeout(refresh, POLL_MS);
}

if (id && section) {
  document.getElementById('spectrum-step').addEventListener('change', () => refresh());
  refresh();
}
