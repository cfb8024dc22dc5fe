import type { Kind } from '../../model/index.js';
import type { OcciClient } from '../client.js';
import type { Entity } from '../types.js';
import { UsageError, WaitError } from '../errors.js';
import type { OutputFormat, Style } from './format.js';
import type { Io } from './io.js';
import { Progress } from './progress.js';
import { outputFormat, str, styleOf, type Values } from './options.js';

/** What a command runs with. */
export interface Ctx {
  readonly io: Io;
  readonly values: Values;
  readonly style: Style;
  /** The output format: --output, else a table on a terminal and the command's pipe format elsewhere. */
  readonly format: OutputFormat;
  client(): Promise<OcciClient>;
}

export type OptionSpec = { readonly type: 'string' | 'boolean'; readonly short?: string; readonly multiple?: boolean };

/** One verb of `occi`: its options, its help, and what it does. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  /** `occi create KIND [options]`. */
  readonly usage: string;
  readonly description?: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Option help lines: [`--os NAME`, what it does]. */
  readonly optionHelp: ReadonlyArray<readonly [string, string]>;
  readonly examples: readonly string[];
  /** The output format in a pipe (without --output). */
  readonly pipe: OutputFormat;
  /** Subcommands for completion (`mixin add|remove|define|delete`). */
  readonly subcommands?: readonly string[];
  run(ctx: Ctx, args: readonly string[]): Promise<number>;
}

export function makeCtx(io: Io, values: Values, command: Pick<Command, 'pipe'>, client: () => Promise<OcciClient>): Ctx {
  return { io, values, style: styleOf(values, io), format: outputFormat(values, io, command.pipe), client };
}

export function need(args: readonly string[], count: number, what: string): void {
  if (args.length < count) throw new UsageError(`missing ${what}`);
}

/** Words `--wait` may take as its state (otherwise the next word is not its value). */
export const STATES = new Set(['active', 'inactive', 'suspended', 'error', 'online', 'offline']);

/**
 * `--wait [STATE]`: util.parseArgs has no optional values, so a bare
 * `--wait` becomes `--wait=` (the default state) and `--wait active`
 * becomes `--wait=active` before parsing.
 */
export function preprocessWait(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (argv[i] !== '--wait') out.push(argv[i]);
    else if (i + 1 < argv.length && STATES.has(argv[i + 1])) out.push(`--wait=${argv[++i]}`);
    else out.push('--wait=');
  }
  return out;
}

/** The state an action leads to (OCCI Infrastructure §2-§4 state machines), for `--wait` without a state. */
export const ACTION_TARGETS: Readonly<Record<string, string>> = {
  start: 'active', restart: 'active', stop: 'inactive', suspend: 'suspended', up: 'active', down: 'inactive', online: 'online', offline: 'offline',
};

/** The state a new entity of this kind is waited for: active, online for storage (rOCCI-cli's pair). */
export function readyState(kind: Kind | undefined): string {
  return kind?.term === 'storage' ? 'online' : 'active';
}

/** `--wait-timeout SECONDS` (default 300). */
export function waitTimeout(values: Values): number {
  const given = str(values, 'wait-timeout');
  if (given === undefined) return 300_000;
  const s = Number(given);
  if (!(s > 0)) throw new UsageError(`--wait-timeout takes seconds (a number above 0), not "${given}"`);
  return s * 1000;
}

/** Waits with the progress display on stderr; the entity when the state is reached. */
export async function waitWithProgress(ctx: Ctx, client: OcciClient, url: string, state: string, name: string): Promise<Entity> {
  const progress = new Progress(ctx.io.stderr, { color: ctx.style.color, what: name, target: state });
  try {
    const interval = Number(ctx.io.env.OCCI_WAIT_INTERVAL ?? '') || 2000;
    const entity = await client.waitFor(url, state, { timeoutMs: waitTimeout(ctx.values), intervalMs: interval, onProgress: (p) => progress.update(p) });
    progress.finish(true, `${name} is ${state}`);
    return entity;
  } catch (err) {
    const hint = err instanceof WaitError && err.timedOut && err.state === 'inactive' && state === 'active' ? `; start it with: occi do ${url} start` : '';
    progress.finish(false, err instanceof Error ? `${err.message}${hint}` : String(err));
    throw err;
  }
}
