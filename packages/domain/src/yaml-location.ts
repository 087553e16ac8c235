import { isMap, isNode, isScalar, isSeq, type Document, type LineCounter } from "yaml";

export type PathSegment = string | number;

/** `["lanes", 3, "command"]` -> `lanes[3].command`: the way a person would point at it in the file. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(seg)) out += out === "" ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/**
 * 1-based line of the node at `path`. A map entry points at its key rather than its value, because a
 * block value (e.g. a list under `command:`) starts on the next line, away from what the reader looks
 * for. When the path does not exist (a missing field), the nearest existing ancestor is used.
 */
export function lineOfPath(doc: Document, lineCounter: LineCounter, path: readonly PathSegment[]): number {
  let node: unknown = doc.contents;
  let offset = isNode(node) && node.range ? node.range[0] : 0;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg));
      if (!pair) break;
      if (isNode(pair.key) && pair.key.range) offset = pair.key.range[0];
      node = pair.value;
    } else if (isSeq(node) && typeof seg === "number") {
      const item: unknown = node.items[seg];
      if (!isNode(item) || !item.range) break;
      offset = item.range[0];
      node = item;
    } else {
      break;
    }
  }
  return lineCounter.linePos(offset).line;
}
