/**
 * A webhook agent on the SDK: verifies each delivery's Standard Webhooks signature, and replies as itself
 * through @threadline/client before answering the webhook. The reply's producer pair is the delivery id, so a
 * redelivery (the same webhook-id) is answered with the original seq and never appended twice.
 */
import { createServer, IncomingHttpHeaders } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { createClient, Message } from '@threadline/client';

interface Delivery {
  delivery_id: string;
  conversation: { id: string };
  messages: Message[];
}

const webhook = new Webhook(required('SIGNING_SECRET')); // the whsec_... from POST /v1/agents
const client = createClient({ baseUrl: required('THREADLINE_URL'), apiKey: required('THREADLINE_AGENT_KEY') });

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`${name} is required`);
  }
  return value;
}

const flat = (headers: IncomingHttpHeaders) =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, String(value)]));

async function reply(delivery: Delivery): Promise<void> {
  const said = delivery.messages.map((m) => m.parts.map((p) => (typeof p.text === 'string' ? p.text : '')).join(''));
  const text = `you said: ${said.join(' / ')}`;
  const pair = { producer_id: `agent-worker:${delivery.delivery_id}`, producer_seq: 1 };
  await client.handle(delivery.conversation.id).appendAs({ role: 'assistant', parts: [{ type: 'text', text }] }, pair);
}

createServer((req, res) => {
  let raw = '';
  req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
  req.on('end', () => {
    let delivery: Delivery;
    try {
      delivery = webhook.verify(raw, flat(req.headers)) as Delivery;
    } catch {
      res.writeHead(401).end(); // a 4xx is not retried
      return;
    }
    reply(delivery).then(
      () => res.writeHead(200).end(), // no body: the reply is already appended
      (error: unknown) => {
        process.stderr.write(`reply to ${delivery.delivery_id} failed: ${String(error)}\n`);
        res.writeHead(503).end(); // retried: the redelivery appends once
      },
    );
  });
}).listen(Number(process.env.PORT ?? 8080), '127.0.0.1');
