import { JsonTree, Members } from './raw-json';

export type JsonPath = (string | number)[];

/** Where poison can go in a value the API stores: a string (replaced) or an object (given one more member). */
export interface Site {
  path: JsonPath;
  kind: 'string' | 'object';
}

/** Every string and every object in `value`, depth-first, with its path from the root. */
export function sitesOf(value: unknown, path: JsonPath = []): Site[] {
  if (typeof value === 'string') {
    return [{ path, kind: 'string' }];
  }
  if (Array.isArray(value)) {
    return value.flatMap((item: unknown, i) => sitesOf(item, [...path, i]));
  }
  if (value !== null && typeof value === 'object') {
    return [{ path, kind: 'object' }, ...Object.entries(value).flatMap(([key, item]) => sitesOf(item, [...path, key]))];
  }
  return [];
}

/** A JSON value as a tree (objects as member lists, so members can be added in any form). */
export function treeOf(value: unknown): JsonTree {
  if (Array.isArray(value)) {
    return value.map(treeOf);
  }
  if (value !== null && typeof value === 'object') {
    return new Members(Object.entries(value).map(([key, item]) => [key, treeOf(item)] as const));
  }
  return value as JsonTree;
}

/** `tree` with the node at `path` replaced by `change(node)`. */
export function changeAt(tree: JsonTree, path: JsonPath, change: (node: JsonTree) => JsonTree): JsonTree {
  if (path.length === 0) {
    return change(tree);
  }
  const [step, ...rest] = path;
  if (Array.isArray(tree)) {
    const items = tree as readonly JsonTree[];
    return items.map((item, i) => (i === step ? changeAt(item, rest, change) : item));
  }
  if (tree instanceof Members) {
    return new Members(tree.members.map(([key, item]) => [key, key === step ? changeAt(item, rest, change) : item]));
  }
  throw new Error(`no node at ${path.join('.')}`);
}

/** `a.b.0.c`: how the API's error messages name a field. */
export const fieldName = (path: JsonPath) => path.map(String).join('.');
