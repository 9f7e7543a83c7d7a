// panel-invite.js — the "Invite a guest" section of the cwmn demo's host panel: "Create invite
// link" (guest.getInviteLink, in a realtime session) makes a private one-time link, shown with
// Copy and Open. Loaded by every demo page after panel-session.js; builds on panel.js's
// extension hook (window.cwmnDemoPanel) and, for the cwmn call, on the public window.CwmnAPI
// only. The link is set as the input's value (never as markup) and carries data-cwmn-mask:
// guests watching this page see asterisks, not a link they could use.
'use strict';

(function cwmnHostPanelInvite() {
  const panel = window.cwmnDemoPanel;
  if (!panel) {
    console.error('[cwmn panel] panel-invite.js needs panel.js to be loaded first');
    return;
  }
  const { api, model, view, el, callApi } = panel;

  panel.defineSection({
    id: 'invite',
    title: 'Invite a guest',
    before: 'log',
    build(container) {
      view.invite = el('button', { id: 'cwmn-invite', className: 'cwmn-p-btn', type: 'button', text: 'Create invite link', on: { click: createInviteLink } });
      view.inviteLink = el('input', {
        id: 'cwmn-invite-link', className: 'cwmn-p-input cwmn-p-mono', type: 'text', readonly: true,
        placeholder: 'No link yet', 'aria-label': 'Invite link', on: { focus: (e) => e.target.select() },
        'data-cwmn-mask': true, // a one-time link: guests watching this page must not be able to use it
      });
      view.copy = el('button', { id: 'cwmn-copy', className: 'cwmn-p-btn cwmn-p-btn--small', type: 'button', text: 'Copy', on: { click: copyInviteLink } });
      // a button, not <a href>: an href would reach the guests' mirror unmasked
      view.open = el('button', {
        id: 'cwmn-open', className: 'cwmn-p-btn cwmn-p-btn--small', type: 'button', text: 'Open', title: 'Open in a new tab',
        on: { click: () => panel.openLink(model.inviteLink) },
      });
      container.append(
        el('p', { className: 'cwmn-p-hint', text: 'A one-time private link. Open it in another browser window to join as a guest.' }),
        view.invite,
        el('div', { className: 'cwmn-p-linkrow' }, [view.inviteLink, view.copy, view.open]),
      );
    },
    update(state) {
      view.invite.disabled = panel.sessionKind(state) !== 'realtime' || model.busy.has('invite');
      view.invite.textContent = model.busy.has('invite') ? 'Creating…' : 'Create invite link';
      if (view.inviteLink.value !== model.inviteLink) view.inviteLink.value = model.inviteLink;
      const hasLink = Boolean(model.inviteLink);
      view.copy.disabled = !hasLink;
      view.open.disabled = !hasLink || !panel.isHttpUrl(model.inviteLink);
    },
  });

  async function createInviteLink() {
    const result = await callApi('invite', 'guest.getInviteLink', () => api.guest.getInviteLink());
    if (result.ok) {
      model.inviteLink = typeof result.value === 'string' ? result.value : String(result.value ?? '');
      panel.scheduleRender();
    }
  }

  function copyInviteLink() {
    panel.copyText(model.inviteLink, view.inviteLink, view.copy);
  }
})();
