// Accept an invitation: #/invitation/<token> from the mailed link. GET /invitations/{token} says
// who is invited and which password rules apply; accepting answers like a login (a session).

import { api, ApiError, el, field, alertBox, showError, setToken, passwordRules } from '../lib.js';

function expiryText(iso) {
  if (!iso) return '';
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return '';
  return `This invitation is valid until ${when.toLocaleString(undefined, { dateStyle: 'long', timeStyle: 'short' })}.`;
}

export async function render(main, ctx) {
  const token = ctx.params.token || '';
  const alert = alertBox();
  const title = el('h1', { text: 'Accept your invitation', tabIndex: -1 });
  const box = el('div', { class: 'auth-card' }, title, alert);
  main.appendChild(box);

  let invitation;
  try {
    ({ body: invitation } = await api('GET', `/invitations/${encodeURIComponent(token)}`));
  } catch (err) {
    if (!ctx.isCurrent()) return;
    const words = err instanceof ApiError && (err.status === 400 || err.status === 404)
      ? `${err.message} Ask the person who invited you to send a new invitation.`
      : err.message;
    showError(alert, new Error(words));
    box.appendChild(el('p', {}, el('a', { href: '#/sign-in', text: 'Go to sign in' })));
    return;
  }
  if (!ctx.isCurrent()) return;
  invitation = invitation || {};

  const emailRow = field('Email', {
    type: 'email', name: 'email', readonly: true, value: invitation.email || invitation.userName || '',
    hint: 'You sign in with this address (or your user name). Only an administrator can change it.',
  }).wrapper;
  const intro = el('p', { class: 'muted', text: 'Choose a password to finish setting up your account.' });
  const expiry = expiryText(invitation.expiresAt);

  const first = field('First name', { type: 'text', name: 'given-name', autocomplete: 'given-name', value: invitation.givenName || '' });
  const last = field('Last name', { type: 'text', name: 'family-name', autocomplete: 'family-name', value: invitation.familyName || '' });
  const password = field('Password', { type: 'password', name: 'new-password', autocomplete: 'new-password', required: true });
  const confirm = field('Confirm password', { type: 'password', name: 'confirm-password', autocomplete: 'new-password', required: true });
  const rules = passwordRules(invitation.passwordRules, password.input, {
    userName: invitation.userName || '',
    names: () => [first.input.value, last.input.value, `${first.input.value} ${last.input.value}`.trim()],
    confirmInput: confirm.input,
  });
  first.input.addEventListener('input', () => rules.update());
  last.input.addEventListener('input', () => rules.update());
  const submit = el('button', { type: 'submit', class: 'button', text: 'Accept invitation' });
  const form = el('form', { novalidate: true },
    el('div', { class: 'grid-2' }, first.wrapper, last.wrapper),
    password.wrapper, confirm.wrapper, rules,
    el('div', { class: 'actions' }, submit));
  box.append(intro, expiry ? el('p', { class: 'hint', text: expiry }) : null, emailRow, form);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    showError(alert, null);
    if (!rules.allMet()) {
      showError(alert, new Error('The password does not meet every rule yet: see the list under the fields.'));
      password.input.focus();
      return;
    }
    const body = { password: password.input.value, confirmPassword: confirm.input.value };
    const givenName = first.input.value.trim();
    const familyName = last.input.value.trim();
    if (givenName !== (invitation.givenName || '') || familyName !== (invitation.familyName || '')) {
      body.name = {};
      if (givenName) body.name.givenName = givenName;
      if (familyName) body.name.familyName = familyName;
    }
    submit.disabled = true;
    submit.textContent = 'Accepting…';
    try {
      const { body: session } = await api('POST', `/invitations/${encodeURIComponent(token)}/accept`, body);
      if (!session || !session.token) throw new Error('The gateway answered without a session: sign in with your new password.');
      setToken(session.token);
      await ctx.signedIn();
    } catch (err) {
      submit.disabled = false;
      submit.textContent = 'Accept invitation';
      showError(alert, err);
      alert.focus?.();
    }
  });
}
