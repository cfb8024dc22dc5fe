import { startOnedSimulator } from './server.js';
import type { StepMode } from './state.js';

/**
 * `npm run oned-sim [-- --port N] [--step-mode timer|info|manual|immediate] [--step-ms MS]`:
 * the simulator for a person trying the backend. VMs walk their states on a
 * timer by default, one step a second.
 */
function option(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  if (at === -1) return undefined;
  const value = process.argv[at + 1];
  if (value === undefined) throw new Error(`--${name} needs a value`);
  return value;
}

const port = Number(option('port') ?? 2633);
if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: not a port number: ${option('port')}`);
const stepMode = (option('step-mode') ?? 'timer') as StepMode;
if (!['timer', 'info', 'manual', 'immediate'].includes(stepMode)) throw new Error(`--step-mode: unknown mode ${stepMode}`);

const sim = await startOnedSimulator({ port, host: '127.0.0.1', stepMode, stepMs: Number(option('step-ms') ?? 1000) });
console.log(`oned simulator on http://127.0.0.1:${sim.port}/RPC2`);

const stop = (): void => { void sim.close().then(() => process.exit(0)); };
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
