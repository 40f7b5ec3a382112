import { decodeRunRecord, RunRecordType } from '@threadline/contracts';
import { runEventsRecord, runFinishedRecord } from './run-records';

const ref = { tenantId: 'acme', conversationId: 'c-1' };

describe('run records split around the number Redis decides', () => {
  it('gives a run.events record whose from_run_seq is what is put between the halves', () => {
    const split = runEventsRecord(ref, 'run_a', [{ kind: 'text-delta', delta: '"from_run_seq":0' }]);
    const record = decodeRunRecord(Buffer.from(`${split.head}17${split.tail}`));
    expect(record).toMatchObject({
      type: RunRecordType.Events,
      event_id: split.eventId,
      data: { from_run_seq: 17, events: [{ kind: 'text-delta', delta: '"from_run_seq":0' }] },
    });
  });

  it('gives a run.finished record whose last_run_seq is what is put between the halves', () => {
    const split = runFinishedRecord(ref, 'run_a', {
      status: 'cancelled',
      reason: 'requested',
      message: '"last_run_seq":0',
      messageSeqs: [],
    });
    const record = decodeRunRecord(Buffer.from(`${split.head}5${split.tail}`));
    expect(record).toMatchObject({
      type: RunRecordType.Finished,
      data: { status: 'cancelled', reason: 'requested', message: '"last_run_seq":0', last_run_seq: 5 },
    });
  });
});
