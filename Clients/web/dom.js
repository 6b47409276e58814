// Two small DOM helpers instead of a framework.

/**
 * Creates an element. attrs: `class`, `dataset`-style `data-*`, `on<event>` handlers, boolean attributes
 * (true/false), everything else set as an attribute. Children: nodes, strings, null/false (skipped), arrays.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'value') el.value = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

/**
 * Makes `parent`'s children exactly `nodes`, in order, touching only what differs, so that a node that stays
 * (say, a card being edited) keeps its focus and caret.
 */
export function syncChildren(parent, nodes) {
  for (let i = 0; i < nodes.length; i++) {
    const current = parent.childNodes[i];
    if (current !== nodes[i]) parent.insertBefore(nodes[i], current ?? null);
  }
  while (parent.childNodes.length > nodes.length) parent.lastChild.remove();
}
