import { messageBodySchema } from './message.schema';

describe('message parts', () => {
  it('keeps unknown part types exactly as sent', () => {
    const part = { type: 'x-custom-widget', payload: { a: [1, 2] }, extra: true };
    const parsed = messageBodySchema.parse({ role: 'assistant', parts: [part] });
    expect(parsed.parts[0]).toEqual(part);
  });

  it('keeps extra fields on known parts', () => {
    const part = { type: 'tool_call', name: 'lookup', payload: { sku: 'A-19' } };
    expect(messageBodySchema.parse({ role: 'assistant', parts: [part] }).parts[0]).toEqual(part);
  });

  it.each([
    ['text without text', { type: 'text' }, 'parts.0.text'],
    ['reasoning with a number', { type: 'reasoning', text: 1 }, 'parts.0.text'],
    ['tool_call without a name', { type: 'tool_call' }, 'parts.0.name'],
    ['file without url or data', { type: 'file', media_type: 'image/png' }, 'parts.0.url'],
    ['part without type', { text: 'x' }, 'parts.0.type'],
  ])('rejects a malformed known part: %s, naming the field', (_name, part, path) => {
    const result = messageBodySchema.safeParse({ role: 'user', parts: [part] });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0].path.join('.')).toBe(path);
  });

  it('rejects an empty parts list and an empty role', () => {
    expect(messageBodySchema.safeParse({ role: 'user', parts: [] }).success).toBe(false);
    expect(messageBodySchema.safeParse({ role: '', parts: [{ type: 'text', text: 'x' }] }).success).toBe(false);
  });

  it.each(['constructor', 'toString', 'hasOwnProperty', '__proto__'])(
    'keeps a part typed %s as an unknown type instead of looking it up on Object.prototype',
    (type) => {
      const part = { type, x: 1 };
      expect(messageBodySchema.parse({ role: 'user', parts: [part] }).parts[0]).toEqual(part);
    },
  );
});
