// Thin client for the dynalens JSON API. Paths are relative so the UI also works behind a path prefix.

/** An API error response: {error, detail, ...} plus the HTTP status. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body && body.error ? `${body.error}: ${body.detail ?? ''}` : `HTTP ${status}`);
    this.status = status;
    this.body = body ?? {};
  }
}

async function getJson(path, params = {}) {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') query.set(k, v);
  }
  const url = query.toString() ? `${path}?${query}` : path;
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  let body = null;
  try {
    body = await res.json();
  } catch {
    // not JSON (e.g. a proxy error page): reported by status below
  }
  if (!res.ok) throw new ApiError(res.status, body);
  return body;
}

const run = (id) => `api/runs/${encodeURIComponent(id)}`;

export const api = {
  search: (q, sort, page, size) => getJson('api/runs', { q, sort, page, size }),
  run: (id) => getJson(run(id)),
  metrics: (id, names, maxPoints) => getJson(`${run(id)}/metrics`, { names: names?.join(','), max_points: maxPoints }),
  checkpoints: (id) => getJson(`${run(id)}/checkpoints`),
  analyses: (id, step) => getJson(`${run(id)}/checkpoints/${step}/analysis`),
  attention: (id, step, params) => getJson(`${run(id)}/checkpoints/${step}/attention`, params),
  diff: (a, b) => getJson('api/diff', { a, b }),
  eventsUrl: (id) => `${run(id)}/events`,
  paramsUrl: (id, step) => `${run(id)}/checkpoints/${step}/params`,
};
