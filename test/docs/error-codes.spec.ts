import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES } from '@threadline/errors';
import { CloseCode } from '../../apps/realtime/src/connections/close-codes';
import { PHOENIX_REPLY_REASONS } from '../../apps/realtime/src/protocols/error-codes';

/**
 * docs/api.md names every error a service can send: the codes are one typed list
 * (ApiError takes only ERROR_CODES; Phoenix replies are typed by their own), and
 * this test holds the doc to those lists.
 */

const ROOT = join(__dirname, '..', '..');
const doc = readFileSync(join(ROOT, 'docs', 'api.md'), 'utf8');

/** The text of the `## title` section, up to the next `## `. */
function section(title: string): string {
  const start = doc.indexOf(`\n## ${title}\n`);
  expect(start).toBeGreaterThanOrEqual(0);
  const end = doc.indexOf('\n## ', start + 1);
  return doc.slice(start, end < 0 ? undefined : end);
}

const backticked = (text: string) => new Set([...text.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]));
const missing = (codes: readonly string[], text: string) => codes.filter((code) => !backticked(text).has(code));

/** Close codes ws itself sends (protocol errors, the answer to a client's close); the service never picks them. */
const SENT_BY_WS = [1000, 1002, 1007, 1009];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.spec.ts') ? [path] : [];
  });
}

describe('docs/api.md lists every error a service can send', () => {
  it('every error code is in "Error codes" or, for a code only realtime sends, in "Streaming"', () => {
    const documented = section('Error codes') + section('Streaming (realtime service, port 4001)');
    expect(missing(ERROR_CODES, documented)).toEqual([]);
  });

  it('every Phoenix reply reason is in "Streaming"', () => {
    const streaming = section('Streaming (realtime service, port 4001)');
    expect(missing(PHOENIX_REPLY_REASONS, streaming)).toEqual([]);
  });

  it('the close-code table holds exactly the codes the realtime service or ws can send', () => {
    const table = section('Streaming (realtime service, port 4001)')
      .split('\n')
      .map((line) => /^\| `(\d{4})` \|/.exec(line)?.[1])
      .filter((code): code is string => code !== undefined)
      .map(Number);
    const sent = [...new Set([...Object.values(CloseCode), ...SENT_BY_WS])];
    expect(table.sort()).toEqual(sent.sort());
  });

  it('every `error:` literal in the services is one of the listed codes', () => {
    const listed = new Set<string>(ERROR_CODES);
    const literals = ['command', 'projector', 'realtime', 'archiver'].flatMap((service) =>
      sourceFiles(join(ROOT, 'apps', service, 'src')).flatMap((file) =>
        [...readFileSync(file, 'utf8').matchAll(/\berror: '([a-z_]+)'/g)].map((m) => ({
          file: file.slice(ROOT.length + 1),
          code: m[1],
        })),
      ),
    );
    expect(literals.length).toBeGreaterThan(0);
    expect(literals.filter(({ code }) => !listed.has(code))).toEqual([]);
  });
});
