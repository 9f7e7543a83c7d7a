// form.js — behaviour of the demo's account form (form.html): password strength meter,
// membership summary, and a submit that never navigates (it only shows a "Saved" message).
// Nothing is stored or sent anywhere.
'use strict';

(function setUpSignupForm() {
  const form = document.getElementById('signup-form');
  if (!form) return;

  const TIERS = {
    basecamp: { label: 'Basecamp', rewards: '5% back', repairs: '—', price: '$0.00' },
    summit: { label: 'Summit', rewards: '10% back', repairs: '—', price: '$20.00' },
    expedition: { label: 'Expedition', rewards: '10% back', repairs: 'Included', price: '$45.00' },
  };

  const saved = document.getElementById('form-saved');
  const savedText = document.getElementById('form-saved-text');
  const meter = document.getElementById('password-meter');
  const password = document.getElementById('password');
  let hideSavedTimer = 0;

  function scorePassword(value) {
    let score = 0;
    if (value.length >= 6) score += 1;
    if (value.length >= 10) score += 1;
    if (/[a-z]/.test(value) && /[A-Z]/.test(value)) score += 1;
    if (/\d/.test(value)) score += 1;
    if (/[^A-Za-z0-9]/.test(value)) score += 1;
    return score; // 0..5
  }

  function updatePasswordMeter() {
    const score = scorePassword(password.value);
    const colours = ['#b3261e', '#b3261e', '#d9822b', '#e0b02f', '#4f9d69', '#1d7a4c'];
    meter.style.width = `${(score / 5) * 100}%`;
    meter.style.background = colours[score];
  }

  function updateSummary() {
    const checked = form.querySelector('input[name="tier"]:checked');
    const tier = TIERS[checked ? checked.value : 'basecamp'];
    document.getElementById('summary-tier').textContent = tier.label;
    document.getElementById('summary-rewards').textContent = tier.rewards;
    document.getElementById('summary-repairs').textContent = tier.repairs;
    document.getElementById('summary-price').textContent = tier.price;
  }

  function showSaved() {
    const firstName = document.getElementById('first-name').value.trim();
    const time = new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
    savedText.textContent = firstName ? `Saved — welcome aboard, ${firstName}! (${time})` : `Saved (${time})`;
    saved.classList.remove('is-visible');
    void saved.offsetWidth; // restart the pop animation
    saved.classList.add('is-visible');
    clearTimeout(hideSavedTimer);
    hideSavedTimer = setTimeout(() => saved.classList.remove('is-visible'), 8000);
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    showSaved();
  });
  form.addEventListener('reset', () => {
    // the reset happens after this event: update derived UI on the next tick
    setTimeout(() => { updatePasswordMeter(); updateSummary(); saved.classList.remove('is-visible'); }, 0);
  });
  password.addEventListener('input', updatePasswordMeter);
  form.addEventListener('change', updateSummary);

  updatePasswordMeter();
  updateSummary();
})();
