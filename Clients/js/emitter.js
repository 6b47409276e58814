// A tiny typed-by-convention event emitter. Handlers run synchronously in registration order; one throwing handler
// is reported and does not stop the others (or the connection).

export class Emitter {
  /** @type {Map<string, Set<Function>>} */
  #handlers = new Map();

  /** @returns {() => void} a function that removes the handler */
  on(type, handler) {
    if (typeof type !== 'string' || type === '') throw new TypeError('type must be a non-empty string');
    if (typeof handler !== 'function') throw new TypeError('handler must be a function');
    // Wrap so that registering the same function twice yields two independent subscriptions.
    const entry = (...args) => handler(...args);
    let set = this.#handlers.get(type);
    if (!set) this.#handlers.set(type, (set = new Set()));
    set.add(entry);
    return () => {
      set.delete(entry);
      if (set.size === 0 && this.#handlers.get(type) === set) this.#handlers.delete(type);
    };
  }

  emit(type, ...args) {
    const set = this.#handlers.get(type);
    if (!set) return;
    for (const entry of [...set]) {
      try {
        entry(...args);
      } catch (err) {
        reportHandlerError(err);
      }
    }
  }

  clear() {
    this.#handlers.clear();
  }
}

function reportHandlerError(err) {
  if (typeof globalThis.reportError === 'function') globalThis.reportError(err);
  else if (typeof console !== 'undefined') console.error('retroim: an event handler threw', err);
}
