import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { Readable } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { REQUEST_ID_HEADER, assignRequestId } from '@threadline/observability';
import { readJsonBody } from './json-body';

/** How long one request may take, as Node's own default (Fastify's is none): bounds a piped run stream. */
const REQUEST_TIMEOUT_MS = 300_000;

/** Longest path parameter routed (Fastify's default, 100, is below the ids' own limits: they answer their 400s). */
const MAX_PARAM_LENGTH = 16 * 1024;

/**
 * The command serves HTTP on Fastify (fewer layers per request than Express:
 * docs/performance.md). Routing is as it was on Express: letter case and a
 * trailing slash ignored, long ids routed so that their own checks answer. A
 * URL the router cannot decode (a malformed %-escape) is 400 `bad_request` in
 * the one error model; every answer, a CORS preflight's too, has its request id.
 */
export function commandHttpAdapter(): FastifyAdapter {
  const adapter = new FastifyAdapter({
    requestTimeout: REQUEST_TIMEOUT_MS,
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const id = assignRequestId(request.raw, reply.raw);
      void reply
        .code(400)
        .header(REQUEST_ID_HEADER, id)
        .send({ error: 'bad_request', message: `The request could not be read: ${error.message}` });
    },
  });
  // Nest runs this hook first, before the CORS hook answers a preflight and before middleware.
  adapter.setOnRequestHook((request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    assignRequestId(request.raw, reply.raw);
    done();
  });
  return adapter;
}

/**
 * Request bodies, as Express's JSON body parser took them: `application/json`
 * is read, decoded and parsed (readJsonBody) up to `limitBytes`; any other body
 * is left unread and the route sees none (`POST /v1/runs/{id}/stream` reads
 * its text/event-stream itself, other routes answer the missing body's 400).
 */
export function registerBodyParsers(fastify: FastifyInstance, limitBytes: number): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', (request: FastifyRequest, payload: Readable) =>
    readJsonBody(request.headers, payload, limitBytes),
  );
  fastify.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
}
