import { describe, expect, it } from 'vitest';
import { hostInviteMail, type HostInviteContent } from '../../../signaling/delivery/host-invite-message.js';

const HOST_LINK = 'https://co.example/h/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const content = (over: Partial<HostInviteContent> = {}): HostInviteContent => ({
  inviterName: 'Ann', inviteeName: 'Bob', message: '', hostLink: HOST_LINK, site: 'shop.example',
  expiresAt: Date.UTC(2030, 0, 2, 3, 4, 5), ...over,
});
const firstUrl = (text: string) => /https?:\/\/[^\s<>"]+/.exec(text)?.[0];
const firstHref = (html: string) => /<a\s[^>]*href="([^"]*)"/i.exec(html)?.[1];

describe('hostInviteMail', () => {
  it('puts the host link first in both parts, ahead of anything the inviter wrote', () => {
    const mail = hostInviteMail('bob@example.com', content({
      inviterName: 'http://evil.example/', inviteeName: 'http://evil.example/b', message: 'see https://other.example/',
      joinCode: { code: 'ABCDEFGH', pageUrl: 'https://co.example/join' },
    }));
    expect(mail.to).toBe('bob@example.com');
    expect(firstUrl(mail.text)).toBe(HOST_LINK);
    expect(firstHref(mail.html)).toBe(HOST_LINK);
    expect(mail.text.split('\n')).toContain(HOST_LINK);
    expect(mail.text).toContain('You can also go to https://co.example/join and type the code ABCDEFGH.');
    expect(mail.html).toContain('ABCDEFGH');
  });

  it('escapes names and the message in the HTML part, keeps them as typed in the text part', () => {
    const mail = hostInviteMail('bob@example.com', content({ inviterName: 'A&<b>', inviteeName: '"Bob"', message: '<script>x</script>\nline 2' }));
    expect(mail.subject).toBe('A&<b> invited you to show them a page');
    expect(mail.text).toContain('Hi "Bob", A&<b> would like to look at shop.example together with you.');
    expect(mail.text).toContain('> <script>x</script>\n> line 2');
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(mail.html).toContain('Hi &quot;Bob&quot;, A&amp;&lt;b&gt;');
    expect(mail.text).toContain('until Wed, 02 Jan 2030 03:04:05 GMT');
  });

  it('reads well without names, message or code', () => {
    const mail = hostInviteMail('bob@example.com', content({ inviterName: '', inviteeName: '' }));
    expect(mail.subject).toBe('Someone invited you to show them a page');
    expect(mail.text).toContain('Someone would like to look at shop.example');
    expect(mail.text).not.toContain('Message from');
    expect(mail.text).not.toContain('type the code');
  });
});
