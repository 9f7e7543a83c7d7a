// Bookkeeping shared by the fuzz suites: failures with the input that caused
// them, process-level crash counters, and one printable summary line.

/** One broken property, with enough of the input to reproduce it by eye. */
export interface Failure {
  what: string;
  input: string;
  detail: string;
}

/** Collects failures instead of throwing at the first one, so a run reports several at once. */
export class Failures {
  readonly list: Failure[] = [];

  add(what: string, input: unknown, detail: unknown): void {
    if (this.list.length >= 50) return;
    this.list.push({ what, input: preview(input), detail: preview(detail) });
  }
}

/** A short, printable form of any input (strings, bytes, values). */
export function preview(value: unknown, max = 300): string {
  let text: string;
  if (value instanceof Uint8Array) text = `bytes(${value.length}) ${Buffer.from(value.subarray(0, 48)).toString('hex')}`;
  else if (typeof value === 'string') text = JSON.stringify(value);
  else if (value instanceof Error) text = `${value.name}: ${value.message}`;
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}

/** Counts what escapes to the process: unhandled rejections and uncaught exceptions. */
export class CrashCounter {
  unhandledRejections = 0;
  uncaughtExceptions = 0;
  readonly samples: string[] = [];
  private readonly onRejection = (reason: unknown) => {
    this.unhandledRejections++;
    this.samples.push(`unhandledRejection: ${preview(reason)}`);
  };
  private readonly onException = (err: unknown) => {
    this.uncaughtExceptions++;
    this.samples.push(`uncaughtException: ${preview(err)}`);
  };

  start(): void {
    process.on('unhandledRejection', this.onRejection);
    process.on('uncaughtException', this.onException);
  }

  stop(): void {
    process.off('unhandledRejection', this.onRejection);
    process.off('uncaughtException', this.onException);
  }

  get total(): number {
    return this.unhandledRejections + this.uncaughtExceptions;
  }
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits until `condition()` holds, polling; false on timeout. */
export async function waitUntil(condition: () => boolean, timeoutMs: number, stepMs = 10): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await sleep(stepMs);
  }
  return true;
}
