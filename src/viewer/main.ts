// Entry of the guest viewer page (/s/<token>): reads the token from the path
// and the optional display name from `?name=`, then starts the viewer. This is
// the small script that joins; the replayer (rrweb) is a script of its own,
// `mirror.js`, which the page fetches alongside it.
import { MAX_NAME_LENGTH } from '../protocol/index.js';
import { parseLinkFragment } from './link-fragment.js';
import { StatusView } from './status.js';
import { Viewer } from './viewer.js';

function element(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`viewer page is missing #${id}`);
  return el;
}

const token = decodeURIComponent(location.pathname.split('/').filter(Boolean).pop() ?? '');
const link = parseLinkFragment(location.hash);
const name = (new URLSearchParams(location.search).get('name') ?? link.name ?? '').slice(0, MAX_NAME_LENGTH);
const socketUrl = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;

// A link with a secret is checked with Web Crypto, which browsers give only to secure pages (https, localhost).
// Without it the viewer could not tell the real host from an impostor: it says so, and leaves the link unspent.
if (link.secret && !globalThis.crypto?.subtle) {
  new StatusView(element('cwmn-status'), document.body).set('insecure');
} else {
  startViewer();
}

function startViewer(): void {
  // Constructing the viewer joins the session.
  new Viewer({
    socketUrl,
    token,
    name,
    secret: link.secret,
    // Its own script (rrweb), already requested by the page's modulepreload.
    loadMirror: () => import('./mirror.js'),
    elements: {
      stage: element('cwmn-stage'),
      layer: element('cwmn-layer'),
      surface: element('cwmn-surface'),
      status: element('cwmn-status'),
      hostLabel: element('cwmn-host'),
      pointerNote: element('cwmn-pointer-note'),
    },
  });
}
