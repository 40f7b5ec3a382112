import { z } from 'zod';

/** An origin as browsers send it: http(s)://host[:port], nothing after. */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
  } catch {
    return false;
  }
}

/**
 * The browser origins allowed to call a service cross-origin (the SDK in a web page): a comma list of exact
 * origins; empty (the default) sends no CORS headers, so browsers refuse every cross-origin call.
 */
export const corsEnv = {
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((origin) => origin.trim())
        .filter((origin) => origin !== ''),
    )
    .refine((origins) => origins.every(isOrigin), {
      message: 'expected a comma list of origins like https://app.example.com (scheme, host, optional port; no path)',
    }),
};

/** Exact origins a browser page may call from; `[]`: none. */
export type CorsOrigins = string[];
