import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { computeBackoffDelay, DEFAULT_BACKOFF, normalizeBackoff } from '../backoff.js';

const noJitter = { initialMs: 500, maxMs: 15000, factor: 2, jitter: 0 };

describe('computeBackoffDelay', () => {
  test('grows exponentially from initialMs without jitter', () => {
    const delays = [0, 1, 2, 3, 4].map((a) => computeBackoffDelay(a, noJitter));
    assert.deepEqual(delays, [500, 1000, 2000, 4000, 8000]);
  });

  test('is capped at maxMs, even for huge attempt numbers', () => {
    assert.equal(computeBackoffDelay(5, noJitter), 15000);
    assert.equal(computeBackoffDelay(10_000, noJitter), 15000);
  });

  test('jitter removes at most that fraction of the ceiling', () => {
    const opts = { ...noJitter, jitter: 0.5 };
    assert.equal(computeBackoffDelay(2, opts, () => 0), 2000);
    assert.equal(computeBackoffDelay(2, opts, () => 0.5), 1500);
    assert.equal(computeBackoffDelay(2, opts, () => 0.999999), 1000);
  });

  test('with Math.random stays within [ceiling·(1−jitter), ceiling]', () => {
    for (let attempt = 0; attempt < 8; attempt++) {
      const ceiling = Math.min(15000, 500 * 2 ** attempt);
      for (let i = 0; i < 200; i++) {
        const d = computeBackoffDelay(attempt, DEFAULT_BACKOFF);
        assert.ok(d >= ceiling * 0.5 && d <= ceiling, `attempt ${attempt}: ${d}`);
      }
    }
  });

  test('treats negative or fractional attempts as whole attempts from zero', () => {
    assert.equal(computeBackoffDelay(-3, noJitter), 500);
    assert.equal(computeBackoffDelay(1.7, noJitter), 1000);
  });

  test('clamps a random source that leaves [0, 1)', () => {
    assert.equal(computeBackoffDelay(0, { ...noJitter, jitter: 1 }, () => 7), 0);
    assert.equal(computeBackoffDelay(0, { ...noJitter, jitter: 1 }, () => -1), 500);
  });
});

describe('normalizeBackoff', () => {
  test('fills in the defaults', () => {
    assert.deepEqual({ ...normalizeBackoff({ maxMs: 1000 }) }, { initialMs: 500, maxMs: 1000, factor: 2, jitter: 0.5 });
    assert.deepEqual({ ...normalizeBackoff() }, { ...DEFAULT_BACKOFF });
    assert.deepEqual({ ...normalizeBackoff({ factor: undefined }) }, { ...DEFAULT_BACKOFF });
  });

  test('rejects nonsense', () => {
    assert.throws(() => normalizeBackoff({ initialMs: -1 }), RangeError);
    assert.throws(() => normalizeBackoff({ initialMs: 2000, maxMs: 1000 }), RangeError);
    assert.throws(() => normalizeBackoff({ factor: 0.5 }), RangeError);
    assert.throws(() => normalizeBackoff({ jitter: 1.5 }), RangeError);
    assert.throws(() => normalizeBackoff({ initialMs: Number.NaN }), RangeError);
  });
});
