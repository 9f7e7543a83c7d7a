import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { extractLinks } from '../../../signaling/delivery/html.js';
import { Outbox, OutboxMailer, OutboxSms } from '../../../signaling/delivery/outbox.js';
import { renderOutboxPage } from '../../../signaling/delivery/outbox-page.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});
function tmp(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cwmn-outbox-'));
  dirs.push(dir);
  return path.join(dir, 'outbox');
}

describe('Outbox', () => {
  it('writes one file per message, with its links, and lists them newest first', async () => {
    let now = 1000;
    const outbox = new Outbox(tmp(), () => now);
    const mailer = new OutboxMailer(outbox);
    const sms = new OutboxSms(outbox);
    await mailer.send({ to: 'bea@example.com', subject: 'Hi', text: 'Join: https://co.example/s/abc?name=Bea.\nBye', html: '<p>x</p>' });
    now = 2000;
    await sms.send({ to: '+13145550000', body: 'Ada invited you: https://co.example/s/def' });
    expect(fs.readdirSync(outbox.dir)).toHaveLength(2); // No temporary files.
    const list = await outbox.list();
    expect(list.map((e) => [e.channel, e.to, e.createdAt])).toEqual([['sms', '+13145550000', 2000], ['email', 'bea@example.com', 1000]]);
    expect(list[1]).toMatchObject({ subject: 'Hi', html: '<p>x</p>', links: ['https://co.example/s/abc?name=Bea'] });
    expect(list[0]).toMatchObject({ subject: null, html: null, links: ['https://co.example/s/def'] });
  });

  it('lists nothing before the first message and skips files that are not messages', async () => {
    const outbox = new Outbox(tmp());
    expect(await outbox.list()).toEqual([]);
    await outbox.write({ channel: 'sms', to: '+13145550000', subject: null, text: 'x', html: null });
    fs.writeFileSync(path.join(outbox.dir, 'junk.json'), '{"not":"a message"}');
    fs.writeFileSync(path.join(outbox.dir, 'broken.json'), '{');
    fs.writeFileSync(path.join(outbox.dir, '.half.json.tmp'), '{');
    expect(await outbox.list()).toHaveLength(1);
  });

  it('fails with ERR_DELIVERY_FAILED when it cannot write', async () => {
    const file = path.join(path.dirname(tmp()), 'a-file');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '');
    const mailer = new OutboxMailer(new Outbox(path.join(file, 'outbox')));
    await expect(mailer.send({ to: 'a@b.example', subject: 's', text: 't', html: 'h' }))
      .rejects.toMatchObject({ code: 'ERR_DELIVERY_FAILED' });
  });
});

describe('extractLinks', () => {
  it('finds http(s) links in order, once, without trailing punctuation, and nothing else', () => {
    expect(extractLinks('a https://x.example/1, then (http://y.example/2). https://x.example/1 javascript:alert(1) ftp://z'))
      .toEqual(['https://x.example/1', 'http://y.example/2']);
  });
});

describe('renderOutboxPage', () => {
  it('escapes everything from a message and links only its http(s) links', () => {
    const html = renderOutboxPage([{
      id: 'abc', channel: 'email', to: '"><script>x()</script>@example.com', subject: '<b>Hello</b>',
      text: 'Go: https://co.example/s/t?name=%3Cb%3E\n</pre><script>y()</script>', html: '<p>ignored</p>',
      links: ['https://co.example/s/t?name=%3Cb%3E&x="y"'], createdAt: Date.UTC(2030, 0, 1),
    }]);
    expect(html).not.toMatch(/<script|<b>/);
    expect(html).toContain('&quot;&gt;&lt;script&gt;x()&lt;/script&gt;@example.com');
    expect(html).toContain('<h2 class="subject">&lt;b&gt;Hello&lt;/b&gt;</h2>');
    expect(html).toContain('<a href="https://co.example/s/t?name=%3Cb%3E&amp;x=&quot;y&quot;">');
    expect(html).toContain('&lt;/pre&gt;&lt;script&gt;y()&lt;/script&gt;');
    expect(html).toContain('2030-01-01T00:00:00.000Z');
    expect(html).toContain('1 message.');
  });

  it('says when there is nothing', () => {
    expect(renderOutboxPage([])).toContain('No messages yet.');
  });
});
