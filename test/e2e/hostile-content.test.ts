// Guest-side safety: a host page full of hostile content — script tags, inline
// event handlers, javascript: URLs, srcdoc frames, SVG scripts, a `</script>`
// in text, a meta refresh, a <base> aimed at the top window, forms — and a
// malicious host that bypasses the recorder and sends hand-made rrweb events.
// Nothing of it may run in the guest's viewer: no flag, no message, no dialog,
// no navigation, and the mirror keeps showing the page.
//
// Every payload is live JavaScript: on the host page (where `window.__HOST` is
// set) it only notes that it ran in `window.__hostRan`, which proves the test
// is not vacuous; anywhere else it sets `__pwned` flags, posts a message to its
// parent, renames the document and opens a dialog.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, mirrorCenter, openHost, startCwmn, startSite, waitForViewerState, type Cwmn } from './harness.js';

/** The payload of the fixture, for content added by the tests. */
function pwn(name: string): string {
  return `(top.__HOST?top.__hostRan.push('${name}'):(top.__pwned=(top.__pwned||[]).concat('${name}'),self.__pwned=1,`
    + `parent.postMessage('pwned:${name}','*'),document.title='pwned',alert('pwned:${name}')));void 0`;
}

/** Test-only instrumentation of the host: keeps its data channels, so a test can play a malicious host. */
function keepDataChannels(): void {
  const create = RTCPeerConnection.prototype.createDataChannel;
  const channels: RTCDataChannel[] = [];
  (window as unknown as { __channels: RTCDataChannel[] }).__channels = channels;
  RTCPeerConnection.prototype.createDataChannel = function (this: RTCPeerConnection, label: string, init?: RTCDataChannelInit) {
    const channel = create.call(this, label, init);
    channels.push(channel);
    return channel;
  };
}

/** Test-only instrumentation of the viewer: notes every message posted to it. */
function watchMessages(): void {
  const messages: string[] = [];
  (window as unknown as { __messages: string[] }).__messages = messages;
  window.addEventListener('message', (e) => messages.push(String(e.data)));
}

/** What the guest's browser shows of an attack: every place a payload would leave a trace. */
interface Traces {
  viewerFlag: unknown;
  mirrorFlag: unknown;
  nestedFlags: unknown[];
  messages: string[];
  viewerTitle: string;
  mirrorTitle: string;
  sandbox: string | null;
  iframes: number;
}

