// ESM entry of the host library (the embed script attaches the same API as `window.CwmnAPI`).
export { createCwmnAPI, type CwmnAPI, type CwmnAPIOptions, type StartParams } from './api.js';
export { EVENT_NAMES, type CwmnEventName, type CwmnEvents, type ReplayProgress } from './events.js';
export type { Guest } from './guest.js';
export { State, TRANSITIONS } from './state-machine.js';
export { CwmnError, ErrorCode, type DomainInfo, type SessionInfo } from '../protocol/index.js';
