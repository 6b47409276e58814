// The retro WebApi over fetch. Errors become ApiError with a sentence fit to show people, taken from the
// application/problem+json body (field errors for 400s, `detail` otherwise).

export class ApiError extends Error {
  constructor(message, { status = 0, code = null, fields = null } = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    /** {field: [messages]} for validation problems */
    this.fields = fields;
  }
}

const FIELD_NAMES = { title: 'Title', description: 'Description', name: 'Name' };

/** A sentence for people from a problem+json body. */
export function describeProblem(status, problem) {
  if (problem && problem.errors && typeof problem.errors === 'object') {
    const parts = [];
    for (const [field, messages] of Object.entries(problem.errors)) {
      const label = FIELD_NAMES[field.toLowerCase()] ?? field;
      for (const m of [].concat(messages)) parts.push(String(m).toLowerCase().includes(label.toLowerCase()) ? String(m) : `${label}: ${m}`);
    }
    if (parts.length > 0) return parts.join(' ');
  }
  if (problem && (problem.detail || problem.title)) return problem.detail || problem.title;
  if (status === 404) return 'That was not found. The link may be wrong.';
  if (status === 401) return 'Please join this retro again.';
  if (status >= 500) return 'The server had a problem. Please try again in a moment.';
  return `The request failed (HTTP ${status}).`;
}

/** How long one request may take, body included: a connection that hangs must not leave the board waiting forever. */
export const REQUEST_TIMEOUT_MS = 15000;

/**
 * One call to the WebApi. Resolves with the JSON body (null when empty); rejects with an ApiError: the server's
 * problem for a non-2xx status, code 'timeout' when no full answer came within `timeoutMs`, else 'Cannot reach'.
 */
export async function request(method, path, { body, token, timeoutMs = REQUEST_TIMEOUT_MS } = {}) {
  const headers = { Accept: 'application/json, application/problem+json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  let res;
  let text;
  try {
    const signal = AbortSignal.timeout(timeoutMs);
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
    text = await res.text();
  } catch (err) {
    if (err?.name === 'TimeoutError') {
      throw new ApiError('The server did not answer in time. Please try again.', { code: 'timeout' });
    }
    throw new ApiError('Cannot reach the server. Check your connection and try again.');
  }
  let json = null;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
  }
  if (!res.ok) {
    throw new ApiError(describeProblem(res.status, json), {
      status: res.status,
      code: json?.code ?? null,
      fields: json?.errors ?? null,
    });
  }
  return json;
}

const enc = encodeURIComponent;
const retro = (id) => `/api/retros/${enc(id)}`;
const topic = (id, topicId) => `${retro(id)}/topics/${enc(topicId)}`;

export const api = {
  createRetro: (title) => request('POST', '/api/retros', { body: { title } }),
  getBoard: (id, token) => request('GET', retro(id), { token }),
  join: (id, name) => request('POST', `${retro(id)}/participants`, { body: { name } }),
  connectUrl: (id, token) => request('GET', `${retro(id)}/connect`, { token }),
  addTopic: (id, token, title, description) => request('POST', `${retro(id)}/topics`, { token, body: { title, description } }),
  editTopic: (id, token, topicId, changes) => request('PUT', topic(id, topicId), { token, body: changes }),
  start: (id, token, topicId) => request('POST', `${topic(id, topicId)}/start`, { token }),
  done: (id, token, topicId) => request('POST', `${topic(id, topicId)}/done`, { token }),
  reopen: (id, token, topicId) => request('POST', `${topic(id, topicId)}/reopen`, { token }),
  vote: (id, token, topicId) => request('POST', `${topic(id, topicId)}/votes`, { token }),
  unvote: (id, token, topicId) => request('DELETE', `${topic(id, topicId)}/votes`, { token }),
  activity: (id, before, limit = 50) =>
    request('GET', `${retro(id)}/activity?limit=${limit}${before != null ? `&before=${enc(before)}` : ''}`),
};
