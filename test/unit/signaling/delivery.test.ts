// The transports run directly against a real SMTP server and a local webhook.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDelivery } from '../../../signaling/delivery/delivery.js';
import { describeSmtpError, SmtpMailer } from '../../../signaling/delivery/mailer.js';
import { WebhookSms } from '../../../signaling/delivery/sms.js';
import { startSmtpServer, type TestSmtpServer } from '../../integration/support/smtp.js';
import { closedPort, startWebhook, type TestWebhook } from '../../integration/support/webhook.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});
const track = <T extends { close(): unknown }>(thing: T): T => {
  cleanups.push(() => thing.close());
  return thing;
};

const MAIL = { to: 'bea@example.com', subject: 'Grüße', text: 'Plain https://co.example/s/x', html: '<p>Rich</p>' };

describe('SmtpMailer', () => {
  it('sends a text and an HTML part from the configured address', async () => {
    const smtp: TestSmtpServer = track(await startSmtpServer());
    const mailer = track(new SmtpMailer({ url: smtp.url, from: 'cwmn <no-reply@co.example>', log: () => {} }));
    await mailer.send(MAIL);
    const { mail, envelopeTo } = smtp.received[0]!;
    expect(envelopeTo).toEqual(['bea@example.com']);
    expect(mail.subject).toBe('Grüße');
    expect(mail.text?.trim()).toBe('Plain https://co.example/s/x');
    expect(mail.html).toContain('<p>Rich</p>');
    expect(mail.from?.value).toEqual([{ name: 'cwmn', address: 'no-reply@co.example' }]);
  });

  it('logs in with the (percent-encoded) credentials of the URL, and fails readably on a wrong password', async () => {
    const smtp = track(await startSmtpServer({ users: { 'user@co.example': 'p@ss:word' } }));
    const withUser = (password: string) => smtp.url.replace('smtp://', `smtp://user%40co.example:${password}@`);
    const mailer = track(new SmtpMailer({ url: withUser('p%40ss%3Aword'), from: 'a@co.example', log: () => {} }));
    await mailer.send(MAIL);
    expect(smtp.logins).toEqual(['user@co.example']);
    expect(smtp.received).toHaveLength(1);

    const wrong = track(new SmtpMailer({ url: withUser('nope'), from: 'a@co.example', log: () => {} }));
    await expect(wrong.send(MAIL)).rejects.toMatchObject({ code: 'ERR_DELIVERY_FAILED', message: "The mail server refused the server's login" });
    expect(smtp.received).toHaveLength(1);
  });

  it('rejects with ERR_DELIVERY_FAILED, logging the details but not the recipient, when nothing listens', async () => {
    const lines: string[] = [];
    const mailer = track(new SmtpMailer({ url: `smtp://127.0.0.1:${await closedPort()}`, from: 'a@co.example', log: (l) => lines.push(l) }));
    await expect(mailer.send(MAIL)).rejects.toMatchObject({ code: 'ERR_DELIVERY_FAILED', message: 'The mail server could not be reached' });
    expect(lines[0]).toMatch(/^mail failed: .*ECONNREFUSED 127\.0\.0\.1:\d+/);
    expect(lines.join('\n')).not.toContain('bea@example.com');
  });

  it('words SMTP failures for the host', () => {
    expect(describeSmtpError({ code: 'EENVELOPE', response: '550 5.1.1 No such user' }, 'x@y.example'))
      .toBe('The mail server refused the message to x@y.example: 550 5.1.1 No such user');
    expect(describeSmtpError({ code: 'EAUTH' }, 'x@y.example')).toBe("The mail server refused the server's login");
    expect(describeSmtpError(new Error('boom'), 'x@y.example')).toBe('The mail could not be sent');
  });
});

describe('WebhookSms', () => {
  it('posts {to, body} as JSON and accepts any 2xx', async () => {
    const hook: TestWebhook = track(await startWebhook(202));
    const sms = new WebhookSms({ url: hook.url, log: () => {} });
    await sms.send({ to: '+13145550000', body: 'Hello https://co.example/s/x' });
    expect(hook.calls).toEqual([expect.objectContaining({ method: 'POST', json: { to: '+13145550000', body: 'Hello https://co.example/s/x' } })]);
  });

  it('rejects with ERR_DELIVERY_FAILED on a non-2xx answer, including redirects', async () => {
    for (const status of [301, 400, 503]) {
      const hook = track(await startWebhook(status));
      const sms = new WebhookSms({ url: hook.url, log: () => {} });
      await expect(sms.send({ to: '+13145550000', body: 'x' })).rejects.toMatchObject({ code: 'ERR_DELIVERY_FAILED' });
    }
  });
});

describe('createDelivery', () => {
  function dir(): string {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'cwmn-delivery-'));
    cleanups.push(() => fs.rmSync(d, { recursive: true, force: true }));
    return path.join(d, 'outbox');
  }

  it('uses the outbox for each channel that has no transport configured', () => {
    const none = track(createDelivery({ smtpUrl: null, mailFrom: 'a@b.example', smsWebhookUrl: null, outboxDir: dir(), log: () => {} }));
    expect([none.mail.kind, none.sms.kind, none.outbox !== null]).toEqual(['outbox', 'outbox', true]);
    const mailOnly = track(createDelivery({ smtpUrl: 'smtp://127.0.0.1:1', mailFrom: 'a@b.example', smsWebhookUrl: null, outboxDir: dir(), log: () => {} }));
    expect([mailOnly.mail.kind, mailOnly.sms.kind, mailOnly.outbox !== null]).toEqual(['smtp', 'outbox', true]);
    const both = track(createDelivery({
      smtpUrl: 'smtp://127.0.0.1:1', mailFrom: 'a@b.example', smsWebhookUrl: 'http://127.0.0.1:1/', outboxDir: dir(), log: () => {},
    }));
    expect([both.mail.kind, both.sms.kind, both.outbox]).toEqual(['smtp', 'webhook', null]);
  });
});
