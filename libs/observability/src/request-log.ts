import { IncomingMessage, ServerResponse } from 'node:http';
import { Level, Logger as Pino } from 'pino';
import { redactUrlSecrets } from './log-redaction';
import { REQUEST_ID_HEADER } from './request-id';

/** Probes, not requests anyone needs to read about. */
const UNLOGGED = /^\/(health|metrics)(\/|\?|$)/;

/**
 * One JSON line per HTTP request once its response is done (or the client went
 * away): request id, method, URL with credentials redacted, status and time.
 * 5xx at error, 4xx at warn, the rest at debug; a request whose line's level is
 * off costs one listener and nothing else (no per-request child logger, no
 * async context: those cost about a fifth of an append's CPU, docs/performance.md).
 * Headers are never logged, so no credential in them can reach a log.
 */
export function requestLogger(log: Pino): (req: IncomingMessage, res: ServerResponse, next: () => void) => void {
  return (req, res, next) => {
    if (!UNLOGGED.test(req.url ?? '')) {
      const started = performance.now();
      res.once('close', () => {
        const finished = res.writableFinished;
        const level: Level = res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'debug';
        if (log.isLevelEnabled(level)) {
          log[level](
            {
              reqId: res.getHeader(REQUEST_ID_HEADER),
              req: { method: req.method, url: redactUrlSecrets(req.url ?? '') },
              res: { statusCode: res.statusCode },
              responseTime: Math.round(performance.now() - started),
            },
            finished ? 'request completed' : 'request aborted',
          );
        }
      });
    }
    next();
  };
}
