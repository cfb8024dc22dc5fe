/** Running `occi` in process with captured output, and a small replaying fake OCCI server on loopback. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runCli } from '../../src/client/cli/run.js';
import type { Io } from '../../src/client/cli/io.js';

export interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `occi ARGV` in this process; output as a pipe unless `tty` (then a terminal of `columns`). */
export async function occi(argv: readonly string[], options: { env?: Record<string, string>; tty?: boolean; columns?: number; stdin?: string } = {}): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  const tty = options.tty ?? false;
  const io: Io = {
    stdout: { write: (t) => void (stdout += t), isTTY: tty, columns: tty ? options.columns ?? 120 : undefined },
    stderr: { write: (t) => void (stderr += t), isTTY: tty, columns: tty ? options.columns ?? 120 : undefined },
    env: { OCCI_WAIT_INTERVAL: '50', ...options.env },
    stdinIsTTY: false,
    readStdin: () => options.stdin ?? '',
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

export interface Recorded {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

export interface FakeServer {
  readonly base: string;
  readonly requests: Recorded[];
  close(): Promise<void>;
}

export type Reply = { status?: number; headers?: Record<string, string | string[]>; body?: string };

/**
 * A loopback server answering each request from `answer` (recorded
 * renderings of other servers), keeping what it was sent.
 */
export async function fakeServer(answer: (req: Recorded) => Reply | undefined): Promise<FakeServer> {
  const requests: Recorded[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      requests.push(recorded);
      const reply = answer(recorded) ?? { status: 404, headers: { 'Content-Type': 'text/plain' }, body: 'not found\n' };
      res.writeHead(reply.status ?? 200, reply.headers ?? {});
      res.end(reply.body ?? '');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, requests, close: () => new Promise((r) => server.close(() => r())) };
}
