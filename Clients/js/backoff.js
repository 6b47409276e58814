// Reconnect delays: exponential growth capped at maxMs, with random jitter so that the clients of a node that
// restarts do not all come back in the same millisecond.

/** @type {Readonly<import('./retroim.js').BackoffOptions>} */
export const DEFAULT_BACKOFF = Object.freeze({ initialMs: 500, maxMs: 15000, factor: 2, jitter: 0.5 });

/**
 * Fills in missing fields with the defaults and rejects values that would make the delay meaningless.
 * @param {Partial<import('./retroim.js').BackoffOptions>} [options]
 */
export function normalizeBackoff(options = {}) {
  const b = { ...DEFAULT_BACKOFF, ...stripUndefined(options) };
  if (!(b.initialMs >= 0)) throw new RangeError('backoff.initialMs must be >= 0');
  if (!(b.maxMs >= b.initialMs)) throw new RangeError('backoff.maxMs must be >= backoff.initialMs');
  if (!(b.factor >= 1)) throw new RangeError('backoff.factor must be >= 1');
  if (!(b.jitter >= 0 && b.jitter <= 1)) throw new RangeError('backoff.jitter must be between 0 and 1');
  return Object.freeze(b);
}

/**
 * The delay before reconnect attempt number `attempt` (0 for the first retry after a loss).
 * The ceiling is min(maxMs, initialMs * factor^attempt); jitter removes up to that fraction of it
 * ("equal jitter" when 0.5), so a delay is never longer than the ceiling.
 * @param {number} attempt
 * @param {Partial<import('./retroim.js').BackoffOptions>} [options]
 * @param {() => number} [random] a function returning [0, 1), Math.random by default
 */
export function computeBackoffDelay(attempt, options, random = Math.random) {
  const b = normalizeBackoff(options);
  const n = Math.max(0, Math.floor(attempt));
  // Math.pow overflows to Infinity for huge attempts; Math.min keeps it at maxMs.
  const ceiling = Math.min(b.maxMs, b.initialMs * Math.pow(b.factor, n));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(ceiling * (1 - b.jitter * r));
}

function stripUndefined(o) {
  const out = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out;
}
