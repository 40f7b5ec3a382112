import { useEffect, useState } from 'preact/hooks';

/** The console's client routes live under /console; the command answers index.html for each of them. */
export const BASE = '/console';

export type Route =
  | { view: 'conversations' }
  | { view: 'timeline'; conversationId: string }
  | { view: 'agents' }
  | { view: 'deliveries'; agentId: string }
  | { view: 'overview' };

export function parseRoute(pathname: string): Route {
  const rest = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : pathname;
  const [section, id] = rest.split('/').filter((segment) => segment !== '');
  if (section === 'conversations' && id !== undefined) {
    return { view: 'timeline', conversationId: decodeURIComponent(id) };
  }
  if (section === 'agents' && id !== undefined) {
    return { view: 'deliveries', agentId: decodeURIComponent(id) };
  }
  if (section === 'agents') {
    return { view: 'agents' };
  }
  if (section === 'overview') {
    return { view: 'overview' };
  }
  return { view: 'conversations' };
}

export function hrefOf(route: Route): string {
  switch (route.view) {
    case 'conversations':
      return `${BASE}/`;
    case 'timeline':
      return `${BASE}/conversations/${encodeURIComponent(route.conversationId)}`;
    case 'agents':
      return `${BASE}/agents`;
    case 'deliveries':
      return `${BASE}/agents/${encodeURIComponent(route.agentId)}`;
    case 'overview':
      return `${BASE}/overview`;
  }
}

export function navigate(href: string): void {
  history.pushState(null, '', href);
  dispatchEvent(new PopStateEvent('popstate'));
}

/** The current route, following pushState navigations and the back button. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.pathname));
  useEffect(() => {
    const follow = () => setRoute(parseRoute(location.pathname));
    addEventListener('popstate', follow);
    return () => removeEventListener('popstate', follow);
  }, []);
  return route;
}
