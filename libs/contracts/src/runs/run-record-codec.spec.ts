import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runFinished, textDeltas } from '../../../../test/support/run-records';
import { UndecodableEventError } from '../event-codec';
import { runRecordJsonSchema } from '../json-schema';
import { decodeRunRecord, encodeRunRecord } from './run-record-codec';

describe('run record codec', () => {
  it('keys a run record by its conversation and decodes what it encodes', () => {
    const record = textDeltas({ tenantId: 'acme', conversationId: 'demo' }, 'run_a', 1, 2);
    const encoded = encodeRunRecord(record);
    expect(encoded.key).toBe('acme/demo');
    expect(decodeRunRecord(encoded.value)).toEqual(record);
  });

  it.each([
    ['null', null],
    ['not JSON', Buffer.from('{')],
    ['an unknown event kind', Buffer.from(JSON.stringify(textDeltas('c', 'run_a', 1, 1)).replace('text-delta', 'x'))],
    [
      'an end with a status that is not final',
      Buffer.from(
        JSON.stringify(runFinished('c', 'run_a', { status: 'committed', lastRunSeq: 0 })).replace(
          '"committed"',
          '"streaming"',
        ),
      ),
    ],
  ])('refuses %s', (_name, value) => {
    expect(() => decodeRunRecord(value)).toThrow(UndecodableEventError);
  });

  it('publishes the JSON Schema in docs/runs.schema.json exactly as the code defines it', () => {
    const published = JSON.parse(readFileSync(join(__dirname, '../../../../docs/runs.schema.json'), 'utf8')) as unknown;
    expect(published).toEqual(runRecordJsonSchema());
  });
});
