/** Short, locale-independent renderings for tables. */
export function timeOf(iso: string | null | undefined): string {
  if (iso === null || iso === undefined) {
    return '—';
  }
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export function metadataText(metadata: Record<string, unknown>): string {
  return Object.entries(metadata)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
}
