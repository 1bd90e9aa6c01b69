import type { Style } from './terminal-style.ts';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
/** A tool call shorter than this shows no spinner: most finish well within it, and a flicker helps nobody. */
const SHOW_AFTER_MS = 1000;
const FRAME_MS = 100;
const CLEAR_LINE = '\r\u001b[2K';

/**
 * One line that says something is still running and for how long (`⠹ exec running · 4.2 s`),
 * redrawn in place on a terminal and erased before the next line is written. Only for streams
 * that are terminals: the carriage return and erase-line sequences are the only controls it writes.
 */
export class Spinner {
  #timer: NodeJS.Timeout | undefined;
  #shown = false;

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly style: Style,
    private readonly now: () => number = Date.now,
  ) {}

  /** Starts (or restarts) the spinner for `label`, which the caller has escaped. */
  start(label: string): void {
    this.stop();
    const started = this.now();
    let frame = 0;
    const draw = () => {
      const seconds = ((this.now() - started) / 1000).toFixed(1);
      this.out.write(`${CLEAR_LINE}${this.style.cyan(FRAMES[frame++ % FRAMES.length]!)} ${label} ${this.style.dim(`· ${seconds} s`)}`);
      this.#shown = true;
    };
    this.#timer = setTimeout(() => {
      draw();
      this.#timer = setInterval(draw, FRAME_MS);
      this.#timer.unref();
    }, SHOW_AFTER_MS);
    this.#timer.unref();
  }

  /** Stops and erases the line, if one was drawn. */
  stop(): void {
    clearTimeout(this.#timer);
    clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#shown) this.out.write(CLEAR_LINE);
    this.#shown = false;
  }
}
