/** True when this browser has everything the engine needs. */
export function isBrowserCompatible(win: Window & typeof globalThis = window): boolean {
  return typeof win.RTCPeerConnection === 'function'
    && typeof win.RTCPeerConnection.prototype.createDataChannel === 'function'
    && typeof win.WebSocket === 'function'
    && typeof win.MutationObserver === 'function'
    && typeof win.CompressionStream === 'function'
    && typeof win.fetch === 'function'
    && typeof win.Promise === 'function'
    && typeof win.sessionStorage !== 'undefined';
}
