import { Readable } from 'node:stream';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { ApiError } from '@threadline/errors';
import { readJsonBody } from './json-body';

const LIMIT = 1024;

function read(body: Buffer | string, headers: Record<string, string> = {}, limit = LIMIT): Promise<unknown> {
  const bytes = Buffer.from(body);
  const chunks = [bytes.subarray(0, 3), bytes.subarray(3)].filter((c) => c.length > 0);
  return readJsonBody({ 'content-type': 'application/json', ...headers }, Readable.from(chunks), limit);
}

async function refusal(body: Buffer | string, headers: Record<string, string> = {}, limit = LIMIT) {
  const error = await read(body, headers, limit).then(
    () => {
      throw new Error('accepted');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  const { status, code, message } = error as ApiError;
  return { status, code, message };
}

describe('JSON request bodies', () => {
  it('parses an object or an array sent in pieces, with a leading BOM or whitespace', async () => {
    expect(await read('{"a":[1,"é"]}')).toEqual({ a: [1, 'é'] });
    expect(await read(' \n[1,2]')).toEqual([1, 2]);
    expect(await read('\ufeff{"a":1}')).toEqual({ a: 1 });
  });

  it('reads an empty body as {}', async () => {
    expect(await read('')).toEqual({});
  });

  it.each([
    ['gzip', gzipSync],
    ['deflate', deflateSync],
    ['br', brotliCompressSync],
  ])('decodes a %s body', async (encoding, compress) => {
    expect(await read(compress(Buffer.from('{"a":1}')), { 'content-encoding': encoding })).toEqual({ a: 1 });
  });

  it.each(['"a string"', '42', 'null', '   ', '{"a":', 'nope'])('refuses %j with 400 invalid_json', async (body) => {
    expect(await refusal(body)).toMatchObject({ status: 400, code: 'invalid_json' });
  });

  it('refuses a body over the limit with 413 payload_too_large, by its length or by what arrives', async () => {
    const big = JSON.stringify({ text: 'x'.repeat(LIMIT) });
    expect(await refusal(big, { 'content-length': String(big.length) })).toMatchObject({
      status: 413,
      code: 'payload_too_large',
    });
    expect(await refusal(big)).toMatchObject({ status: 413, code: 'payload_too_large' });
  });

  it('counts the limit on the decoded body, so a small gzip that inflates past it is refused', async () => {
    const bomb = gzipSync(Buffer.from(JSON.stringify({ text: 'x'.repeat(100 * LIMIT) })));
    expect(bomb.length).toBeLessThan(LIMIT);
    expect(await refusal(bomb, { 'content-encoding': 'gzip' })).toMatchObject({ status: 413 });
  });

  it('refuses an unknown encoding or charset with 415 unsupported_encoding, naming it', async () => {
    expect(await refusal('{}', { 'content-encoding': 'x-unknown' })).toEqual({
      status: 415,
      code: 'unsupported_encoding',
      message: 'Unsupported content encoding "x-unknown"',
    });
    expect(await refusal('{}', { 'content-type': 'application/json; charset=latin1' })).toMatchObject({
      status: 415,
      message: 'Unsupported charset "latin1"',
    });
    expect(await read('{}', { 'content-type': 'application/json; charset=UTF-8' })).toEqual({});
  });

  it('refuses a gzip body whose upload breaks off with 400 invalid_json instead of waiting for it', async () => {
    const cut = gzipSync(Buffer.from(JSON.stringify({ text: 'x'.repeat(200) }))).subarray(0, 20);
    const payload = new Readable({ read: () => undefined });
    payload.push(cut);
    setImmediate(() => payload.destroy(new Error('aborted')));
    const error = await readJsonBody(
      { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      payload,
      LIMIT,
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400, code: 'invalid_json', message: expect.stringContaining('aborted') });
  }, 5000);

  it('refuses a body that says gzip but is not with 400 invalid_json', async () => {
    expect(await refusal('{"a":1}', { 'content-encoding': 'gzip' })).toMatchObject({
      status: 400,
      code: 'invalid_json',
    });
  });
});