describe('guest-side safety: hostile host content never runs in the viewer', () => {
  let cwmn: Cwmn;
  let site: { url: string; close(): Promise<void> };
  let browser: Browser;
  let guestContext: BrowserContext;
  let host: Page;
  let guest: Page;
  let viewerUrl: string;
  let viewerTitle: string;
  let mirrorUrl: string;
  const dialogs: string[] = [];
  const popups: string[] = [];
  /** Chromium's console notes that the frame's sandbox blocked something. */
  const sandboxReports: string[] = [];
  let viewerCsp = '';

  /** Runs `fn` in the guest's viewer with the mirror's document and window. */
  const mirror = <T>(fn: (doc: Document, win: Window) => T): Promise<T> => guest.evaluate(`(${fn.toString()})(
      document.querySelector('#cwmn-stage iframe').contentDocument,
      document.querySelector('#cwmn-stage iframe').contentWindow)`) as Promise<T>;

  const traces = (): Promise<Traces> => guest.evaluate(() => {
    const frame = document.querySelector<HTMLIFrameElement>('#cwmn-stage iframe')!;
    const w = window as unknown as { __pwned?: unknown; __messages: string[] };
    const inner = frame.contentWindow as unknown as { __pwned?: unknown } | null;
    const nested = [...(frame.contentDocument?.querySelectorAll('iframe') ?? [])].map((f) => {
      try {
        return (f.contentWindow as unknown as { __pwned?: unknown } | null)?.__pwned;
      } catch {
        return 'unreachable';
      }
    });
    return {
      viewerFlag: w.__pwned,
      mirrorFlag: inner?.__pwned,
      nestedFlags: nested.filter((f) => f !== undefined),
      messages: w.__messages.filter((m) => m.startsWith('pwned')),
      viewerTitle: document.title,
      mirrorTitle: frame.contentDocument?.title ?? '',
      sandbox: frame.getAttribute('sandbox'),
      iframes: document.querySelectorAll('iframe').length,
    };
  });

  /** Asserts that nothing of any payload happened in the guest's browser. */
  async function expectNothingRan(): Promise<void> {
    const t = await traces();
    expect(t.viewerFlag, 'flag on the viewer window').toBeUndefined();
    expect(t.mirrorFlag, 'flag on the mirror window').toBeUndefined();
    expect(t.nestedFlags, 'flags in frames inside the mirror').toEqual([]);
    expect(t.messages, 'messages posted by payloads').toEqual([]);
    expect(t.viewerTitle).toBe(viewerTitle);
    expect(t.mirrorTitle).not.toBe('pwned');
    expect(t.sandbox).toBe('allow-same-origin');
    expect(t.iframes, 'the viewer has exactly one iframe of its own').toBe(1);
    expect(dialogs, 'dialogs opened in the guest').toEqual([]);
    expect(popups, 'windows opened in the guest').toEqual([]);
    expect(guest.url()).toBe(viewerUrl);
    expect(await guest.evaluate(() => document.body.dataset.state)).toBe('live');
    expect(await mirror((_doc, win) => win.location.href), 'the mirror did not navigate').toBe(mirrorUrl);
  }

  /** Lets error events, animations and refreshes fire. */
  const settle = (ms = 1200) => new Promise((r) => setTimeout(r, ms));

  beforeAll(async () => {
    cwmn = await startCwmn();
    site = await startSite(cwmn.server.url);
    browser = await launchBrowser();
    const hostContext = await browser.newContext({ viewport: { width: 1000, height: 700 } });
    await hostContext.addInitScript(keepDataChannels);
    host = await openHost(hostContext, `${site.url}/hostile.html`);
    await host.evaluate(() => window.CwmnAPI!.session.start({ hostName: 'Mallory' }));
    const link = await host.evaluate(() => window.CwmnAPI!.guest.getInviteLink());

    guestContext = await browser.newContext({ viewport: { width: 1000, height: 760 } });
    guest = await guestContext.newPage();
    guestContext.on('page', (p) => popups.push(p.url()));
    guest.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    guest.on('console', (m) => {
      if (/frame is sandboxed|document is sandboxed/.test(m.text())) sandboxReports.push(m.text());
    });
    await guest.addInitScript(watchMessages);
    viewerCsp = (await guest.goto(link))?.headers()['content-security-policy'] ?? '';
    await waitForViewerState(guest, 'live');
    viewerUrl = guest.url();
    viewerTitle = await guest.title();
    mirrorUrl = await mirror((_doc, win) => win.location.href);
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await cwmn?.close();
  });

  it('the payloads are live: on the host page they run', async () => {
    // Clicking the javascript: link and submitting the javascript: form on the host runs them there.
    await host.click('#js-link');
    await host.evaluate(() => (document.getElementById('js-form') as HTMLFormElement).requestSubmit());
    await host.waitForFunction(() => {
      const ran = (window as unknown as { __hostRan: string[] }).__hostRan;
      return ran.includes('js-link') && ran.includes('js-form') && ran.includes('img-onerror');
    });
    const ran = await host.evaluate(() => (window as unknown as { __hostRan: string[] }).__hostRan);
    for (const name of ['script-head', 'script-body', 'script-closing', 'img-onerror', 'link-onerror', 'svg-script',
      'iframe-srcdoc', 'details-ontoggle', 'js-link', 'js-form']) {
      expect(ran, name).toContain(name);
    }
    expect(await host.evaluate(() => document.title)).toBe('Hostile fixture');
    expect(await host.evaluate(() => location.hash)).toBe('#refreshed'); // The meta refresh ran, and kept the page.
  });

  it('mirrors the page into an iframe sandboxed without allow-scripts, showing the content as inert text and markup', async () => {
    const frame = await guest.evaluate(() => {
      const f = document.querySelector<HTMLIFrameElement>('#cwmn-stage iframe')!;
      return { sandbox: f.getAttribute('sandbox'), allowScripts: f.sandbox.contains('allow-scripts') };
    });
    expect(frame).toEqual({ sandbox: 'allow-same-origin', allowScripts: false });
    // Chromium reports that the sandbox, not only the page's policy, blocked the payloads.
    expect(sandboxReports.length).toBeGreaterThan(0);
    // Second line of defence: the viewer's policy (which the mirror inherits) allows no inline script either.
    const scriptSrc = viewerCsp.split(';').map((d) => d.trim()).find((d) => d.startsWith('script-src'));
    expect(scriptSrc).toBe("script-src 'self'");
    expect(viewerCsp).toContain("base-uri 'none'");
    const seen = await mirror((doc) => ({
      heading: doc.getElementById('benign')?.textContent,
      closingText: doc.getElementById('closing-text')?.textContent,
      closingChildren: doc.getElementById('closing-text')?.children.length,
      textarea: (doc.getElementById('closing-textarea') as HTMLTextAreaElement | null)?.value,
      scripts: doc.querySelectorAll('script').length,
      imgHandler: doc.getElementById('img-onerror')?.getAttribute('onerror') ?? null,
      jsLink: doc.getElementById('js-link')?.getAttribute('href') ?? null,
      details: doc.getElementById('details')?.getAttribute('ontoggle') ?? null,
      refresh: doc.querySelectorAll('meta[http-equiv]').length,
    }));
    expect(seen.heading).toBe('Benign heading the guest must see');
    expect(seen.closingText).toBe(`</script><script>top.__pwned=['text']</script> stays text`);
    expect(seen.closingChildren).toBe(0);
    expect(seen.textarea).toBe(`</textarea><img src=x onerror="top.__pwned=['textarea']">`);
    expect(seen.scripts).toBe(0);
    expect(seen.refresh).toBe(0);
    // The hostile attributes did reach the mirror: only the sandbox keeps them from running.
    expect(seen.imgHandler).toContain('pwned');
    expect(seen.jsLink).toMatch(/^javascript:/);
    expect(seen.details).toContain('pwned');
    await settle();
    await expectNothingRan();
  });

  it('runs nothing added or changed after the guest joined', async () => {
    const reportsBefore = sandboxReports.length;
    await host.evaluate((p) => {
      const later = document.getElementById('later')!;
      later.innerHTML = `<img id="late-img" src="late-missing.png" onerror="${p.img}">`
        + `<svg id="late-svg" width="40" height="20" onload="${p.svg}"><rect width="40" height="20"><animate attributeName="x" from="0" to="1" dur="60s" onbegin="${p.animate}"/></rect></svg>`
        + `<details id="late-details" open ontoggle="${p.details}"><summary>Late</summary>Late details</details>`
        + `<a id="late-js" href="javascript:${p.link}">late link</a>`
        + `<iframe id="late-srcdoc" srcdoc="<script>${p.srcdoc}</script>"></iframe>`
        + `<video id="late-video" src="late-missing.mp4" onerror="${p.video}"></video>`
        + `<input id="late-autofocus" autofocus onfocus="${p.focus}">`
        + `<p id="late-text"></p>`;
      const script = document.createElement('script');
      script.textContent = p.script;
      later.appendChild(script);
      document.getElementById('late-text')!.textContent = `</script><script>${p.text}</script> late text`;
      // Attributes changed to handlers and javascript: URLs on elements the guest already has.
      const img = document.getElementById('benign-img')!;
      img.setAttribute('onerror', p.attrOnerror);
      img.setAttribute('src', 'attr-missing.png');
      document.getElementById('top-link')!.setAttribute('href', `javascript:${p.attrHref}`);
      document.getElementById('details')!.removeAttribute('open');
      document.getElementById('details')!.setAttribute('ontoggle', p.attrToggle);
      document.getElementById('details')!.setAttribute('open', '');
    }, {
      img: pwn('late-img'), svg: pwn('late-svg'), animate: pwn('late-animate'), details: pwn('late-details'),
      link: pwn('late-link'), srcdoc: pwn('late-srcdoc'), video: pwn('late-video'), focus: pwn('late-focus'),
      script: pwn('late-script'), text: pwn('late-text'), attrOnerror: pwn('attr-onerror'), attrHref: pwn('attr-href'),
      attrToggle: pwn('attr-ontoggle'),
    });
    await host.waitForFunction(() => {
      const ran = (window as unknown as { __hostRan: string[] }).__hostRan;
      return ['late-img', 'late-script', 'attr-onerror', 'late-details'].every((n) => ran.includes(n));
    });
    await guest.waitForFunction(() => document.querySelector<HTMLIFrameElement>('#cwmn-stage iframe')!
      .contentDocument!.getElementById('late-text')?.textContent?.endsWith('late text'));
    const seen = await mirror((doc) => ({
      lateImg: doc.getElementById('late-img')?.getAttribute('onerror') ?? null,
      benignImg: doc.getElementById('benign-img')?.getAttribute('onerror') ?? null,
      topLink: doc.getElementById('top-link')?.getAttribute('href') ?? null,
      lateText: doc.getElementById('late-text')?.textContent ?? null,
      lateTextChildren: doc.getElementById('late-text')?.children.length,
      scripts: doc.querySelectorAll('script').length,
    }));
    expect(seen.lateImg).toContain('late-img');
    expect(seen.benignImg).toContain('attr-onerror');
    expect(seen.topLink).toMatch(/^javascript:/);
    expect(seen.lateText).toMatch(/^<\/script><script>.*late text$/);
    expect(seen.lateTextChildren).toBe(0);
    expect(seen.scripts).toBe(0);
    await settle();
    await expectNothingRan();
    expect(sandboxReports.length).toBeGreaterThan(reportsBefore);
    expect(await mirror((doc) => doc.getElementById('benign')?.textContent)).toBe('Benign heading the guest must see');
  });

  it('ignores the guest clicking a javascript: link: the viewer takes the click', async () => {
    const box = await mirrorCenter(guest, 'js-link');
    const under = await guest.evaluate(({ x, y }) => document.elementFromPoint(x, y)?.id, box);
    expect(under).toBe('cwmn-surface');
    await host.evaluate(() => {
      const w = window as unknown as { __clicks: unknown[] };
      w.__clicks = [];
      window.CwmnAPI!.on('click', (_id, at) => w.__clicks.push(at));
    });
    await guest.mouse.click(box.x, box.y);
    // The click reached the host as a guest click, and nothing else happened.
    await host.waitForFunction(() => (window as unknown as { __clicks: unknown[] }).__clicks.length > 0);
    await settle(500);
    await expectNothingRan();
  });

  it('blocks javascript: links, forms, top and new-window navigation triggered inside the mirror', async () => {
    await mirror((doc) => {
      const click = (id: string) => (doc.getElementById(id) as HTMLElement | null)?.click();
      click('js-link');
      click('late-js');
      click('top-link'); // Now a javascript: URL (changed above).
      click('blank-link');
      click('js-submit');
      click('top-submit');
      (doc.getElementById('js-form') as HTMLFormElement).requestSubmit();
      doc.getElementById('svg-link')?.dispatchEvent(new MouseEvent('click', { bubbles: true }));
      // A plain link, aimed at the top window by the page's <base target="_top">.
      const a = doc.createElement('a');
      a.href = `${location.origin}/pwned-navigation`;
      a.id = 'test-top-link';
      doc.body.appendChild(a);
      a.click();
      a.remove();
    });
    await settle();
    await expectNothingRan();
    expect(await mirror((doc) => doc.getElementById('benign')?.textContent)).toBe('Benign heading the guest must see');
  });

  it('a malicious host sending hand-made events cannot run code, navigate or open anything either', async () => {
    const viewerOrigin = new URL(viewerUrl).origin;
    const reportsBefore = sandboxReports.length;
    const { snapshot, mutations, ids } = hostileEvents(viewerOrigin);
    await sendAsHost(host, { t: 'events', events: snapshot });
    await guest.waitForFunction(() => document.querySelector<HTMLIFrameElement>('#cwmn-stage iframe')!
      .contentDocument!.getElementById('inj-benign')?.textContent === 'Injected benign content');
    const seen = await mirror((doc) => ({
      text: doc.getElementById('inj-text')?.textContent ?? null,
      children: doc.getElementById('inj-text')?.children.length,
      scripts: doc.querySelectorAll('script').length,
      img: doc.getElementById('inj-img')?.getAttribute('onerror') ?? null,
      srcdoc: doc.getElementById('inj-srcdoc')?.getAttribute('srcdoc') ?? null,
      refresh: doc.querySelector('meta[http-equiv="refresh"]')?.getAttribute('content') ?? null,
    }));
    expect(seen.text).toBe(`</script><script>top.__pwned=['inj-text']</script> injected text`);
    expect(seen.children).toBe(0);
    expect(seen.scripts).toBe(0);
    expect(seen.img).toContain('inj-img');
    expect(seen.srcdoc).toContain('inj-srcdoc');
    expect(seen.refresh).toContain('/pwned-refresh'); // The refresh element is there; the sandbox stops it.

    await sendAsHost(host, { t: 'events', events: mutations });
    await guest.waitForFunction((id) => document.querySelector<HTMLIFrameElement>('#cwmn-stage iframe')!
      .contentDocument!.getElementById('inj-late-text')?.textContent === 'Injected later', ids.lateText);
    await mirror((doc, win) => {
      (doc.getElementById('inj-js') as HTMLElement).click();
      (doc.getElementById('inj-rel') as HTMLElement).click();
      (doc.getElementById('inj-form') as HTMLFormElement).requestSubmit();
      win.postMessage('hello mirror', '*'); // The injected <body onmessage> must not hear it.
      win.dispatchEvent(new Event('resize'));
    });
    await settle(1500);
    await expectNothingRan();
    const after = await mirror((doc) => ({
      benign: doc.getElementById('inj-benign')?.textContent,
      late: doc.getElementById('inj-late-text')?.textContent,
      img: doc.getElementById('inj-img')?.getAttribute('onerror') ?? null,
    }));
    expect(after).toEqual({ benign: 'Injected benign content', late: 'Injected later', img: expect.stringContaining('inj-attr') });
    // Chromium names the sandbox as what blocked the scripts and the refresh.
    expect(sandboxReports.slice(reportsBefore).some((r) => r.includes('refresh'))).toBe(true);
    expect(sandboxReports.length).toBeGreaterThan(reportsBefore + 5);
  });
});

