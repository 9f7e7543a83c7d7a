// What a server tells its operator in Prometheus' text format (`GET /metrics`):
// sessions, guests and sockets now, what the relay carried, the render queue,
// and how long joins, renders and store operations take. Gauges read the live
// state when scraped, so nothing is counted twice and no loop runs between
// scrapes. Values are counts and durations only: never an id, a name or a token.

import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { BusCounters } from '../bus/bus.js';
import type { RelayCounters } from '../relay/relay-switch.js';

/** Where the gauges read the server's state. */
export interface MetricSources {
  /** Sessions not ended (stored: the whole deployment's, with a shared store). */
  sessions(): number | Promise<number>;
  /** Hosts with a socket on this server; guests with one, and guests away (within their grace). */
  presence(): { hosts: number; guests: number };
  /** Open sockets on this server: signaling (every role, and those that have not said hello yet) and relay. */
  sockets(): { signaling: number; relay: number };
  /** What this server's relay carried so far; null when the relay is off. */
  relay(): Readonly<RelayCounters> | null;
  /** What this server's bus carried. */
  bus(): Readonly<BusCounters>;
  /** Renders waiting and running (with Redis: the deployment's). */
  renders(): { waiting: number; running: number } | Promise<{ waiting: number; running: number }>;
}

/** A store operation's name, as the latency histogram labels it. */
export type StoreOperation = string;

/**
 * The durations other parts of the server observe (joins, renders, store
 * operations): made first, so that those parts get them when they are built,
 * and registered by `Metrics`.
 */
export class Timings {
  private readonly joins: Histogram;
  private readonly renderSeconds: Histogram<'outcome'>;
  private readonly storeSeconds: Histogram<'operation'>;

  constructor() {
    this.joins = new Histogram({
      name: 'cwmn_guest_join_seconds', help: 'From a guest\'s join (or resume) message to its admission',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1], registers: [],
    });
    this.renderSeconds = new Histogram({
      name: 'cwmn_render_seconds', help: 'Replay render durations, by outcome', labelNames: ['outcome'],
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800], registers: [],
    });
    this.storeSeconds = new Histogram({
      name: 'cwmn_store_operation_seconds', help: 'Store operation latency, by operation', labelNames: ['operation'],
      buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5], registers: [],
    });
  }

  /** A guest was admitted `seconds` after its join or resume message arrived. */
  observeJoin(seconds: number): void {
    this.joins.observe(seconds);
  }

  /** A render ended. */
  observeRender(seconds: number, outcome: 'done' | 'failed'): void {
    this.renderSeconds.observe({ outcome }, seconds);
  }

  /** A store operation took `seconds`. */
  observeStore(operation: StoreOperation, seconds: number): void {
    this.storeSeconds.observe({ operation }, seconds);
  }

  /** Every histogram, to register. */
  histograms(): Histogram<string>[] {
    return [this.joins, this.renderSeconds, this.storeSeconds];
  }
}

export class Metrics {
  readonly registry = new Registry();

  /** `timings`: the histograms other parts feed, made before them (see `Timings`). */
  constructor(sources: MetricSources, timings: Timings) {
    const registers = [this.registry];
    for (const histogram of timings.histograms()) this.registry.registerMetric(histogram);
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'cwmn_sessions', help: 'Sessions not ended', registers,
      async collect() { this.set(await sources.sessions()); },
    });
    new Gauge({
      name: 'cwmn_hosts_connected', help: 'Hosts with a socket on this server', registers,
      collect() { this.set(sources.presence().hosts); },
    });
    new Gauge({
      name: 'cwmn_guests_connected', help: 'Guests with a socket on this server', registers,
      collect() { this.set(sources.presence().guests); },
    });
    new Gauge({
      name: 'cwmn_sockets', help: 'Open sockets on this server, by kind', labelNames: ['kind'], registers,
      collect() {
        const { signaling, relay } = sources.sockets();
        this.set({ kind: 'signaling' }, signaling);
        this.set({ kind: 'relay' }, relay);
      },
    });
    new Counter({
      name: 'cwmn_relay_bytes_total', help: 'Bytes the relay received from and wrote to its sockets', labelNames: ['direction'], registers,
      collect() {
        const counters = sources.relay();
        this.reset();
        if (!counters) return;
        this.inc({ direction: 'in' }, counters.bytesIn);
        this.inc({ direction: 'out' }, counters.bytesOut);
      },
    });
    new Counter({
      name: 'cwmn_relay_frames_dropped_total', help: 'Relay frames dropped (no routable guest, malformed header, full backlog)', registers,
      collect() {
        this.reset();
        this.inc(sources.relay()?.dropped ?? 0);
      },
    });
    new Gauge({
      name: 'cwmn_render_queue', help: 'Replay renders waiting and running', labelNames: ['state'], registers,
      async collect() {
        const { waiting, running } = await sources.renders();
        this.set({ state: 'waiting' }, waiting);
        this.set({ state: 'running' }, running);
      },
    });
    new Counter({
      name: 'cwmn_bus_messages_total', help: 'Messages this server published to (out) and received from (in) the bus', labelNames: ['direction'], registers,
      collect() {
        const counters = sources.bus();
        this.reset();
        this.inc({ direction: 'out' }, counters.published);
        this.inc({ direction: 'in' }, counters.received);
      },
    });
    new Counter({
      name: 'cwmn_bus_messages_dropped_total', help: 'Bus messages dropped on arrival (malformed, or of another version)', registers,
      collect() {
        this.reset();
        this.inc(sources.bus().dropped);
      },
    });
  }

  /** The exposition text and its content type. */
  async exposition(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }
}
