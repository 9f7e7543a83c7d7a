// Entry of the embed script: defines `window.CwmnAPI` at once, talking to the
// server the script itself was loaded from.
import { createCwmnAPI, type CwmnAPI } from './api.js';

declare global {
  interface Window {
    CwmnAPI?: CwmnAPI;
  }
}

const script = document.currentScript as HTMLScriptElement | null;
const serverUrl = script?.src ? new URL(script.src, location.href).origin : location.origin;
const debug = script?.hasAttribute('data-cwmn-debug') ?? false;

// A second copy of the embed on the same page must not start a second recorder.
if (!window.CwmnAPI) {
  window.CwmnAPI = createCwmnAPI({ serverUrl, log: debug ? (line) => console.debug(`[cwmn] ${line}`) : undefined });
}
