/** Resolves once `done()` holds, checking every `intervalMs` (immediately if it already holds). */
export function pollUntil(done: () => boolean, intervalMs = 10): Promise<void> {
  if (done()) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const check = () => (done() ? resolve() : setTimeout(check, intervalMs));
    setTimeout(check, intervalMs);
  });
}
