// panel-ith.js — the "Invite someone to host" section of the cwmn demo's host panel. Loaded by
// every demo page after panel.js; builds on panel.js's extension hook (window.cwmnDemoPanel)
// and, for the cwmn call, on the public window.CwmnAPI only: session.inviteToHost, valid in
// 'no session'. The invitee hosts a session on the page given as `url` ("with me"): by the
// host link of the email, or by typing a join code at the server's /join page. The result
// shows the host link (to copy), the guest link ("Watch their session") and the join code.
// The API needs hostEmail or ithJoinCode, and inviteEmail or ithJoinCode: the form says which
// fields are required as the "Make a join code" box changes, and explains ERR_INVALID_PARAMS.
// Names, addresses, the message, the links and the code carry data-cwmn-mask. Styles: panel-ith.css.
'use strict';

(function cwmnHostPanelIth() {
  const panel = window.cwmnDemoPanel;
  if (!panel) {
    console.error('[cwmn panel] panel-ith.js needs panel.js to be loaded first');
    return;
  }
  const { api, model, view, el, callApi } = panel;

  const NAME_MAX = 100; // the API's limits
  const MESSAGE_MAX = 1000;
  const EMAIL_PATTERN = /^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/;

  /** The last answer of inviteToHost: { ok: true, value, sentTo } or { ok: false, error, problems }. */
  let outcome = null;

  /** The page a new invitee starts on by default: this one, without its fragment. */
  function defaultUrl() {
    return location.href.split('#')[0];
  }

  // ---------------------------------------------------------------------------------------
  // The form
  // ---------------------------------------------------------------------------------------

  panel.defineSection({
    id: 'ith',
    title: 'Invite someone to host',
    before: 'log',
    build(container) {
      view.ithForm = el('form', { id: 'cwmn-ith-form', className: 'cwmn-p-form', novalidate: true, on: { submit: sendInviteToHost } });
      view.ithForm.append(
        el('p', { className: 'cwmn-p-hint', text: 'They host a session on your site and you watch it as a guest: for when they need to show you something.' }),
        buildFields(),
        buildJoinCodeBox(),
        buildFrom(),
        el('div', { className: 'cwmn-p-row' }, [
          view.ithSend = el('button', { id: 'cwmn-ith-send', className: 'cwmn-p-btn cwmn-p-btn--primary', type: 'submit', text: 'Send invite' }),
        ]),
        view.ithNote = el('p', { id: 'cwmn-ith-note', className: 'cwmn-p-hint cwmn-p-hint--below' }),
      );
      container.append(view.ithForm, buildResult());
      // the sender is the host of the Session section: keep the "From" line in step with it
      for (const input of [view.hostName, view.hostEmail]) input.addEventListener('input', panel.scheduleRender);
    },
    update(state) {
      renderForm(state === 'no session');
      renderResult();
    },
  });

  function maskedInput(props) {
    return el('input', { className: 'cwmn-p-input', autocomplete: 'off', 'data-cwmn-mask': true, on: { input: onEdit }, ...props });
  }

  function buildFields() {
    view.ithName = maskedInput({ id: 'cwmn-ith-name', type: 'text', maxlength: String(NAME_MAX), placeholder: 'Optional' });
    view.ithEmail = maskedInput({ id: 'cwmn-ith-email', type: 'email', placeholder: 'them@example.com' });
    view.ithEmailLabel = el('span', { className: 'cwmn-p-req' });
    view.ithMessage = el('textarea', {
      id: 'cwmn-ith-message', className: 'cwmn-p-input cwmn-p-textarea', rows: '3', maxlength: String(MESSAGE_MAX),
      placeholder: 'Optional note for the email', 'data-cwmn-mask': true, on: { input: onEdit },
    });
    view.ithCount = el('span', { className: 'cwmn-p-counter', 'aria-live': 'polite' });
    view.ithUrl = maskedInput({ id: 'cwmn-ith-url', type: 'url', spellcheck: 'false', value: defaultUrl() });
    view.ithUrlReset = el('button', {
      className: 'cwmn-p-link', type: 'button', text: 'This page', title: 'Use the page you are on',
      on: { click: () => { view.ithUrl.value = defaultUrl(); onEdit(); } },
    });
    renderMessageCount();
    return el('div', {}, [
      el('div', { className: 'cwmn-p-cols cwmn-p-cols--even' }, [
        panel.buildField('cwmn-ith-name', 'Their name', view.ithName),
        panel.buildField('cwmn-ith-email', 'Their email', view.ithEmail, view.ithEmailLabel),
      ]),
      panel.buildField('cwmn-ith-message', 'Personal message', view.ithMessage, view.ithCount),
      panel.buildField('cwmn-ith-url', 'Their session starts at', view.ithUrl, view.ithUrlReset),
    ]);
  }

  function buildJoinCodeBox() {
    view.ithJoinCode = el('input', { id: 'cwmn-ith-joincode', className: 'cwmn-p-check', type: 'checkbox', on: { change: onEdit } });
    view.ithJoinHint = el('span', { className: 'cwmn-p-toggle-hint' });
    return el('label', { className: 'cwmn-p-checkrow', for: 'cwmn-ith-joincode' }, [
      view.ithJoinCode,
      el('span', { className: 'cwmn-p-toggle-text' }, [el('span', { className: 'cwmn-p-toggle-label', text: 'Make a join code' }), view.ithJoinHint]),
    ]);
  }

  function buildFrom() {
    view.ithFrom = el('span', { className: 'cwmn-p-from-who', 'data-cwmn-mask': true });
    view.ithFromEdit = el('button', {
      className: 'cwmn-p-link', type: 'button', text: 'Change', title: 'Your name and email are those of the Session section',
      on: { click: () => focusHostField(view.hostName) },
    });
    view.ithFromLine = el('p', { id: 'cwmn-ith-from', className: 'cwmn-p-from' }, [el('span', { className: 'cwmn-p-label', text: 'From' }), view.ithFrom, view.ithFromEdit]);
    return view.ithFromLine;
  }

  function focusHostField(input) {
    const section = input.closest('details');
    if (section) section.open = true;
    if (!input.disabled) input.focus();
  }

  function onEdit() {
    for (const input of [view.ithName, view.ithEmail, view.ithMessage, view.ithUrl]) input.removeAttribute('aria-invalid');
    view.hostEmail.removeAttribute('aria-invalid');
    renderMessageCount();
    panel.scheduleRender();
  }

  function renderMessageCount() {
    const length = view.ithMessage.value.length;
    view.ithCount.textContent = `${length} / ${MESSAGE_MAX}`;
    view.ithCount.classList.toggle('is-near', length >= MESSAGE_MAX * 0.9);
  }

  function renderForm(noSession) {
    const busy = model.busy.has('ith');
    const joinCode = view.ithJoinCode.checked;
    for (const control of [view.ithName, view.ithEmail, view.ithMessage, view.ithUrl, view.ithJoinCode, view.ithUrlReset]) {
      control.disabled = !noSession || busy;
    }
    view.ithEmailLabel.textContent = joinCode ? 'optional' : 'required';
    view.ithEmailLabel.classList.toggle('is-required', !joinCode);
    view.ithJoinHint.textContent = `They type it at ${panel.serverOrigin()}/join to start hosting: no email address needed.`;
    const hostName = view.hostName.value.trim() || 'Demo host';
    const hostEmail = view.hostEmail.value.trim();
    view.ithFrom.textContent = hostEmail ? `${hostName} · ${hostEmail}` : `${hostName} · no email`;
    view.ithFromLine.classList.toggle('is-missing', !hostEmail && !joinCode);
    view.ithFromEdit.disabled = !noSession;
    const emailing = view.ithEmail.value.trim() !== '';
    view.ithSend.disabled = !noSession || busy;
    view.ithSend.textContent = busy ? 'Sending…' : emailing || !joinCode ? 'Send invite' : 'Create join code';
    let note = '';
    if (!noSession) note = 'Available when you are not hosting or recording.';
    else if (!hostEmail && !joinCode) note = 'Without a join code, your email is needed (Session section): the invite comes from it.';
    view.ithNote.textContent = note;
    view.ithNote.hidden = !note;
  }

  /** What the form breaks of the API's rules, field by field (to point at them after ERR_INVALID_PARAMS). */
  function formProblems(params) {
    const problems = [];
    const code = params.ithJoinCode === true;
    if (params.hostEmail && !EMAIL_PATTERN.test(params.hostEmail)) problems.push([view.hostEmail, 'Your email (Session section) is not a valid address.']);
    else if (!params.hostEmail && !code) problems.push([view.hostEmail, 'Add your email in the Session section, or tick “Make a join code”.']);
    if (params.inviteEmail && !EMAIL_PATTERN.test(params.inviteEmail)) problems.push([view.ithEmail, 'Their email is not a valid address.']);
    else if (!params.inviteEmail && !code) problems.push([view.ithEmail, 'Add their email, or tick “Make a join code”.']);
    if (!panel.isHttpUrl(params.url) || !/^https?:\/\//i.test(params.url)) problems.push([view.ithUrl, 'The start page must be a full http(s) address.']);
    return problems;
  }

  async function sendInviteToHost(event) {
    event.preventDefault();
    if (model.busy.has('ith') || panel.currentState() !== 'no session') return;
    const { hostName, hostEmail } = panel.hostIdentity();
    const params = {
      hostName, hostEmail,
      inviteName: view.ithName.value.trim(),
      inviteEmail: view.ithEmail.value.trim(),
      message: view.ithMessage.value.trim(),
      url: view.ithUrl.value.trim(),
    };
    if (view.ithJoinCode.checked) params.ithJoinCode = true;
    outcome = null;
    const result = await callApi('ith', 'session.inviteToHost', () => api.session.inviteToHost(params), { quiet: true });
    if (result.ok) {
      outcome = { ok: true, value: result.value || {}, sentTo: params.inviteEmail };
      view.ithName.value = '';
      view.ithEmail.value = '';
      view.ithMessage.value = '';
      renderMessageCount();
    } else {
      const problems = result.error.code === 'ERR_INVALID_PARAMS' ? formProblems(params) : [];
      for (const [input] of problems) input.setAttribute('aria-invalid', 'true');
      if (problems.length) focusHostField(problems[0][0]);
      outcome = { ok: false, error: result.error, problems: problems.map(([, text]) => text) };
    }
    panel.scheduleRender();
  }

  // ---------------------------------------------------------------------------------------
  // The result: links, join code — or what went wrong
  // ---------------------------------------------------------------------------------------

  function buildResult() {
    view.ithResultTitle = el('strong', { className: 'cwmn-p-ith-title' });
    view.ithResultText = el('p', { className: 'cwmn-p-ith-text', 'data-cwmn-mask': true });
    view.ithProblems = el('ul', { className: 'cwmn-p-ith-problems' });
    view.ithErrorCode = el('p', { id: 'cwmn-ith-error', className: 'cwmn-p-ith-error cwmn-p-mono' });
    view.ithCode = el('span', { id: 'cwmn-ith-code', className: 'cwmn-p-code', 'data-cwmn-mask': true });
    view.ithCodeCopy = el('button', {
      id: 'cwmn-ith-code-copy', className: 'cwmn-p-btn cwmn-p-btn--small', type: 'button', text: 'Copy',
      on: { click: () => copyResult('joinCode', view.ithCodeHidden, view.ithCodeCopy) },
    });
    // copyText falls back to selecting an input: a hidden one holds the bare code
    view.ithCodeHidden = el('input', { className: 'cwmn-p-offscreen', type: 'text', readonly: true, tabindex: '-1', 'aria-hidden': 'true', 'data-cwmn-mask': true });
    view.ithJoinUrl = el('span', { className: 'cwmn-p-mono' });
    view.ithCodeBox = el('div', { className: 'cwmn-p-codebox' }, [
      el('span', { className: 'cwmn-p-label', text: 'Join code' }),
      el('div', { className: 'cwmn-p-code-row' }, [view.ithCode, view.ithCodeCopy, view.ithCodeHidden]),
      el('span', { className: 'cwmn-p-hint' }, ['They enter it at ', view.ithJoinUrl]),
    ]);
    view.ithHostLink = linkInput('cwmn-ith-host-link', 'Their link to start hosting');
    view.ithHostCopy = el('button', {
      id: 'cwmn-ith-host-copy', className: 'cwmn-p-btn cwmn-p-btn--small', type: 'button', text: 'Copy',
      on: { click: () => copyResult('hostLink', view.ithHostLink, view.ithHostCopy) },
    });
    view.ithGuestLink = linkInput('cwmn-ith-guest-link', 'Your link to watch their session');
    view.ithGuestCopy = el('button', {
      id: 'cwmn-ith-guest-copy', className: 'cwmn-p-btn cwmn-p-btn--small', type: 'button', text: 'Copy',
      on: { click: () => copyResult('guestLink', view.ithGuestLink, view.ithGuestCopy) },
    });
    view.ithWatch = el('button', {
      id: 'cwmn-ith-watch', className: 'cwmn-p-btn cwmn-p-btn--primary cwmn-p-btn--block', type: 'button', text: 'Watch their session',
      title: 'Open your guest link in a new tab', on: { click: () => panel.openLink(outcome && outcome.ok ? outcome.value.guestLink : '') },
    });
    view.ithExpires = el('p', { className: 'cwmn-p-hint cwmn-p-hint--below' });
    view.ithDetails = el('div', { className: 'cwmn-p-ith-details' }, [
      view.ithCodeBox,
      panel.buildField('cwmn-ith-host-link', 'Their link to start hosting', el('div', { className: 'cwmn-p-linkrow' }, [view.ithHostLink, view.ithHostCopy])),
      panel.buildField('cwmn-ith-guest-link', 'Your link to watch', el('div', { className: 'cwmn-p-linkrow' }, [view.ithGuestLink, view.ithGuestCopy])),
      view.ithWatch,
      view.ithExpires,
    ]);
    view.ithResult = el('div', { id: 'cwmn-ith-result', className: 'cwmn-p-ith-result', role: 'status', 'aria-live': 'polite', hidden: true }, [
      view.ithResultTitle, view.ithResultText, view.ithProblems, view.ithErrorCode, view.ithDetails,
    ]);
    return view.ithResult;
  }

  function linkInput(id, label) {
    return el('input', {
      id, className: 'cwmn-p-input cwmn-p-mono', type: 'text', readonly: true, 'aria-label': label,
      'data-cwmn-mask': true, on: { focus: (e) => e.target.select() },
    });
  }

  function copyResult(key, input, button) {
    if (outcome && outcome.ok) panel.copyText(String(outcome.value[key] || ''), input, button);
  }

  function renderResult() {
    view.ithResult.hidden = !outcome;
    if (!outcome) return;
    view.ithResult.className = `cwmn-p-ith-result cwmn-p-ith-result--${outcome.ok ? 'ok' : 'error'}`;
    view.ithDetails.hidden = !outcome.ok;
    view.ithErrorCode.hidden = outcome.ok;
    view.ithProblems.hidden = outcome.ok || outcome.problems.length === 0;
    if (outcome.ok) {
      renderInvite(outcome.value, outcome.sentTo);
      view.ithProblems.replaceChildren();
      view.ithErrorCode.textContent = '';
    } else {
      renderFailure(outcome.error, outcome.problems);
    }
    view.ithResultText.hidden = !view.ithResultText.textContent;
  }

  function renderInvite(value, sentTo) {
    view.ithResultTitle.textContent = sentTo ? 'Invite sent' : 'Invite ready';
    view.ithResultText.textContent = sentTo
      ? `${sentTo} got an email with their link to start hosting.`
      : 'No email was sent: give them the join code, or their link to start hosting.';
    const code = typeof value.joinCode === 'string' ? value.joinCode : '';
    view.ithCodeBox.hidden = !code;
    view.ithCode.textContent = groupCode(code);
    view.ithCode.setAttribute('aria-label', code.split('').join(' '));
    view.ithCodeHidden.value = code;
    view.ithJoinUrl.textContent = `${panel.serverOrigin()}/join`;
    const hostLink = String(value.hostLink || '');
    const guestLink = String(value.guestLink || '');
    if (view.ithHostLink.value !== hostLink) view.ithHostLink.value = hostLink;
    if (view.ithGuestLink.value !== guestLink) view.ithGuestLink.value = guestLink;
    view.ithHostCopy.disabled = !hostLink;
    view.ithGuestCopy.disabled = !guestLink;
    view.ithWatch.disabled = !panel.isHttpUrl(guestLink);
    const expires = panel.toEpochMs(value.expiresAt);
    view.ithExpires.textContent = expires === null ? ''
      : `The ${code ? 'code and links work' : 'links work'} until ${new Date(expires).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' })}. Their session starts when they open the link${code ? ' or enter the code' : ''}.`;
  }

  function renderFailure(error, problems) {
    if (error.code === 'ERR_INVALID_PARAMS') {
      view.ithResultTitle.textContent = 'Please check the form';
      view.ithResultText.textContent = problems.length ? '' : 'The API did not accept these details:';
    } else if (error.code === 'ERR_NOT_SUPPORTED') {
      view.ithResultTitle.textContent = 'Hosting invites are turned off here';
      view.ithResultText.textContent = 'This site’s settings on the cwmn server do not allow live sessions on the page you chose.';
    } else if (error.code === 'ERR_NETWORK') {
      view.ithResultTitle.textContent = 'The server could not be reached';
      view.ithResultText.textContent = 'Check your connection and try again.';
    } else {
      view.ithResultTitle.textContent = 'The invite was not created';
      view.ithResultText.textContent = '';
    }
    view.ithProblems.replaceChildren(...problems.map((text) => el('li', { text })));
    view.ithErrorCode.textContent = `${error.code}: ${error.message}`;
  }

  /** ABCDEFGH → "ABCD EFGH", ABCDEF → "ABC DEF": easier to read out and type. */
  function groupCode(code) {
    const size = code.length % 4 === 0 ? 4 : 3;
    return (code.match(new RegExp(`.{1,${size}}`, 'g')) || []).join(' ');
  }
})();
