/** Raw HTTP over node:net, for bytes node:http's client refuses to send (issue 4 §2). */
import { connect, type Socket } from 'node:net';

export interface RawAnswer {
  /** Status of the first response, or 0 when the server closed without answering. */
  status: number;
  /** The response head as received (status line and headers). */
  head: string;
  body: string;
  /** The server closed the connection (after answering, or instead of it). */
  closed: boolean;
}

/**
 * Writes `chunks` (with `pauseMs` between them) and collects what comes back
 * until the server closes or `waitMs` pass after the last write. `end` half-closes after writing.
 */
export function rawRequest(
  base: string, chunks: Array<string | Buffer>, opts: { waitMs?: number; pauseMs?: number; end?: boolean } = {},
): Promise<RawAnswer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(Number(url.port), url.hostname);
    const received: Buffer[] = [];
    let closed = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(received).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const head = split < 0 ? text : text.slice(0, split);
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      resolve({ status: m ? Number(m[1]) : 0, head, body: split < 0 ? '' : text.slice(split + 4), closed });
    };
    socket.on('data', (d: Buffer) => received.push(d));
    socket.on('error', () => undefined); // EPIPE/ECONNRESET when the server cuts us off: that is the answer
    socket.on('close', () => {
      closed = true;
      finish();
    });
    socket.once('connect', async () => {
      try {
        for (const c of chunks) {
          if (socket.destroyed) break;
          socket.write(c);
          if (opts.pauseMs) await new Promise((r) => setTimeout(r, opts.pauseMs));
        }
        if (opts.end && !socket.destroyed) socket.end();
        timer = setTimeout(finish, opts.waitMs ?? 1_000);
      } catch (err) {
        reject(err);
      }
    });
  });
}

/** One request's bytes: request line, headers (with Host), blank line, body. */
export function rawHttp(method: string, target: string, headers: Array<[string, string]>, body: string | Buffer = ''): Buffer {
  // JSON answers carry the error code; Connection: close ends the exchange as soon as it is answered.
  const defaults = [['Accept', 'application/occi+json'], ['Connection', 'close']].filter(([k]) => !headers.some(([h]) => h === k));
  const head = [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1', ...[...headers, ...defaults].map(([k, v]) => `${k}: ${v}`)].join('\r\n');
  return Buffer.concat([Buffer.from(`${head}\r\n\r\n`, 'latin1'), typeof body === 'string' ? Buffer.from(body, 'utf8') : body]);
}

/** VmRSS of a process in KiB, from /proc (Linux). */
export async function rssKiB(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const m = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}
