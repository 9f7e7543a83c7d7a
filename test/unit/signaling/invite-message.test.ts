import { describe, expect, it } from 'vitest';
import { inviteLink, inviteMail, inviteSms, type InviteContent } from '../../../signaling/delivery/invite-message.js';

const URL = 'https://co.example/s/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const content = (over: Partial<InviteContent> = {}): InviteContent => ({
  hostName: 'Ada', guestName: 'Bea', message: '', link: inviteLink(URL, 'Bea'), expiresAt: Date.UTC(2030, 0, 2, 3, 4, 5), ...over,
});
const firstUrl = (text: string) => /https?:\/\/[^\s<>"]+/.exec(text)?.[0];
const firstHref = (html: string) => /<a\s[^>]*href="([^"]*)"/i.exec(html)?.[1];

describe('inviteLink', () => {
  it('adds the name as an encoded query parameter, and nothing without one', () => {
    expect(inviteLink(URL, '')).toBe(URL);
    expect(inviteLink(URL, 'Bea & Co/?#')).toBe(`${URL}?name=Bea%20%26%20Co%2F%3F%23`);
  });
});

describe('inviteMail', () => {
  it('puts the link first in both parts, ahead of anything the host or guest wrote', () => {
    const link = inviteLink(URL, 'http://evil.example/');
    const mail = inviteMail('bea@example.com', content({
      hostName: 'http://host.example', guestName: 'http://evil.example/', message: 'see https://shop.example/cart', link,
    }));
    expect(firstUrl(mail.text)).toBe(link);
    expect(firstHref(mail.html)).toBe(link.replace(/&/g, '&amp;'));
    expect(mail.text.split('\n')).toContain(link);
  });

  it('escapes names and the message in the HTML part and keeps them as typed in the text part', () => {
    const mail = inviteMail('bea@example.com', content({
      hostName: '<Ada & "Co">', guestName: "<i>Bea</i>'", message: '<script>alert(1)</script>\nline 2',
    }));
    expect(mail.subject).toBe('<Ada & "Co"> invited you to a co-browsing session');
    expect(mail.html).toContain('&lt;Ada &amp; &quot;Co&quot;&gt;');
    expect(mail.html).toContain('Hi &lt;i&gt;Bea&lt;/i&gt;&#39;,');
    expect(mail.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;\nline 2');
    expect(mail.html).not.toMatch(/<script|<i>/);
    expect(mail.text).toContain('Message from <Ada & "Co">:\n> <script>alert(1)</script>\n> line 2');
    expect(mail.to).toBe('bea@example.com');
  });

  it('says when the link expires and leaves out an empty message', () => {
    const mail = inviteMail('bea@example.com', content());
    expect(mail.text).toContain('until Wed, 02 Jan 2030 03:04:05 GMT');
    expect(mail.text).not.toContain('Message from');
    expect(mail.html).not.toContain('blockquote');
    expect(mail.text).toContain('Hi Bea, Ada invited you');
  });
});

describe('inviteSms', () => {
  it('is a short text and the link, never the message', () => {
    expect(inviteSms('+13145550000', content({ message: 'private' }))).toEqual({
      to: '+13145550000', body: `Ada invited you to a co-browsing session: ${URL}?name=Bea`,
    });
  });
});
