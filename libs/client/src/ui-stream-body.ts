/** What `run.pipe` takes: `toUIMessageStreamResponse()`'s Response, its bytes, or `toUIMessageStream()`'s chunks. */
export type UIMessageStreamSource = Response | ReadableStream<Uint8Array> | ReadableStream<object>;

/**
 * The source as Server-Sent Events bytes (`text/event-stream`): a Response's body and byte streams as they are,
 * a stream of chunk objects as one `data: <chunk JSON>` event each and `data: [DONE]` at the end.
 */
export function uiMessageStreamBody(source: UIMessageStreamSource): ReadableStream<Uint8Array> {
  if (source instanceof Response) {
    if (source.body === null) {
      throw new Error('the Response has no body');
    }
    return source.body;
  }
  const encoder = new TextEncoder();
  const reader = (source as ReadableStream<Uint8Array | object>).getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { value, done } = await reader.read();
      if (done) {
        controller.close();
        return;
      }
      controller.enqueue(value instanceof Uint8Array ? value : encoder.encode(`data: ${JSON.stringify(value)}\n\n`));
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

/** The content type of a UI message stream (the server ends the run at `[DONE]` or after a `finish` chunk). */
export const SSE_CONTENT_TYPE = 'text/event-stream';
