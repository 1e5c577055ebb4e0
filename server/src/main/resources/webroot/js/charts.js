// Line charts of metric series over training steps, drawn with the vendored uPlot.
import uPlot from '../vendor/uplot/uPlot.esm.js';

const COLORS = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#65a30d', '#92400e', '#475569'];
const HEIGHT = 300;

// uPlot's default tick labels round small powers of ten to 0; losses go down to 1e-6 and below.
function logTick(v) {
  if (v === null || v === undefined) return '';
  return v >= 1e-3 && v < 1e4 ? String(Number(v.toPrecision(3))) : v.toExponential(0);
}

/**
 * A chart of some named series against steps that can be refreshed in place.
 * log: a log-scale y axis (losses span orders of magnitude around grokking). Non-positive values cannot be
 * drawn on it, so they become gaps.
 */
export class SeriesChart {
  /** reference: the name of a series drawn as a dashed black level line (e.g. a chance level). */
  constructor(container, { log = false, yRange = null, reference = null } = {}) {
    this.container = container;
    this.log = log;
    this.yRange = yRange;
    this.reference = reference;
    this.plot = null;
    this.names = [];
    new ResizeObserver(() => this.plot?.setSize({ width: this.width(), height: HEIGHT })).observe(container);
  }

  width() {
    return Math.max(300, this.container.clientWidth);
  }

  /** steps: number[]; series: {name: (number|null)[]} aligned with steps. */
  update(steps, series) {
    const names = Object.keys(series);
    const data = [steps, ...names.map((n) => this.clean(series[n]))];
    if (this.plot && names.join() === this.names.join()) {
      this.plot.setData(data);
      return;
    }
    this.plot?.destroy();
    this.names = names;
    this.plot = new uPlot(this.options(names), data, this.container);
  }

  clean(values) {
    return this.log ? values.map((v) => (v !== null && v > 0 ? v : null)) : values;
  }

  options(names) {
    const y = this.log ? { distr: 3 } : {};
    if (this.yRange) y.range = this.yRange;
    return {
      width: this.width(),
      height: HEIGHT,
      scales: { x: { time: false }, y },
      axes: [{ label: 'step' }, this.log ? { values: (u, splits) => splits.map(logTick), size: 60 } : {}],
      series: [
        { label: 'step' },
        // metrics are evaluated at different cadences (NaN/null rows in between): connect across the gaps
        ...names.map((n, i) => ({
          label: n,
          width: 1.5,
          spanGaps: true,
          ...(n === this.reference ? { stroke: '#000', dash: [6, 4] } : { stroke: COLORS[i % COLORS.length] }),
        })),
      ],
      legend: { live: true },
    };
  }
}

/** A bar chart of values against 1-based indices (e.g. Fourier norms per frequency); highlighted bars in red. */
export class BarChart {
  constructor(container, { xLabel = 'k', height = 220 } = {}) {
    this.container = container;
    this.xLabel = xLabel;
    this.height = height;
    this.plot = null;
    new ResizeObserver(() => this.plot?.setSize({ width: this.width(), height })).observe(container);
  }

  width() {
    return Math.max(300, this.container.clientWidth);
  }

  update(values, label, highlight = new Set()) {
    const xs = values.map((_, i) => i + 1);
    const base = values.map((v, i) => (highlight.has(i + 1) ? null : v));
    const hot = values.map((v, i) => (highlight.has(i + 1) ? v : null));
    this.plot?.destroy();
    const bars = uPlot.paths.bars({ size: [0.7, 40] });
    this.plot = new uPlot({
      width: this.width(),
      height: this.height,
      scales: { x: { time: false, range: [0.5, values.length + 0.5] }, y: { range: (u, min, max) => [0, max * 1.05 || 1] } },
      axes: [{ label: this.xLabel }, {}],
      series: [{ label: this.xLabel },
        { label, fill: COLORS[0] + 'aa', stroke: COLORS[0], paths: bars, points: { show: false } },
        { label: 'key', fill: COLORS[1] + 'cc', stroke: COLORS[1], paths: bars, points: { show: false } }],
      legend: { live: true },
    }, [xs, base, hot], this.container);
  }