/** Sends one DOM-channel message from the host page's own data channel, as a malicious host would. */
async function sendAsHost(host: Page, message: unknown): Promise<void> {
  const json = new TextEncoder().encode(JSON.stringify(message));
  // One whole, uncompressed frame: flag byte 0, then the JSON.
  const frame = [0, ...json];
  await host.evaluate((bytes) => {
    const channels = (window as unknown as { __channels: RTCDataChannel[] }).__channels;
    const dom = channels.filter((c) => c.label === 'dom' && c.readyState === 'open').at(-1);
    if (!dom) throw new Error('no open DOM channel on the host');
    dom.send(new Uint8Array(bytes));
  }, frame);
}

type SerializedNode = Record<string, unknown> & { id: number };

/** A hostile page as rrweb events, built by hand (never by the host's recorder). */
function hostileEvents(viewerOrigin: string) {
  let nextId = 1_000_000;
  const el = (tagName: string, attributes: Record<string, string> = {}, childNodes: SerializedNode[] = [], isSVG = false): SerializedNode => ({
    type: 2, tagName, attributes, childNodes, id: nextId++, ...(isSVG ? { isSVG: true } : {}),
  });
  const text = (textContent: string): SerializedNode => ({ type: 3, textContent, id: nextId++ });
  const refused = 'http://127.0.0.1:9'; // Nothing listens there: every load fails at once.

  const img = el('img', { id: 'inj-img', src: `${refused}/inj.png`, onerror: pwn('inj-img') });
  const body = el('body', { onmessage: pwn('inj-body-onmessage'), onresize: pwn('inj-body-onresize'), onfocus: pwn('inj-body-onfocus') }, [
    el('h1', { id: 'inj-benign' }, [text('Injected benign content')]),
    el('p', { id: 'inj-text' }, [text(`</script><script>top.__pwned=['inj-text']</script> injected text`)]),
    el('script', {}, [text(pwn('inj-script'))]),
    img,
    el('a', { id: 'inj-js', href: `javascript:${pwn('inj-link')}` }, [text('injected javascript: link')]),
    el('a', { id: 'inj-rel', href: 'relative-to-base' }, [text('relative link')]),
    el('form', { id: 'inj-form', action: `javascript:${pwn('inj-form')}` }, [el('button', {}, [text('go')])]),
    el('iframe', { id: 'inj-srcdoc', srcdoc: `<script>${pwn('inj-srcdoc')}</script><img src=x onerror="${pwn('inj-srcdoc-img')}">` }),
    el('iframe', { id: 'inj-js-frame', src: `javascript:${pwn('inj-iframe-src')}` }),
    el('object', { data: `data:text/html,<script>${pwn('inj-object')}</script>` }),
    el('embed', { src: `data:text/html,<script>${pwn('inj-embed')}</script>` }),
    el('svg', { onload: pwn('inj-svg-onload'), width: '40', height: '20' }, [
      el('script', {}, [text(pwn('inj-svg-script'))], true),
      el('rect', { width: '40', height: '20' }, [
        el('animate', { attributeName: 'x', from: '0', to: '1', dur: '60s', onbegin: pwn('inj-svg-animate') }, [], true),
      ], true),
      el('a', { href: `javascript:${pwn('inj-svg-link')}` }, [el('text', { x: '0', y: '15' }, [text('svg link')], true)], true),
    ], true),
    el('details', { open: '', ontoggle: pwn('inj-details') }, [el('summary', {}, [text('d')])]),
    el('input', { autofocus: '', onfocus: pwn('inj-autofocus') }),
    el('video', { src: `${refused}/inj.mp4`, onerror: pwn('inj-video') }),
    el('marquee', { onstart: pwn('inj-marquee') }, [text('marquee')]),
    el('style', { _cssText: `#inj-benign { color: red } /* </style><script>${pwn('inj-style')}</script> */` }),
  ]);
  const head = el('head', {}, [
    el('meta', { 'http-equiv': 'refresh', content: `0; url=${viewerOrigin}/pwned-refresh` }),
    el('base', { href: `${refused}/`, target: '_top' }),
    el('script', { src: `data:text/javascript,${encodeURIComponent(pwn('inj-script-src'))}` }),
    el('link', { rel: 'stylesheet', href: `${refused}/inj.css`, onerror: pwn('inj-link-onerror') }),
    el('title', {}, [text('Injected</title><script>top.__pwned=1</script>')]),
  ]);
  const doc: SerializedNode = {
    type: 0, id: nextId++,
    childNodes: [{ type: 1, name: 'html', publicId: '', systemId: '', id: nextId++ }, el('html', {}, [head, body])],
  };
  const now = Date.now();
  const snapshot = [
    { type: 4, data: { href: 'http://evil.example/', width: 1000, height: 700 }, timestamp: now },
    { type: 2, data: { node: doc, initialOffset: { left: 0, top: 0 } }, timestamp: now },
  ];
  // Mutations add one node each: children come as their own adds (rrweb builds an added node without its children).
  const lateText = el('p', { id: 'inj-late-text' });
  const lateScript = el('script');
  const mutations = [{
    type: 3,
    timestamp: now + 1,
    data: {
      source: 0,
      texts: [],
      removes: [],
      adds: [
        { parentId: body.id, nextId: null, node: lateText },
        { parentId: lateText.id, nextId: null, node: text('Injected later') },
        { parentId: body.id, nextId: null, node: el('img', { src: `${refused}/late.png`, onerror: pwn('inj-late-img') }) },
        { parentId: head.id, nextId: null, node: el('meta', { 'http-equiv': 'refresh', content: `0; url=javascript:${pwn('inj-late-refresh')}` }) },
        { parentId: body.id, nextId: null, node: lateScript },
        { parentId: lateScript.id, nextId: null, node: text(pwn('inj-late-script')) },
      ],
      attributes: [
        { id: img.id, attributes: { onerror: pwn('inj-attr-onerror'), src: `${refused}/changed.png` } },
        { id: body.id, attributes: { onpageshow: pwn('inj-attr-pageshow'), onhashchange: pwn('inj-attr-hashchange') } },
      ],
    },
  }];
  return { snapshot, mutations, ids: { lateText: lateText.id } };
}
