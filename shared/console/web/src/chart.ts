// Small SVG charts drawn from the API's figures: columns over time and bars per name. The
// colours come from the stylesheet; each mark has a tooltip and the chart a summary in words,
// and the figures are also in a table beside it.

import { h, svg } from "./dom";

export interface Point {
  label: string;
  value: number;
}

/** Columns, one per point, oldest on the left. */
export function columns(points: Point[], summary: string): SVGElement {
  const width = 24 * Math.max(points.length, 1);
  const height = 120;
  const max = Math.max(1, ...points.map((p) => p.value));
  const marks = points.map((point, i) => {
    const barHeight = Math.round((point.value / max) * (height - 20));
    return svg(
      "rect",
      { class: "mark", x: i * 24 + 3, y: height - barHeight, width: 18, height: Math.max(barHeight, 1) },
      svg("title", {}, `${point.label}: ${point.value}`),
    );
  });
  return svg(
    "svg",
    { class: "chart", viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: "none", role: "img", "aria-label": summary },
    svg("line", { class: "axis", x1: 0, y1: height - 0.5, x2: width, y2: height - 0.5 }),
    ...marks,
  );
}

/** A table of named figures, largest first, each with a bar showing its share of the largest. */
export function rankedTable(caption: string, nameHeading: string, valueHeading: string, points: Point[]): HTMLElement {
  if (points.length === 0) return h("p", { class: "empty" }, `${caption}: none in the last 24 hours.`);
  const sorted = [...points].sort((a, b) => b.value - a.value);
  const max = Math.max(1, ...sorted.map((p) => p.value));
  return h(
    "table",
    { class: "ranked" },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, nameHeading), h("th", { scope: "col" }, valueHeading), h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Share")))),
    h(
      "tbody",
      {},
      ...sorted.map((p) =>
        h(
          "tr",
          {},
          h("th", { scope: "row" }, h("code", {}, p.label)),
          h("td", { class: "number" }, p.value),
          h(
            "td",
            { class: "bar-cell" },
            svg(
              "svg",
              { class: "bar", viewBox: "0 0 100 10", preserveAspectRatio: "none", "aria-hidden": "true" },
              svg("rect", { class: "mark", x: 0, y: 0, width: Math.max(1, Math.round((p.value / max) * 100)), height: 10 }),
            ),
          ),
        ),
      ),
    ),
  );
}
