// Small DOM helpers. Every interpolated value is escaped unless it is a Node or
// wrapped in raw(), so views can build markup without opening XSS holes.

class RawHtml {
  constructor(value) {
    this.value = value;
  }
}

/** Mark trusted markup (our own SVG icons, never server data) as safe to insert. */
export function raw(value) {
  return new RawHtml(value);
}

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (ch) => ESCAPES[ch]);
}

const SLOT = "data-html-slot";

/**
 * Tagged template returning a DocumentFragment.
 *   html`<p class="x">${userText}</p>${someNode}`
 * Strings and numbers are escaped; Nodes are inserted as they are; arrays are flattened;
 * null, undefined, false and true render nothing. Nodes may not sit inside attribute values.
 */
export function html(strings, ...values) {
  const nodes = [];
  const render = (value) => {
    if (value == null || value === false || value === true) return "";
    if (Array.isArray(value)) return value.map(render).join("");
    if (value instanceof RawHtml) return value.value;
    if (value instanceof Node) {
      nodes.push(value);
      return `<template ${SLOT}="${nodes.length - 1}"></template>`;
    }
    return escapeHtml(value);
  };
  let markup = strings[0];
  values.forEach((value, i) => {
    markup += render(value) + strings[i + 1];
  });
  const template = document.createElement("template");
  template.innerHTML = markup;
  for (const slot of template.content.querySelectorAll(`template[${SLOT}]`)) {
    slot.replaceWith(nodes[Number(slot.getAttribute(SLOT))]);
  }
  return template.content;
}

/** Like html`` but returns the first element (for templates with one root). */
export function htmlEl(strings, ...values) {
  return html(strings, ...values).firstElementChild;
}

/** Replace the children of `parent` with `content` (Node, fragment, string or array). */
export function mount(parent, ...content) {
  parent.replaceChildren(...content.flat().filter((c) => c != null));
  return parent;
}

export const qs = (selector, root = document) => root.querySelector(selector);
export const qsa = (selector, root = document) => Array.from(root.querySelectorAll(selector));

/** Delegated event listener: on(root, "click", "button[data-action]", (event, button) => …). */
export function on(root, type, selector, handler) {
  const listener = (event) => {
    const target = event.target instanceof Element ? event.target.closest(selector) : null;
    if (target && root.contains(target)) handler(event, target);
  };
  root.addEventListener(type, listener);
  return () => root.removeEventListener(type, listener);
}

let idCounter = 0;
export function uniqueId(prefix = "ms") {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}
