// Building the page from elements, never from HTML strings: text is always text, so nothing
// the API returns can become markup.

export type Child = Node | string | number | null | undefined | false;

type Handler = (event: Event) => void;
export type Attributes = Record<string, string | number | boolean | Handler | null | undefined>;

/** An element with its attributes (`on<event>` ones become listeners) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === "function") {
      element.addEventListener(name.slice(2), value);
    } else if (value === true) {
      element.setAttribute(name, "");
    } else {
      element.setAttribute(name, String(value));
    }
  }
  append(element, children);
  return element;
}

const SVG = "http://www.w3.org/2000/svg";

/** An SVG element with its attributes and children. */
export function svg(tag: string, attributes: Record<string, string | number> = {}, ...children: Child[]): SVGElement {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) {
    element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
}

/** Replaces what `parent` holds. */
export function replace(parent: Node, ...children: Child[]): void {
  while (parent.firstChild) parent.removeChild(parent.firstChild);
  append(parent, children);
}

let ids = 0;
/** An id no other element of the page has. */
export function uniqueId(stem: string): string {
  ids += 1;
  return `${stem}-${ids}`;
}

/** A date and time in the reader's locale, with the exact time in `datetime`. */
export function time(rfc3339: string | null | undefined): Child {
  if (!rfc3339) return "—";
  const date = new Date(rfc3339);
  if (Number.isNaN(date.getTime())) return rfc3339;
  return h("time", { datetime: rfc3339, title: rfc3339 }, date.toLocaleString());
}
