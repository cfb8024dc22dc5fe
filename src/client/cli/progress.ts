import type { WaitProgress } from '../wait.js';
import type { Output } from './io.js';
import { paint, paintState } from './format.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * The display of `--wait`: on a terminal one line rewritten in place (a
 * spinner, the state, the seconds waited); elsewhere one plain line per
 * change of state, no cursor movement, no colour.
 */
export class Progress {
  readonly #out: Output;
  readonly #color: boolean;
  readonly #what: string;
  readonly #target: string;
  readonly #began = Date.now();
  #state: string | undefined;
  #message: string | undefined;
  #frame = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(out: Output, options: { color: boolean; what: string; target: string }) {
    this.#out = out;
    this.#color = options.color && out.isTTY;
    this.#what = options.what;
    this.#target = options.target;
    if (out.isTTY) {
      this.#draw();
      this.#timer = setInterval(() => this.#draw(), 100);
      this.#timer.unref();
    } else {
      out.write(`waiting for ${this.#what} to be ${this.#target}\n`);
    }
  }

  update(p: WaitProgress): void {
    const changed = p.state !== this.#state || p.message !== this.#message;
    this.#state = p.state;
    this.#message = p.message;
    if (this.#out.isTTY) this.#draw();
    else if (changed) this.#out.write(`${seconds(p.elapsedMs)} ${p.state ?? '(no state)'}${p.message ? ` (${p.message})` : ''}\n`);
  }

  /** Ends the display with the outcome. */
  finish(ok: boolean, text: string): void {
    if (this.#timer) clearInterval(this.#timer);
    const elapsed = seconds(Date.now() - this.#began);
    if (this.#out.isTTY) {
      const mark = ok ? paint('✓', 'green', { color: this.#color }) : paint('✗', 'red', { color: this.#color });
      this.#out.write(`\r\u001b[2K${mark} ${text} (${elapsed})\n`);
    } else {
      this.#out.write(`${ok ? 'done' : 'failed'}: ${text} (${elapsed})\n`);
    }
  }

  #draw(): void {
    const frame = FRAMES[this.#frame++ % FRAMES.length];
    const state = this.#state === undefined ? '…' : paintState(this.#state, { color: this.#color });
    const message = this.#message ? ` (${this.#message})` : '';
    this.#out.write(`\r\u001b[2K${paint(frame, 'cyan', { color: this.#color })} waiting for ${this.#what} to be ${this.#target}: ${state}${message} · ${seconds(Date.now() - this.#began)}`);
  }
}

function seconds(ms: number): string {
  return `${Math.floor(ms / 1000)}s`;
}
