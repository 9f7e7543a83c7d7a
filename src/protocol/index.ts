// The one definition of every message on every wire: host, guest and server import it.
export * from './errors.js';
export * from './guards.js';
export * from './limits.js';
export * from './signaling.js';
export * from './http.js';
export * from './peer.js';
export * from './framing.js';
export * from './codec.js';
export * from './replay.js';
export * from './ith.js';
export * from './inbound.js';
export * from './relay.js';
