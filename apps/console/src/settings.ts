/** What the command tells the page before sign-in (GET /console/config.json). */
export interface ConsoleSettings {
  realtime_url: string;
}

export async function loadSettings(): Promise<ConsoleSettings> {
  const res = await fetch('/console/config.json');
  return (await res.json()) as ConsoleSettings;
}

/** The realtime service's WebSocket base: its public http(s) URL with ws(s). */
export function websocketBase(settings: ConsoleSettings): string {
  return settings.realtime_url.replace(/^http/, 'ws');
}
