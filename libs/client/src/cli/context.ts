import { Command } from 'commander';
import WebSocket from 'ws';
import { createClient, ThreadlineClient } from '../client';
import { WebSocketConstructor } from '../realtime/websocket-like';
import { UsageError } from './exit-codes';
import { Output } from './output';
import { resolveSettings } from './settings';

/** What every command's action works with: a client from the settings, and the output mode. */
export interface CliContext {
  client: ThreadlineClient;
  out: Output;
}

interface GlobalOptions {
  url?: string;
  realtimeUrl?: string;
  token?: string;
  profile?: string;
  json?: boolean;
}

export function contextOf(command: Command): CliContext {
  const options = command.optsWithGlobals<GlobalOptions>();
  const settings = resolveSettings(options, process.env);
  const client = createClient({
    baseUrl: settings.url,
    realtimeUrl: settings.realtimeUrl,
    token: settings.token,
    WebSocket: WebSocket as unknown as WebSocketConstructor,
  });
  return { client, out: new Output(options.json === true || !process.stdout.isTTY) };
}

/** A non-negative integer flag, or a usage error naming it. */
export function integer(name: string): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!Number.isSafeInteger(parsed) || parsed < 0) {
      throw new UsageError(`${name} must be an integer >= 0, got "${value}"`);
    }
    return parsed;
  };
}

/** A JSON object flag, or a usage error naming it. */
export function jsonObject(name: string): (value: string) => Record<string, unknown> {
  return (value) => {
    try {
      const parsed: unknown = JSON.parse(value);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
        return parsed as Record<string, unknown>;
      }
    } catch {
      // reported below
    }
    throw new UsageError(`${name} must be a JSON object, got ${value}`);
  };
}

/** Everything on stdin, as text. */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
