/**
 * Scrollback for the terminal UI, kept outside the engine state (log lines
 * arrive by the thousand per second; the state stays small and the reducer
 * never sees them). One ring per service and source (app output, build
 * output) holds at most `linesPerService` lines, and one ring per source holds
 * the latest lines of all services together, so memory is bounded whatever
 * the rate. Lines are stored clean: ANSI escapes and control characters
 * removed, cut at `maxLineLength`.
 */

/** Where a line came from: the container (`app`) or the builder (`build`). */
export type LogSource = 'app' | 'build';

/** One stored line. `seq` orders lines across services and never repeats; `time` is Unix ms. */
export interface LogEntry {
  readonly seq: number;
  readonly service: string;
  readonly source: LogSource;
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
  readonly time: number;
}

/** Limits of a buffer. */
export interface LogBufferOptions {
  /** Lines kept per service and source, and for all services together per source (default 5,000). */
  readonly linesPerService?: number;
  /** Longer lines are cut here (default 2,000 characters). */
  readonly maxLineLength?: number;
}

/** The default scrollback per service. */
export const DEFAULT_LOG_LINES = 5_000;

class Ring {
  private readonly items: (LogEntry | undefined)[];
  private start = 0;
  private count = 0;

  constructor(private readonly capacity: number) {
    this.items = new Array<LogEntry | undefined>(capacity);
  }

  push(entry: LogEntry): void {
    if (this.count < this.capacity) {
      this.items[(this.start + this.count) % this.capacity] = entry;
      this.count++;
    } else {
      this.items[this.start] = entry;
      this.start = (this.start + 1) % this.capacity;
    }
  }

  toArray(): LogEntry[] {
    const out = new Array<LogEntry>(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.items[(this.start + i) % this.capacity]!;
    return out;
  }

  get size(): number {
    return this.count;
  }
}

// CSI and OSC sequences, other escapes, then control characters except tab.
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g;

/** A line as the terminal can show it: no escapes, no control characters, tabs as spaces, at most `max` characters. */
export function cleanLogText(text: string, max: number): string {
  let clean = text.includes('\u001b') ? text.replace(ANSI, '') : text;
  clean = clean.replace(CONTROL, '');
  if (clean.includes('\t')) clean = clean.replace(/\t/g, '    ');
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/** The buffer. Listeners hear that something changed (not what), so a UI can redraw at its own pace. */
export class LogBuffer {
  readonly linesPerService: number;
  private readonly maxLineLength: number;
  private readonly rings = new Map<string, Ring>();
  private readonly everyService: Record<LogSource, Ring>;
  private readonly listeners = new Set<() => void>();
  private seq = 0;

  constructor(options: LogBufferOptions = {}) {
    this.linesPerService = Math.max(1, Math.floor(options.linesPerService ?? DEFAULT_LOG_LINES));
    this.maxLineLength = Math.max(16, options.maxLineLength ?? 2_000);
    this.everyService = { app: new Ring(this.linesPerService), build: new Ring(this.linesPerService) };
  }

  /** Appends one line (a trailing line ending is dropped). */
  append(service: string, source: LogSource, stream: 'stdout' | 'stderr', text: string, time: number): void {
    const entry: LogEntry = {
      seq: ++this.seq,
      service,
      source,
      stream,
      text: cleanLogText(text.replace(/\r?\n$/, ''), this.maxLineLength),
      time,
    };
    const key = `${source}\u0000${service}`;
    let ring = this.rings.get(key);
    if (ring === undefined) {
      ring = new Ring(this.linesPerService);
      this.rings.set(key, ring);
    }
    ring.push(entry);
    this.everyService[source].push(entry);
    for (const listener of this.listeners) listener();
  }

  /** The lines of one service, or of every service when `service` is undefined, oldest first. */
  lines(source: LogSource, service?: string): LogEntry[] {
    if (service === undefined) return this.everyService[source].toArray();
    return this.rings.get(`${source}\u0000${service}`)?.toArray() ?? [];
  }

  /** How many lines are held in all rings together (each line counted once per ring it is in). */
  retained(): number {
    let total = this.everyService.app.size + this.everyService.build.size;
    for (const ring of this.rings.values()) total += ring.size;
    return total;
  }

  /** The sequence number of the newest line (0 before any): changes whenever a line arrives. */
  get version(): number {
    return this.seq;
  }

  /** Hears every append; returns the unsubscribe. Listeners must be cheap (mark dirty, redraw later). */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
