import { z } from 'zod';

const SERVICE = /^[a-z][a-z0-9-]{0,31}$/;

function validUrl(value: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

/** `name=url,name=url` → {name: url}: the services the overview scrapes (empty text: none). */
export function overviewMetricsUrls(defaultValue: string) {
  return z
    .string()
    .default(defaultValue)
    .transform((text, ctx) => {
      const urls: Record<string, string> = {};
      for (const pair of text.split(',').filter((p) => p.trim() !== '')) {
        const at = pair.indexOf('=');
        const [name, url] = [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
        if (at < 0 || !SERVICE.test(name) || !validUrl(url) || name in urls) {
          ctx.addIssue({
            code: 'custom',
            message: `expected name=http(s)://host:port/metrics pairs, each name once; "${pair}" is not one`,
          });
          return z.NEVER;
        }
        urls[name] = url;
      }
      return urls;
    });
}
