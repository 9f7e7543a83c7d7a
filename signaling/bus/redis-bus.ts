// The bus of several servers: Redis pub/sub, one channel per session
// (`<prefix>:session:<id>`), subscribed while this server has a socket of
// the session. Publishing goes through one connection, so what this server
// publishes arrives everywhere in order. A message that does not decode is
// dropped and counted, never delivered.

import { Redis } from 'ioredis';
import { isId } from '../../src/protocol/index.js';
import type { LogFn } from '../config.js';
import { quitRedis } from '../state/redis-connection.js';
import type { Bus, BusCounters, Delivery, DeliveryHandler, Listening } from './bus.js';
import { decodeDelivery, encodeDelivery } from './bus-codec.js';

export interface RedisBusOptions {
  redisUrl: string;
  prefix: string;
  log: LogFn;
}

export class RedisBus implements Bus {
  readonly counters: BusCounters = { published: 0, received: 0, dropped: 0 };
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly listeners = new Map<string, { handlers: Set<DeliveryHandler>; subscribed: Promise<void> }>();
  private readonly channelPrefix: string;
  private closing: Promise<void> | null = null;

  constructor(private readonly options: RedisBusOptions) {
    this.channelPrefix = `${options.prefix}:session:`;
    // Commands queue while Redis is away and go out once it is back (ioredis' offline queue).
    this.publisher = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
    this.subscriber = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
    for (const c of [this.publisher, this.subscriber]) c.on('error', (err) => options.log(`bus: redis: ${err.message}`, { level: 'warn' }));
    this.subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => this.arrived(channel.toString('latin1'), message));
  }

  publish(sessionId: string, delivery: Delivery): void {
    if (this.closing) return;
    this.counters.published++;
    this.publisher.publish(this.channelPrefix + sessionId, encodeDelivery(delivery)).catch((err: Error) => {
      this.options.log(`bus: publish failed: ${err.message}`, { sessionId, level: 'warn' });
    });
  }

  listen(sessionId: string, handler: DeliveryHandler): Listening {
    let topic = this.listeners.get(sessionId);
    if (!topic) {
      const subscribed = this.subscriber.subscribe(this.channelPrefix + sessionId).then(() => {}, (err: Error) => {
        this.options.log(`bus: subscribe failed: ${err.message}`, { sessionId, level: 'warn' });
      });
      this.listeners.set(sessionId, (topic = { handlers: new Set(), subscribed }));
    }
    const own = topic;
    own.handlers.add(handler);
    return {
      ready: own.subscribed,
      stop: () => {
        own.handlers.delete(handler);
        if (own.handlers.size > 0 || this.listeners.get(sessionId) !== own) return;
        this.listeners.delete(sessionId);
        if (!this.closing) this.subscriber.unsubscribe(this.channelPrefix + sessionId).catch(() => {});
      },
    };
  }

  /** Resolves once both connections answer, and every topic listened on is subscribed. */
  async ping(): Promise<void> {
    await this.publisher.ping();
    if (this.subscriber.status !== 'ready') throw new Error(`the bus's subscriber is ${this.subscriber.status}`);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.listeners.clear();
      await Promise.all([quitRedis(this.publisher), quitRedis(this.subscriber)]);
    })();
    return this.closing;
  }

  private arrived(channel: string, message: Buffer): void {
    const sessionId = channel.startsWith(this.channelPrefix) ? channel.slice(this.channelPrefix.length) : '';
    const delivery = isId(sessionId) ? decodeDelivery(message) : null;
    if (!delivery) {
      this.counters.dropped++;
      this.options.log('bus: dropped a message that is not a delivery (another version, or garbage)', { level: 'warn' });
      return;
    }
    for (const handler of [...(this.listeners.get(sessionId)?.handlers ?? [])]) {
      this.counters.received++;
      try {
        handler(delivery);
      } catch (err) {
        this.options.log(`bus: a listener failed: ${(err as Error)?.stack ?? String(err)}`, { sessionId, level: 'error' });
      }
    }
  }
}
