import { RunEventInput } from '../types';
import { UsageError } from './exit-codes';

/** Run events from a file or stdin: a JSON array of events, or one JSON event a line. */
export function parseRunEvents(text: string): RunEventInput[] {
  const trimmed = text.trim();
  if (trimmed === '') {
    throw new UsageError('no events: give a JSON array of events, or one JSON event a line');
  }
  try {
    const parsed: unknown = trimmed.startsWith('[')
      ? JSON.parse(trimmed)
      : trimmed
          .split('\n')
          .filter((line) => line.trim() !== '')
          .map((line) => JSON.parse(line) as unknown);
    if (Array.isArray(parsed) && parsed.every((e) => typeof e === 'object' && e !== null && !Array.isArray(e))) {
      return parsed as RunEventInput[];
    }
  } catch {
    // reported below
  }
  throw new UsageError('the events are not a JSON array of objects, nor one JSON object a line');
}
