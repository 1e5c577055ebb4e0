// Small DOM and formatting helpers. Text always goes in via textContent: run ids and configs are user data.

/** Creates an element: el('a', {href: '#', class: 'x'}, 'text', childNode, ...). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null) continue;
    node.append(c instanceof Node ? c : String(c));
  }
  return node;
}

/** Replaces all children of a node. */
export function fill(node, ...children) {
  node.replaceChildren();
  for (const c of children.flat()) if (c !== undefined && c !== null) node.append(c);
  return node;
}

/** Numbers compactly (4 significant digits, exponent for tiny/huge), integers as they are, the rest as text. */
export function fmt(value) {
  if (value === null || value === undefined) return '–';
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return String(value);
    const a = Math.abs(value);
    return a !== 0 && (a < 1e-3 || a >= 1e6) ? value.toExponential(3) : String(Number(value.toPrecision(4)));
  }
  if (Array.isArray(value)) return value.map(fmt).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Flattens nested objects to dotted keys: {optimizer: {lr: 1}} -> {'optimizer.lr': 1}. */
export function flatten(obj, prefix = '', out = {}) {
  for (const [k, v] of Object.entries(obj ?? {})) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v)) flatten(v, key, out);
    else out[key] = v;
  }
  return out;
}

/** Shows an ApiError (or any error) in the page's error box; for a query error, points at the position. */
export function showError(box, err, query) {
  const title = err.body?.error ?? 'error';
  const detail = err.body?.detail ?? err.message;
  const parts = [el('strong', {}, title), ' ', detail];
  const pos = err.body?.position;
  if (query && Number.isInteger(pos) && pos >= 0) {
    parts.push(el('pre', { class: 'caret' }, `${query}\n${' '.repeat(Math.min(pos, query.length))}^`));
  }
  fill(box, parts);
  box.hidden = false;
}

export function hideError(box) {
  box.hidden = true;
  box.replaceChildren();
}
