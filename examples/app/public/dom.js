// Small DOM helpers shared by the panels.

/** An element with attributes and children (strings become text: nothing is parsed as HTML). */
export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

export function format(n) {
  return Math.round(n).toLocaleString('en');
}

/** Appends to a list, keeps its last `max` items, and keeps it scrolled to the end. */
export function appendCapped(list, item, max = 200) {
  list.append(item);
  while (list.children.length > max) list.firstElementChild.remove();
  list.scrollTop = list.scrollHeight;
}

/** The p-th percentile (0..100) of numbers, nearest rank. */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
