/**
 * True when this browser, on this page, has everything the engine needs. Web Crypto
 * (which MACs the peer connection's fingerprints with the invite link's secret) exists
 * only on secure pages (https, localhost): a plain-http page is not compatible.
 */
export function isBrowserCompatible(win: Window & typeof globalThis = window): boolean {
  return win.isSecureContext !== false
    && typeof win.crypto?.subtle?.importKey === 'function'
    && typeof win.RTCPeerConnection === 'function'
    && typeof win.RTCPeerConnection.prototype.createDataChannel === 'function'
    && typeof win.WebSocket === 'function'
    && typeof win.MutationObserver === 'function'
    && typeof win.CompressionStream === 'function'
    && typeof win.fetch === 'function'
    && typeof win.Promise === 'function'
    && typeof win.sessionStorage !== 'undefined';
}
