// panel-guests.js — the guest-management sections of the cwmn demo's host panel. Loaded by
// every demo page right after panel-boot.js; builds on panel.js's extension hook
// (window.cwmnDemoPanel) and, for every cwmn call, on the public window.CwmnAPI only:
//   - Guests: the live list; each row has "Hide pointer"/"Show pointer" (guest.muteGuest) and
//     "Remove" (guest.removeGuest, armed by a first click: "Confirm remove" for 3 s);
//   - Pointers: the "Hide all pointers" switch (guest.muteAllGuests / guest.getMuteAllGuests).
// The public link and the email/SMS invites are in panel-public-link.js and
// panel-invite-message.js, loaded right after this file.
// Guest names and everything else that comes from the API are only ever set with textContent.
'use strict';

(function cwmnHostPanelGuests() {
  const panel = window.cwmnDemoPanel;
  if (!panel) {
    console.error('[cwmn panel] panel-guests.js needs panel.js to be loaded first');
    return;
  }
  const { api, model, view, el, callApi, readApi, buildSwitch } = panel;

  /** Every control here works in a realtime session only (not while recording a replay). */
  const isRealtime = (state = panel.currentState()) => panel.sessionKind(state) === 'realtime';
  const REMOVE_CONFIRM_MS = 3000;

  /** What this file keeps itself (the API does not report it). */
  const local = {
    ownMute: new Map(), // guestId → true when the host hid this guest's pointer (muteGuest)
    removeArmed: new Map(), // guestId → timer while its "Confirm remove" is showing
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
  }

  panel.onEvent('guest disconnected', forgetGuest);
  panel.onEvent('end session', forgetSession);
  panel.onEvent('reinit', forgetSession);

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
})();
