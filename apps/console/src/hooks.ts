import { useEffect } from 'preact/hooks';

/** Runs `task` now and every `intervalMs` while the view is shown (and again whenever `deps` change). */
export function usePolling(task: () => Promise<void>, intervalMs: number, deps: unknown[]): void {
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      await task();
      if (!stopped) {
        timer = setTimeout(() => void tick(), intervalMs);
      }
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, deps);
}
