import { randomBytes } from 'node:crypto';
import { connect, Socket } from 'node:net';

/** One WebSocket frame as RFC 6455 lays it out, including what a well-behaved client never sends. */
export interface RawFrame {
  fin: boolean;
  /** The three reserved bits, 0-7. */
  rsv: number;
  /** 0-15: 0 continuation, 1 text, 2 binary, 8 close, 9 ping, 10 pong, the rest reserved. */
  opcode: number;
  masked: boolean;
  payload: Buffer;
}

export const Opcode = { Continuation: 0, Text: 1, Binary: 2, Close: 8, Ping: 9, Pong: 10 } as const;

/** The bytes of a frame, with a random masking key when masked. */
export function encodeRawFrame(frame: RawFrame): Buffer {
  const length = frame.payload.length;
  const lengthBytes = length < 126 ? 0 : length < 65_536 ? 2 : 8;
  const header = Buffer.alloc(2 + lengthBytes + (frame.masked ? 4 : 0));
  header[0] = (frame.fin ? 0x80 : 0) | ((frame.rsv & 7) << 4) | (frame.opcode & 0x0f);
  const maskBit = frame.masked ? 0x80 : 0;
  if (lengthBytes === 0) {
    header[1] = maskBit | length;
  } else if (lengthBytes === 2) {
    header[1] = maskBit | 126;
    header.writeUInt16BE(length, 2);
  } else {
    header[1] = maskBit | 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  if (!frame.masked) {
    return Buffer.concat([header, frame.payload]);
  }
  const key = randomBytes(4);
  key.copy(header, 2 + lengthBytes);
  const payload = Buffer.from(frame.payload.map((byte, i) => byte ^ key[i % 4]));
  return Buffer.concat([header, payload]);
}

/** A well-formed close frame from a client: masked, with a status code. */
export function clientCloseFrame(code = 1000): Buffer {
  const payload = Buffer.alloc(2);
  payload.writeUInt16BE(code);
  return encodeRawFrame({ fin: true, rsv: 0, opcode: Opcode.Close, masked: true, payload });
}

export interface HttpAnswer {
  status: number;
  headers: string;
  body: string;
}

/**
 * A WebSocket client that speaks bytes: it sends its own handshake, then writes
 * whatever a test gives it, and reads the server's frames until the close frame.
 * For what the `ws` client refuses to send: unmasked or reserved frames, broken
 * fragmentation, request targets `new URL` cannot parse.
 */
export class RawWebSocket {
  /** The close code of the server's close frame (1005 when it carried none); null if the TCP connection ended first. */
  readonly closeCode: Promise<number | null>;
  private buffer = Buffer.alloc(0);
  private resolveClose: (code: number | null) => void = () => undefined;

  private constructor(
    private readonly socket: Socket,
    rest: Buffer,
  ) {
    this.closeCode = new Promise((resolve) => (this.resolveClose = resolve));
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    socket.on('close', () => this.resolveClose(null));
    this.read(rest);
  }

  /** Sends the handshake for `target`; the open socket on 101, else the HTTP answer. */
  static async upgrade(port: number, target: string): Promise<RawWebSocket | HttpAnswer> {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    const key = randomBytes(16).toString('base64');
    socket.write(
      `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    const { head, rest } = await readHead(socket);
    const [statusLine, ...headerLines] = head.split('\r\n');
    const status = Number(statusLine.split(' ')[1]);
    if (status === 101) {
      return new RawWebSocket(socket, rest);
    }
    const body = await readToEnd(socket, rest);
    return { status, headers: headerLines.join('\n'), body };
  }

  write(bytes: Buffer): void {
    if (this.socket.writable) {
      this.socket.write(bytes);
    }
  }

  destroy(): void {
    this.socket.destroy();
  }

  private read(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const frame = parseServerFrame(this.buffer);
      if (!frame) {
        return;
      }
      this.buffer = this.buffer.subarray(frame.size);
      if (frame.opcode === Opcode.Close) {
        this.resolveClose(frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005);
      }
    }
  }
}

/** One unmasked frame from the start of `bytes`, or null when it is not all there yet. */
function parseServerFrame(bytes: Buffer): { opcode: number; payload: Buffer; size: number } | null {
  if (bytes.length < 2) {
    return null;
  }
  let length = bytes[1] & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (bytes.length < 4) {
      return null;
    }
    length = bytes.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (bytes.length < 10) {
      return null;
    }
    length = Number(bytes.readBigUInt64BE(2));
    offset = 10;
  }
  if (bytes.length < offset + length) {
    return null;
  }
  return { opcode: bytes[0] & 0x0f, payload: bytes.subarray(offset, offset + length), size: offset + length };
}

function readHead(socket: Socket): Promise<{ head: string; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end >= 0) {
        socket.off('data', onData);
        socket.off('close', onClose);
        resolve({ head: received.subarray(0, end).toString('latin1'), rest: received.subarray(end + 4) });
      }
    };
    const onClose = () => reject(new Error(`connection closed before an HTTP answer: ${received.toString('latin1')}`));
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}

/** The rest of an HTTP answer sent with `Connection: close`. */
function readToEnd(socket: Socket, rest: Buffer): Promise<string> {
  const chunks = [rest];
  const text = () => Buffer.concat(chunks).toString('utf8');
  if (socket.closed) {
    return Promise.resolve(text());
  }
  return new Promise((resolve) => {
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('close', () => resolve(text()));
  });
}