  clear() {
    this.plot?.destroy();
    this.plot = null;
  }
}

/** A small heatmap of a matrix on a canvas (e.g. head similarity), values in [-1, 1], labelled cells. */
export function heatmap(canvas, matrix, { cell = 48, rowLabel = 'a', colLabel = 'b' } = {}) {
  const n = matrix.length;
  const m = n ? matrix[0].length : 0;
  const pad = 28;
  canvas.width = pad + m * cell;
  canvas.height = pad + n * cell;
  const g = canvas.getContext('2d');
  g.font = '12px system-ui, sans-serif';
  g.fillStyle = '#374151';
  for (let j = 0; j < m; j++) g.fillText(`${colLabel}${j}`, pad + j * cell + cell / 3, 16);
  for (let i = 0; i < n; i++) g.fillText(`${rowLabel}${i}`, 2, pad + i * cell + cell / 2 + 4);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const v = matrix[i][j] ?? 0;
      const t = Math.max(-1, Math.min(1, v));
      g.fillStyle = t >= 0 ? `rgba(37, 99, 235, ${t})` : `rgba(220, 38, 38, ${-t})`;
      g.fillRect(pad + j * cell, pad + i * cell, cell - 2, cell - 2);
      g.fillStyle = Math.abs(t) > 0.5 ? '#fff' : '#111827';
      g.fillText(v === null ? '–' : v.toFixed(2), pad + j * cell + 8, pad + i * cell + cell / 2 + 4);
    }
  }
}

/**
 * One head's attention pattern as a heatmap: row q (query, labelled with its token on the left) over keys k
 * (labelled along the top), darker = more attention; the upper triangle is zero under the causal mask. Labels are
 * token ids or texts, shortened to fit. Sets data-n, data-cell, data-left and data-top on the canvas when done, so
 * tests (and people) can tell what is shown.
 */
export function attentionHeatmap(canvas, pattern, labels, { size = 520 } = {}) {
  const n = pattern.length;
  const cell = Math.max(4, Math.min(40, Math.floor(size / Math.max(1, n))));
  const left = 64;
  const top = 34;
  canvas.width = left + n * cell + 4;
  canvas.height = top + n * cell + 4;
  const g = canvas.getContext('2d');
  g.fillStyle = '#fff';
  g.fillRect(0, 0, canvas.width, canvas.height);
  const every = Math.max(1, Math.ceil(12 / cell)); // label every k-th token when cells are small
  const short = (text, chars) => (text.length > chars ? `${text.slice(0, Math.max(1, chars - 1))}…` : text);
  g.font = `${Math.min(12, Math.max(8, cell - 2))}px system-ui, sans-serif`;
  g.fillStyle = '#374151';
  g.textAlign = 'center';
  const topChars = Math.max(1, Math.floor((cell * every) / 7));
  for (let k = 0; k < n; k += every) g.fillText(short(String(labels[k]), topChars), left + k * cell + cell / 2, 14);
  g.fillText('key →', left + (n * cell) / 2, 28);
  g.textAlign = 'right';
  for (let q = 0; q < n; q += every) g.fillText(short(String(labels[q]), 9), left - 4, top + q * cell + cell / 2 + 4);
  for (let q = 0; q < n; q++) {
    for (let k = 0; k < n; k++) {
      const a = Math.max(0, Math.min(1, pattern[q][k] ?? 0));
      if (a === 0) continue;
      g.fillStyle = `rgba(37, 99, 235, ${a})`;
      g.fillRect(left + k * cell, top + q * cell, cell, cell);
    }
  }
  g.strokeStyle = '#d1d5db';
  g.strokeRect(left - 0.5, top - 0.5, n * cell + 1, n * cell + 1);
  canvas.dataset.n = String(n);
  canvas.dataset.cell = String(cell);
  canvas.dataset.left = String(left);
  canvas.dataset.top = String(top);
}
