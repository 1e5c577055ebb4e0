// Search page: a Lucene query over the run index, a results table, facet counts and paging.
// The query lives in the URL (?q=&sort=&page=) so a search can be bookmarked and shared.
import { api } from './api.js';
import { el, fill, fmt, showError, hideError } from './dom.js';

const PAGE_SIZE = 50;
// Columns shown first when hits carry them; other scalar fields follow, up to MAX_COLUMNS in all.
const PREFERRED = ['id', 'task', 'seed', 'status', 'last_step', 'step', 'train_loss', 'test_loss',
  'train_acc', 'test_acc', 'grok_step'];
const MAX_COLUMNS = 12;

const form = document.getElementById('search-form');
const qInput = document.getElementById('q');
const sortInput = document.getElementById('sort');
const errorBox = document.getElementById('error');
const summary = document.getElementById('summary');
const table = document.getElementById('results');
const facetsBox = document.getElementById('facets');
const prev = document.getElementById('prev');
const next = document.getElementById('next');

let state = readUrl();

function readUrl() {
  const p = new URLSearchParams(location.search);
  return { q: p.get('q') ?? '', sort: p.get('sort') ?? '', page: Math.max(0, parseInt(p.get('page') ?? '0', 10) || 0) };
}

function writeUrl() {
  const p = new URLSearchParams();
  if (state.q) p.set('q', state.q);
  if (state.sort) p.set('sort', state.sort);
  if (state.page) p.set('page', state.page);
  history.replaceState(null, '', p.toString() ? `?${p}` : location.pathname);
}

async function search() {
  writeUrl();
  qInput.value = state.q;
  sortInput.value = state.sort;
  try {
    const result = await api.search(state.q, state.sort, state.page, PAGE_SIZE);
    hideError(errorBox);
    render(result);
  } catch (err) {
    showError(errorBox, err, state.q);
    fill(table.tHead);
    fill(table.tBodies[0]);
    summary.textContent = '';
    prev.disabled = next.disabled = true;
  }
}

function columnsOf(runs) {
  const present = new Set();
  for (const r of runs) {
    for (const [k, v] of Object.entries(r)) if (v === null || typeof v !== 'object' || Array.isArray(v)) present.add(k);
  }
  const cols = PREFERRED.filter((c) => present.has(c));
  for (const c of [...present].sort()) {
    if (cols.length >= MAX_COLUMNS) break;
    if (!cols.includes(c)) cols.push(c);
  }
  return cols;
}

function render({ total, page, size, runs, facets }) {
  const cols = columnsOf(runs);
  const numeric = (c) => runs.some((r) => typeof r[c] === 'number');
  fill(table.tHead, el('tr', {}, cols.map((c) => el('th', { class: numeric(c) ? 'num' : undefined }, c))));
  fill(table.tBodies[0], runs.map((run) => el('tr', {}, cols.map((c) => cell(run, c)))));
  const first = total === 0 ? 0 : page * size + 1;
  summary.textContent = total === 0 ? 'No runs match.' : `Runs ${first}–${page * size + runs.length} of ${total}`;
  prev.disabled = page === 0;
  next.disabled = (page + 1) * size >= total;
  renderFacets(facets ?? {});
}

function cell(run, col) {
  const v = run[col];
  if (col === 'id') return el('td', {}, el('a', { href: `run.html?id=${encodeURIComponent(v)}` }, v));
  if (col === 'status') return el('td', {}, el('span', { class: `badge status-${v}` }, fmt(v)));
  return el('td', { class: typeof v === 'number' ? 'num' : undefined }, fmt(v));
}

// Facet values narrow the query when clicked.
function renderFacets(facets) {
  const groups = Object.entries(facets).filter(([, counts]) => Object.keys(counts).length > 0);
  fill(facetsBox, groups.map(([field, counts]) => el('div', { class: 'facet' },
    el('h3', {}, field),
    el('ul', {}, Object.entries(counts).map(([value, count]) => el('li', {},
      el('a', { href: '#', onclick: (e) => { e.preventDefault(); narrow(field, value); } }, value),
      ' ', el('span', { class: 'muted' }, count)))))));
  facetsBox.hidden = groups.length === 0;
}

function narrow(field, value) {
  const term = `${field}:"${value.replaceAll('"', '\\"')}"`;
  state = { ...state, q: state.q.trim() ? `(${state.q.trim()}) AND ${term}` : term, page: 0 };
  search();
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  state = { q: qInput.value.trim(), sort: sortInput.value.trim(), page: 0 };
  search();
});
prev.addEventListener('click', () => { state.page = Math.max(0, state.page - 1); search(); });
next.addEventListener('click', () => { state.page += 1; search(); });

search();
