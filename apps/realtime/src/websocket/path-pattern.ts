/** The `:name` segments of a matched path, percent-decoded (a segment that cannot be decoded is kept as sent). */
export type PathParams = Record<string, string>;

/**
 * Compiles a gateway path such as `/v1/conversations/:id/stream`: `:name` stands
 * for one non-empty path segment, every other segment must be equal.
 */
export function compilePath(pattern: string): (pathname: string) => PathParams | null {
  const segments = pattern.split('/');
  return (pathname) => {
    const parts = pathname.split('/');
    if (parts.length !== segments.length) {
      return null;
    }
    const params: PathParams = {};
    for (const [i, segment] of segments.entries()) {
      if (!segment.startsWith(':')) {
        if (parts[i] !== segment) {
          return null;
        }
      } else if (parts[i] === '') {
        return null;
      } else {
        params[segment.slice(1)] = safeDecode(parts[i]);
      }
    }
    return params;
  };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
