import { inspect } from 'node:util';

const HIDDEN = '[secret]';

/**
 * A secret that does not leak by accident: String(), template literals, JSON.stringify,
 * util.inspect (so console.log and JSON log lines) all print '[secret]'. The value lives in
 * a #private field, which Object.keys, spread, structuredClone and inspect never see, and
 * which makes the class nominal, so a plain string cannot be passed where a SecretValue is due.
 */
export class SecretValue {
  readonly #value: string;

  constructor(value: string) {
    if (typeof value !== 'string') throw new TypeError('SecretValue holds a string');
    this.#value = value;
  }

  /** The one way out. Call it at the last moment, where the value is sent, never to log. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return HIDDEN;
  }

  toJSON(): string {
    return HIDDEN;
  }

  // `+` and `==` use the 'default' hint, which would otherwise try valueOf first.
  [Symbol.toPrimitive](): string {
    return HIDDEN;
  }

  [inspect.custom](): string {
    return HIDDEN;
  }
}
