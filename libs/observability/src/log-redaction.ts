/** Query parameters that carry credentials (browsers' EventSource/WebSocket and Phoenix clients cannot send headers). */
const SECRET_QUERY_PARAMS = ['access_token', 'token'];

/** The URL with the value of every credential query parameter replaced by `[redacted]`. */
export function redactUrlSecrets(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart === -1) {
    return url;
  }
  const query = url
    .slice(queryStart + 1)
    .split('&')
    .map((pair) => {
      const name = decodeURIComponentSafe(pair.split('=', 1)[0]);
      return SECRET_QUERY_PARAMS.includes(name) ? `${pair.split('=', 1)[0]}=[redacted]` : pair;
    })
    .join('&');
  return `${url.slice(0, queryStart)}?${query}`;
}

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
