// Line charts of metric series over training steps, drawn with the vendored uPlot.
import uPlot from '../vendor/uplot/uPlot.esm.js';

const COLORS = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2'];
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
  constructor(container, { log = false, yRange = null } = {}) {
    this.container = container;
    this.log = log;
    this.yRange = yRange;
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
        ...names.map((n, i) => ({ label: n, stroke: COLORS[i % COLORS.length], width: 1.5, spanGaps: true })),
      ],
      legend: { live: true },
    };
  }
}
