import { encodeDeliveryCursor, listDeliveriesQuerySchema } from './delivery.dto';

describe('delivery list query', () => {
  it('reads back the cursor it gave, to the microsecond', () => {
    const cursor = { createdUs: '1764504000123456', id: '3f0b6c1e-2a47-4c59-9d1e-6f1f1c9a7b21' };
    expect(listDeliveriesQuerySchema.parse({ cursor: encodeDeliveryCursor(cursor) }).cursor).toEqual(cursor);
  });

  it.each(['', 'abc', Buffer.from('12.not-a-uuid').toString('base64url'), Buffer.from('x.y').toString('base64url')])(
    'refuses the cursor %j',
    (cursor) => {
      expect(listDeliveriesQuerySchema.safeParse({ cursor }).error?.issues[0].path).toEqual(['cursor']);
    },
  );

  it('defaults to 50 a page and refuses more than 100', () => {
    expect(listDeliveriesQuerySchema.parse({}).limit).toBe(50);
    expect(listDeliveriesQuerySchema.safeParse({ limit: '101' }).success).toBe(false);
  });
});
