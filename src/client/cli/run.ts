import { parseArgs } from 'node:util';
import { shortId } from '../catalog.js';
import type { OcciClient } from '../client.js';
import { UsageError } from '../errors.js';
import { CLIENT_VERSION } from '../version.js';
import { makeCtx, preprocessWait, type Command } from './command.js';
import { bashCompletion, zshCompletion } from './completion.js';
import { describeError, EXIT, exitCode } from './exit.js';
import { commandHelp, generalHelp, ROCCI_HELP } from './help.js';
import type { Io } from './io.js';
import { clientFrom, GLOBAL_OPTIONS, type Values } from './options.js';
import { discover, listCommand, show, wait } from './read.js';
import { isRocci, runRocci } from './rocci.js';
import { create, doAction, link, mixin, remove, unlink, update } from './write.js';

/** THE list of verbs, in help order. */
export const COMMANDS: readonly Command[] = [discover, listCommand, show, create, update, remove, doAction, link, unlink, mixin, wait];

const STRING_GLOBALS = new Set(
  Object.entries(GLOBAL_OPTIONS).filter(([, s]) => s.type === 'string').flatMap(([n, s]) => [`--${n}`, ...('short' in s ? [`-${s.short}`] : [])]),
);

/** The first word that is not an option or an option's value: the verb. */
function verbOf(argv: readonly string[]): { name: string; index: number } | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') return i + 1 < argv.length ? { name: argv[i + 1], index: i + 1 } : undefined;
    if (a.startsWith('-')) {
      if (STRING_GLOBALS.has(a)) i++;
      continue;
    }
    return { name: a, index: i };
  }
  return undefined;
}

/** `occi ARGV`: the exit code (README, "Exit codes"). */
export async function runCli(argv: readonly string[], io: Io): Promise<number> {
  let client: OcciClient | undefined;
  // `--action` (or --dump-model, --examples) marks a rOCCI-cli command line: no verb of ours takes it.
  const rocci = isRocci(argv);
  try {
    if (rocci) return await runRocci(argv, io);
    const args = preprocessWait(argv);
    const verb = verbOf(args);
    if (verb === undefined || verb.name === 'help') {
      const { values, positionals } = parseArgs({ args, options: GLOBAL_OPTIONS, allowPositionals: true, strict: false });
      if (values.version === true && verb === undefined) {
        io.stdout.write(`${CLIENT_VERSION}\n`);
        return EXIT.OK;
      }
      const topic = verb ? positionals[positionals.indexOf('help') + 1] : undefined;
      if (topic === 'rocci') io.stdout.write(ROCCI_HELP);
      else if (topic !== undefined) io.stdout.write(commandHelp(commandNamed(topic)));
      else if (verb || values.help === true) io.stdout.write(generalHelp(COMMANDS));
      else {
        io.stderr.write(generalHelp(COMMANDS));
        return EXIT.USAGE;
      }
      return EXIT.OK;
    }
    if (verb.name === 'completion') {
      const shell = args[verb.index + 1];
      if (shell === 'bash') io.stdout.write(bashCompletion(COMMANDS));
      else if (shell === 'zsh') io.stdout.write(zshCompletion(COMMANDS));
      else throw new UsageError('completion takes bash or zsh');
      return EXIT.OK;
    }
    if (verb.name === '__complete') return await complete(args.slice(verb.index + 1), io);
    const command = commandNamed(verb.name);
    let parsed: { values: Values; positionals: string[] };
    try {
      parsed = parseArgs({ args: [...args.slice(0, verb.index), ...args.slice(verb.index + 1)], options: { ...GLOBAL_OPTIONS, ...command.options }, allowPositionals: true, strict: true }) as typeof parsed;
    } catch (err) {
      throw new UsageError(`${(err as Error).message} (occi help ${command.name})`);
    }
    if (parsed.values.help === true) {
      io.stdout.write(commandHelp(command));
      return EXIT.OK;
    }
    const ctx = makeCtx(io, parsed.values, command, async () => (client ??= await clientFrom(parsed.values, io)));
    return await command.run(ctx, parsed.positionals);
  } catch (err) {
    io.stderr.write(`${rocci ? '[rOCCI-cli] An error occurred! Message: ' : 'occi: '}${describeError(err)}\n`);
    return exitCode(err);
  } finally {
    client?.close();
  }
}

function commandNamed(name: string): Command {
  const found = COMMANDS.find((c) => c.name === name);
  if (found) return found;
  const close = COMMANDS.filter((c) => distance(c.name, name) <= 2).map((c) => c.name);
  throw new UsageError(`unknown command "${name}"${close.length > 0 ? `; did you mean ${close.join(' or ')}?` : ''} (occi --help lists them)`);
}

/** `occi __complete kinds|mixins|actions|templates FAMILY`: names for shell completion, quickly or not at all. */
async function complete(args: readonly string[], io: Io): Promise<number> {
  const client = await clientFrom({ timeout: '2' }, { ...io, askSecret: undefined });
  try {
    const catalog = await client.discover();
    const names =
      args[0] === 'kinds' ? catalog.kinds.filter((k) => catalog.location(k) !== undefined).map((k) => k.term)
      : args[0] === 'templates' ? catalog.templates(args[1] ?? 'os_tpl').map((m) => m.term)
      : args[0] === 'mixins' ? catalog.mixins.map((m) => shortId(m))
      : args[0] === 'actions' ? [...new Set(catalog.actions.map((a) => a.term))]
      : [];
    io.stdout.write(names.map((n) => `${n}\n`).join(''));
    return EXIT.OK;
  } catch {
    return EXIT.ERROR;
  } finally {
    client.close();
  }
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
}
