// panel-invite-message.js — the "Invite by email or SMS" section of the cwmn demo's host panel:
// a form for guest.inviteGuest (guest name, channel, email address or mobile number, personal
// message for emails), its result, and a link to the server's development outbox (/outbox),
// where invites go when no mail/SMS transport is set up. Loaded by every demo page after
// panel-public-link.js; builds on panel.js's extension hook (window.cwmnDemoPanel) and, for the
// cwmn call, on the public window.CwmnAPI only. The result is set with textContent only. The
// panel is part of the host page, so guests see it in their mirror: the form's fields and its
// result (other people's addresses, numbers, messages) carry data-cwmn-mask, so they leave the
// host only as asterisks.
'use strict';

(function cwmnHostPanelInviteMessage() {
  const panel = window.cwmnDemoPanel;
  if (!panel) {
    console.error('[cwmn panel] panel-invite-message.js needs panel.js to be loaded first');
    return;
  }
  const { api, model, view, el, callApi, buildField, serverOrigin } = panel;

  /** The form works in a realtime session only (not while recording a replay). */
  const isRealtime = (state = panel.currentState()) => panel.sessionKind(state) === 'realtime';
  const MESSAGE_MAX = 1000; // the API's limit for an invite's personal message
  const NAME_MAX = 100;

  /** What this file keeps itself: the result of the last send. */
  const local = {
    inviteResult: null, // { kind: 'ok' | 'error', text }
  };

  // The result belonged to the session that ended.
  function forgetSession() {
    local.inviteResult = null;
  }

  panel.onEvent('end session', forgetSession);
  panel.onEvent('reinit', forgetSession);

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
