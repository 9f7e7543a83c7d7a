// panel-guests.js — the guest-management sections of the cwmn demo's host panel. Loaded by
// every demo page right after panel.js; builds on panel.js's extension hook
// (window.cwmnDemoPanel) and, for every cwmn call, on the public window.CwmnAPI only:
//   - Guests: the live list; each row has "Hide pointer"/"Show pointer" (guest.muteGuest) and
//     "Remove" (guest.removeGuest, armed by a first click: "Confirm remove" for 3 s);
//   - Pointers: the "Hide all pointers" switch (guest.muteAllGuests / guest.getMuteAllGuests);
//   - Public link: on/off (publicLink.setEnabled), the link (publicLink.generate), Copy, Open;
//   - Invite by email or SMS: a form for guest.inviteGuest, and a link to the server's
//     development outbox (/outbox), where invites go when no mail/SMS transport is set up.
// Guest names and everything else that comes from the API are only ever set with textContent.
// The panel is part of the host page, so guests see it in their mirror: the invite form's
// fields and result (other people's addresses, numbers, messages) and the public link carry
// data-cwmn-mask, so they leave the host only as asterisks.
'use strict';

(function cwmnHostPanelGuests() {
  const panel = window.cwmnDemoPanel;
  if (!panel) {
    console.error('[cwmn panel] panel-guests.js needs panel.js to be loaded first');
    return;
  }
  const { api, model, view, el, callApi, readApi, buildSwitch, buildField, serverOrigin } = panel;

  /** Every control here works in a realtime session only (not while recording a replay). */
  const isRealtime = (state = panel.currentState()) => panel.sessionKind(state) === 'realtime';
  const REMOVE_CONFIRM_MS = 3000;
  const MESSAGE_MAX = 1000; // the API's limit for an invite's personal message
  const NAME_MAX = 100;

  /** What this file keeps itself (the API does not report it). */
  const local = {
    ownMute: new Map(), // guestId → true when the host hid this guest's pointer (muteGuest)
    removeArmed: new Map(), // guestId → timer while its "Confirm remove" is showing
    publicLink: '', // the link publicLink.generate() gave while the public link is on
    publicLinkFailed: false, // generate() failed: don't retry it on every render
    inviteResult: null, // { kind: 'ok' | 'error', text }
  };

  // ---------------------------------------------------------------------------------------
  // Helpers
  // ---------------------------------------------------------------------------------------

  function guestName(guest) {
    const name = guest && guest.name;
    return name === undefined || name === null || name === '' ? 'Guest' : String(name);
  }

  // ---------------------------------------------------------------------------------------
  // Session lifecycle: forget what belonged to the session that ended
  // ---------------------------------------------------------------------------------------

  function forgetGuest(guestId) {
    const id = String(guestId);
    local.ownMute.delete(id); // a guest that comes back starts unmuted
    disarmRemove(id);
  }

  function forgetSession() {
    for (const id of [...local.removeArmed.keys()]) disarmRemove(id);
    local.ownMute.clear();
    local.publicLink = '';
    local.publicLinkFailed = false;
    local.inviteResult = null;
  }

  panel.onEvent('guest disconnected', forgetGuest);
  panel.onEvent('end session', forgetSession);
  panel.onEvent('reinit', forgetSession);
  panel.onEvent('in session', () => { local.publicLinkFailed = false; });
  panel.onEvent('connection issue resolved', () => { if (publicLinkEnabled()) fetchPublicLink(); });

  // ---------------------------------------------------------------------------------------
  // Guests: list with name, joined time, pointer, and per-guest mute / remove
  // ---------------------------------------------------------------------------------------

  panel.defineSection({
    id: 'guests',
    title: 'Guests',
    before: 'log',
    build(container) {
      view.guestCount = el('span', { id: 'cwmn-guest-count', className: 'cwmn-p-count', text: '0' });
      view.guests = el('ul', { id: 'cwmn-guests', className: 'cwmn-p-guests', 'aria-live': 'polite' });
      view.guestsEmpty = el('p', { id: 'cwmn-guests-empty', className: 'cwmn-p-empty', text: 'No guests yet.' });
      view.guestRows = new Map(); // guestId → row (see buildGuestRow)
      container.append(view.guests, view.guestsEmpty);
      return view.guestCount; // shown next to the section title
    },
    update(state) {
      renderGuests(isRealtime(state), state);
    },
  });

  function buildGuestRow(id) {
    const row = {
      li: el('li', { className: 'cwmn-p-guest', 'data-guest-id': id }),
      avatar: el('span', { className: 'cwmn-p-avatar', 'aria-hidden': 'true' }),
      name: el('span', { className: 'cwmn-p-guest-name' }),
      hidden: el('span', { className: 'cwmn-p-tag', 'data-role': 'hidden-badge', text: 'hidden', hidden: true }),
      meta: el('span', { className: 'cwmn-p-guest-meta' }),
      pointer: el('span', { className: 'cwmn-p-pointer cwmn-p-mono', title: 'Pointer position (page coordinates)' }),
      mute: el('button', {
        className: 'cwmn-p-btn cwmn-p-btn--tiny cwmn-p-btn--mute', type: 'button', 'data-action': 'mute', 'aria-pressed': 'false',
        on: { click: () => toggleGuestMute(id) },
      }),
      remove: el('button', {
        className: 'cwmn-p-btn cwmn-p-btn--tiny cwmn-p-btn--danger', type: 'button', 'data-action': 'remove',
        on: { click: () => onRemoveClick(id) },
      }),
    };
    row.li.append(
      row.avatar,
      el('span', { className: 'cwmn-p-guest-main' }, [el('span', { className: 'cwmn-p-guest-line' }, [row.name, row.hidden]), row.meta]),
      row.pointer,
      el('span', { className: 'cwmn-p-guest-actions' }, [row.mute, row.remove]),
    );
    return row;
  }

  function renderGuests(inSession, state) {
    const guests = inSession ? model.guests : new Map();
    const muteAll = inSession && readApi(() => api.guest.getMuteAllGuests(), false) === true;
    for (const [id, row] of view.guestRows) {
      if (!guests.has(id)) { row.li.remove(); view.guestRows.delete(id); }
    }
    let index = 0;
    for (const [id, guest] of guests) {
      let row = view.guestRows.get(id);
      if (!row) {
        row = buildGuestRow(id);
        view.guestRows.set(id, row);
      }
      renderGuestRow(row, id, guest, muteAll);
      if (view.guests.children[index] !== row.li) view.guests.insertBefore(row.li, view.guests.children[index] || null);
      index += 1;
    }
    view.guestsEmpty.hidden = guests.size > 0;
    view.guestsEmpty.textContent = inSession ? 'No guests yet. Send an invite link.'
      : panel.sessionKind(state) === 'replay' ? 'Guests cannot join a replay recording.' : 'Guests appear here during a session.';
    view.guestCount.textContent = String(guests.size);
  }

  function renderGuestRow(row, id, guest, muteAll) {
    const name = guestName(guest);
    if (row.name.textContent !== name) {
      row.name.textContent = name; // untrusted: text only
      row.avatar.textContent = name.trim().charAt(0).toUpperCase() || '?';
      row.li.setAttribute('title', `${name} (${id})`);
    }
    row.meta.textContent = `joined ${panel.formatClock(guest.joinedAt)}`;
    row.pointer.textContent = panel.formatPointer(guest);
    const click = model.lastClick.get(id);
    row.li.classList.toggle('is-clicking', Boolean(click && Date.now() - click.at < panel.CLICK_FLASH_MS));
    const ownMute = ownMuteOf(id, guest, muteAll);
    row.li.classList.toggle('is-hidden', guest.isHidden === true);
    renderHiddenBadge(row.hidden, guest.isHidden === true, ownMute, muteAll);
    renderMuteButton(row.mute, id, name, ownMute, muteAll);
    renderRemoveButton(row.remove, id, name);
  }

  /**
   * The guest's own mute (what muteGuest set). The API only reports the combined `isHidden`
   * (own mute OR mute-all), so the panel remembers its own calls; while mute-all is off,
   * `isHidden` is exactly the own mute and wins (e.g. after a page load lost the memory).
   */
  function ownMuteOf(id, guest, muteAll) {
    if (!muteAll && typeof guest.isHidden === 'boolean') local.ownMute.set(id, guest.isHidden);
    return local.ownMute.get(id) === true;
  }

  /** The badge shows `isHidden`; its text says why when it is "Hide all pointers" alone. */
  function renderHiddenBadge(badge, isHidden, ownMute, muteAll) {
    badge.hidden = !isHidden;
    if (!isHidden) return;
    const byAllOnly = muteAll && !ownMute;
    badge.textContent = byAllOnly ? 'hidden · all' : 'hidden';
    let why = 'Pointer hidden';
    if (ownMute && muteAll) why = 'Pointer hidden by you, and “Hide all pointers” is on';
    else if (ownMute) why = 'Pointer hidden by you';
    else if (muteAll) why = 'Pointer hidden because “Hide all pointers” is on';
    badge.title = why;
  }

  /** The button shows the guest's own mute; while mute-all is on, its title says so. */
  function renderMuteButton(button, id, name, ownMute, muteAll) {
    const label = ownMute ? 'Show pointer' : 'Hide pointer';
    if (button.textContent !== label) button.textContent = label;
    button.setAttribute('aria-pressed', String(ownMute));
    button.setAttribute('aria-label', `${label}: ${name}`);
    button.disabled = !isRealtime() || model.busy.has(`mute:${id}`);
    let title = ownMute ? `Show ${name}'s pointer again` : `Hide ${name}'s pointer and clicks from you and the other guests`;
    if (muteAll) title += ' (“Hide all pointers” is on: every pointer stays hidden until it is turned off)';
    button.title = title;
  }

  function renderRemoveButton(button, id, name) {
    const busy = model.busy.has(`remove:${id}`);
    const armed = local.removeArmed.has(id);
    const label = busy ? 'Removing…' : armed ? 'Confirm remove' : 'Remove';
    if (button.textContent !== label) button.textContent = label;
    button.classList.toggle('is-armed', armed && !busy);
    button.setAttribute('aria-label', armed ? `Confirm: remove ${name} from the session` : `Remove ${name}`);
    button.title = armed ? 'Click again to remove this guest' : 'Remove this guest from the session';
    button.disabled = !isRealtime() || busy;
  }

  async function toggleGuestMute(id) {
    const guest = model.guests.get(id);
    if (!guest) return;
    const muteAll = readApi(() => api.guest.getMuteAllGuests(), false) === true;
    const isHidden = !ownMuteOf(id, guest, muteAll);
    const result = await callApi(`mute:${id}`, 'guest.muteGuest', () => api.guest.muteGuest(id, isHidden));
    if (result.ok) local.ownMute.set(id, isHidden);
    panel.refreshGuestsFromApi(); // isHidden changed now; the next roomdata update may come later
    panel.scheduleRender();
  }

  /** First click arms the button ("Confirm remove" for 3 s), the second one removes. */
  function onRemoveClick(id) {
    if (local.removeArmed.has(id)) {
      disarmRemove(id);
      removeGuest(id);
    } else {
      local.removeArmed.set(id, setTimeout(() => {
        local.removeArmed.delete(id);
        panel.scheduleRender();
      }, REMOVE_CONFIRM_MS));
    }
    panel.scheduleRender();
  }

  function disarmRemove(id) {
    clearTimeout(local.removeArmed.get(id));
    local.removeArmed.delete(id);
  }

  async function removeGuest(id) {
    const result = await callApi(`remove:${id}`, 'guest.removeGuest', () => api.guest.removeGuest(id));
    if (!result.ok && result.error.code === 'ERR_NOT_FOUND') panel.refreshGuestsFromApi(); // already gone
  }

  // ---------------------------------------------------------------------------------------
  // Pointers: "Hide all pointers"
  // ---------------------------------------------------------------------------------------

  panel.defineSection({
    id: 'pointers',
    title: 'Pointers',
    before: 'log',
    build(container) {
      const toggle = buildSwitch({
        id: 'cwmn-mute-all',
        label: 'Hide all pointers',
        hint: 'Hidden pointers and their clicks are not shown to you or the other guests. Each guest’s own setting is kept.',
        onChange: setMuteAll,
      });
      view.muteAll = toggle.input;
      container.append(toggle.row);
    },
    update(state) {
      const inSession = isRealtime(state);
      view.muteAll.checked = inSession && readApi(() => api.guest.getMuteAllGuests(), false) === true;
      view.muteAll.disabled = !inSession || model.busy.has('mute-all');
    },
  });

  async function setMuteAll() {
    const isHidden = view.muteAll.checked;
    await callApi('mute-all', 'guest.muteAllGuests', () => api.guest.muteAllGuests(isHidden));
    panel.refreshGuestsFromApi();
    panel.scheduleRender();
  }

  // ---------------------------------------------------------------------------------------
  // Public link: on/off, the link, Copy, Open
  // ---------------------------------------------------------------------------------------

  panel.defineSection({
    id: 'public-link',
    title: 'Public link',
    before: 'log',
    build(container) {
      const toggle = buildSwitch({
        id: 'cwmn-public-toggle',
        label: 'Share a public link',
        hint: 'Anyone who has it can join, as often as they like.',
        onChange: setPublicLinkEnabled,
      });
      view.publicToggle = toggle.input;
      view.publicLink = el('input', {
        id: 'cwmn-public-link', className: 'cwmn-p-input cwmn-p-mono', type: 'text', readonly: true,
        placeholder: 'Creating the link…', 'aria-label': 'Public link', on: { focus: (e) => e.target.select() },
        'data-cwmn-mask': true, // guests watching this page get no copy of the link to pass on
      });
      view.publicCopy = el('button', {
        id: 'cwmn-public-copy', className: 'cwmn-p-btn cwmn-p-btn--small', type: 'button', text: 'Copy',
        on: { click: () => panel.copyText(local.publicLink, view.publicLink, view.publicCopy) },
      });
      view.publicOpen = el('button', {
        id: 'cwmn-public-open', className: 'cwmn-p-btn cwmn-p-btn--small', type: 'button', text: 'Open', title: 'Open in a new tab',
        on: { click: () => panel.openLink(local.publicLink) },
      });
      view.publicRow = el('div', { className: 'cwmn-p-linkrow', hidden: true }, [view.publicLink, view.publicCopy, view.publicOpen]);
      view.publicNote = el('p', { id: 'cwmn-public-note', className: 'cwmn-p-hint cwmn-p-hint--below' });
      container.append(toggle.row, view.publicRow, view.publicNote);
    },
    update(state) {
      renderPublicLink(isRealtime(state));
    },
  });

  function publicLinkEnabled() {
    return isRealtime() && readApi(() => api.publicLink.getEnabled(), false) === true;
  }

  function renderPublicLink(inSession) {
    const enabled = inSession && publicLinkEnabled();
    const busy = model.busy.has('public-link');
    if (!busy) view.publicToggle.checked = enabled; // while a change is pending, show the choice made
    view.publicToggle.disabled = !inSession || busy;
    if (!enabled && !busy) local.publicLink = '';
    // On but no link yet (e.g. a page load resumed a session with the link on): fetch it once.
    if (enabled && !busy && !local.publicLink && !local.publicLinkFailed) fetchPublicLink();
    view.publicRow.hidden = !enabled;
    if (view.publicLink.value !== local.publicLink) view.publicLink.value = local.publicLink;
    view.publicLink.placeholder = local.publicLinkFailed ? 'Could not get the link' : 'Creating the link…';
    view.publicCopy.disabled = !local.publicLink;
    view.publicOpen.disabled = !local.publicLink || !panel.isHttpUrl(local.publicLink);
    view.publicNote.textContent = publicLinkNote(enabled, busy);
  }

  function publicLinkNote(enabled, busy) {
    if (busy) return view.publicToggle.checked ? 'Turning the public link on…' : 'Turning the public link off…';
    return enabled
      ? 'Turning it off revokes this link for good; turning it on again makes a new one.'
      : 'Off. Turning it on makes a new link — links revoked earlier never work again.';
  }

  async function setPublicLinkEnabled() {
    const enabled = view.publicToggle.checked;
    local.publicLink = '';
    local.publicLinkFailed = false;
    const result = await callApi('public-link', 'publicLink.setEnabled', () => api.publicLink.setEnabled(enabled));
    if (result.ok && enabled) await fetchPublicLink();
  }

  async function fetchPublicLink() {
    const result = await callApi('public-link', 'publicLink.generate', () => api.publicLink.generate());
    if (result.ok && typeof result.value === 'string') local.publicLink = result.value;
    else local.publicLinkFailed = true;
    panel.scheduleRender();
  }

  // ---------------------------------------------------------------------------------------
  // Invite by email or SMS
  // ---------------------------------------------------------------------------------------

  panel.defineSection({
    id: 'invite-message',
    title: 'Invite by email or SMS',
    before: 'log',
    build(container) {
      view.inviteForm = el('form', { id: 'cwmn-invite-form', className: 'cwmn-p-form', novalidate: true, on: { submit: sendInvite } });
      view.inviteForm.append(
        el('div', { className: 'cwmn-p-cols' }, [buildNameField(), buildChannelField()]),
        buildContactFields(),
        buildMessageField(),
        buildSendRow(),
      );
      view.inviteOutbox = el('a', {
        id: 'cwmn-outbox-link', className: 'cwmn-p-link', href: `${serverOrigin()}/outbox`, target: '_blank', rel: 'noopener',
        text: 'Open the dev outbox',
      });
      container.append(
        view.inviteForm,
        el('p', { className: 'cwmn-p-hint cwmn-p-hint--below' }, [
          view.inviteOutbox, ' — without a mail or SMS service, the server writes invites there.',
        ]),
      );
    },
    update(state) {
      renderInviteForm(isRealtime(state));
    },
  });

  function buildNameField() {
    view.inviteName = el('input', {
      id: 'cwmn-invite-name', className: 'cwmn-p-input', type: 'text', maxlength: String(NAME_MAX), autocomplete: 'off', placeholder: 'Optional',
      'data-cwmn-mask': true,
    });
    return buildField('cwmn-invite-name', 'Guest name', view.inviteName);
  }

  function buildChannelField() {
    view.inviteChannel = el('select', { id: 'cwmn-invite-channel', className: 'cwmn-p-input cwmn-p-select', on: { change: onChannelChange } }, [
      el('option', { value: 'email', text: 'Email' }),
      el('option', { value: 'sms', text: 'SMS' }),
    ]);
    return buildField('cwmn-invite-channel', 'Send by', view.inviteChannel);
  }

  function buildContactFields() {
    view.inviteEmail = el('input', {
      id: 'cwmn-invite-email', className: 'cwmn-p-input', type: 'email', autocomplete: 'off', required: true, placeholder: 'guest@example.com',
      'data-cwmn-mask': true,
    });
    view.invitePhone = el('input', {
      id: 'cwmn-invite-phone', className: 'cwmn-p-input', type: 'tel', autocomplete: 'off', required: true, maxlength: '32', placeholder: '+1 314 555 0000',
      'data-cwmn-mask': true,
    });
    view.inviteEmailField = buildField('cwmn-invite-email', 'Email address', view.inviteEmail);
    view.invitePhoneField = buildField('cwmn-invite-phone', 'Mobile number', view.invitePhone);
    view.invitePhoneField.hidden = true;
    return el('div', {}, [view.inviteEmailField, view.invitePhoneField]);
  }

  function buildMessageField() {
    view.inviteMessage = el('textarea', {
      id: 'cwmn-invite-message', className: 'cwmn-p-input cwmn-p-textarea', rows: '3', maxlength: String(MESSAGE_MAX),
      placeholder: 'Optional note for the email', 'aria-describedby': 'cwmn-invite-count', 'data-cwmn-mask': true,
      on: { input: renderMessageCount },
    });
    view.inviteCount = el('span', { id: 'cwmn-invite-count', className: 'cwmn-p-counter', 'aria-live': 'polite' });
    view.inviteMessageField = buildField('cwmn-invite-message', 'Personal message', view.inviteMessage, view.inviteCount);
    renderMessageCount();
    return view.inviteMessageField;
  }

  function buildSendRow() {
    view.inviteSend = el('button', { id: 'cwmn-invite-send', className: 'cwmn-p-btn cwmn-p-btn--primary', type: 'submit', text: 'Send invite' });
    view.inviteResult = el('p', {
      id: 'cwmn-invite-result', className: 'cwmn-p-result', role: 'status', 'aria-live': 'polite', hidden: true, 'data-cwmn-mask': true,
    });
    return el('div', {}, [el('div', { className: 'cwmn-p-row' }, [view.inviteSend]), view.inviteResult]);
  }

  function onChannelChange() {
    local.inviteResult = null;
    panel.scheduleRender();
    const input = isSms() ? view.invitePhone : view.inviteEmail;
    if (!input.disabled) input.focus();
  }

  function isSms() {
    return view.inviteChannel.value === 'sms';
  }

  function renderMessageCount() {
    const length = view.inviteMessage.value.length;
    view.inviteCount.textContent = `${length} / ${MESSAGE_MAX}`;
    view.inviteCount.classList.toggle('is-near', length >= MESSAGE_MAX * 0.9);
  }

  function renderInviteForm(inSession) {
    const busy = model.busy.has('invite-send');
    const sms = isSms();
    for (const control of [view.inviteName, view.inviteChannel, view.inviteEmail, view.invitePhone, view.inviteMessage]) {
      control.disabled = !inSession || busy;
    }
    view.inviteEmailField.hidden = sms;
    view.invitePhoneField.hidden = !sms;
    view.inviteMessageField.hidden = sms; // the message is used by email invites only
    view.inviteSend.disabled = !inSession || busy;
    view.inviteSend.textContent = busy ? 'Sending…' : sms ? 'Send SMS invite' : 'Send email invite';
    const result = local.inviteResult;
    view.inviteResult.hidden = !result;
    if (result) {
      view.inviteResult.className = `cwmn-p-result cwmn-p-result--${result.kind}`;
      view.inviteResult.textContent = result.text;
    }
  }

  /** The parameters of guest.inviteGuest from the form: only the chosen channel's address. */
  function readInviteForm() {
    const params = {};
    const name = view.inviteName.value.trim();
    if (name) params.guestName = name;
    if (isSms()) {
      params.guestPhone = view.invitePhone.value.trim();
    } else {
      params.guestEmail = view.inviteEmail.value.trim();
      const message = view.inviteMessage.value.trim();
      if (message) params.message = message;
    }
    return params;
  }

  async function sendInvite(event) {
    event.preventDefault();
    if (model.busy.has('invite-send') || !isRealtime()) return;
    const params = readInviteForm();
    local.inviteResult = null;
    const result = await callApi('invite-send', 'guest.inviteGuest', () => api.guest.inviteGuest(params), { quiet: true });
    if (result.ok) {
      local.inviteResult = { kind: 'ok', text: describeSent(result.value) };
      clearSentFields();
    } else {
      local.inviteResult = { kind: 'error', text: `${result.error.code}: ${result.error.message}` };
    }
    panel.scheduleRender();
  }

  function describeSent(value) {
    const sent = value && typeof value === 'object' ? value : {};
    const by = sent.channel === 'sms' ? 'SMS' : 'email';
    const to = typeof sent.to === 'string' && sent.to ? sent.to : 'the guest';
    const expires = panel.toEpochMs(sent.expiresAt);
    return `Sent to ${to} by ${by}${expires === null ? '' : ` — the link works until ${panel.formatClock(expires)}`}.`;
  }

  /** After a successful send: clear what must not be sent twice by accident. */
  function clearSentFields() {
    view.inviteName.value = '';
    view.inviteEmail.value = '';
    view.invitePhone.value = '';
    view.inviteMessage.value = '';
    renderMessageCount();
  }
})();
