// My Profile: one's own details through /scim/v2/Me, and Change password through
// /auth/password/change.

import { roleOf as userRole } from './users.js';
import {
  api, ApiError, el, field, alertBox, statusBox, showError, showStatus, passwordRules, loadPasswordRules,
  uid, PATCH_OP, SCIM_USER_EXT, primaryEmail, sentence,
} from '../lib.js';
import { timeZones, isTimeZone, browserTimeZone } from '../timezones.js';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PREFERENCES = [
  { value: 'promotions', label: 'Promotions' },
  { value: 'ticketUpdates', label: 'Ticket updates' },
  { value: 'newFeatures', label: 'New features' },
];

function phoneOf(user, type) {
  const phones = (user && user.phoneNumbers) || [];
  const found = phones.find((p) => (p.type || '').toLowerCase() === type);
  return found ? found.value || '' : '';
}

function roleOf(user, session) {
  return session && session.role ? session.role : userRole(user);
}

function checkbox(label, props) {
  const id = uid('check');
  const input = el('input', { type: 'checkbox', id, ...props });
  return { wrapper: el('div', { class: 'check' }, input, el('label', { for: id, text: label })), input };
}

// The values the form shows, from a SCIM user.
function valuesOf(user) {
  const name = user.name || {};
  const enterprise = user[ENTERPRISE] || {};
  const ext = user[SCIM_USER_EXT] || {};
  return {
    givenName: name.givenName || '',
    familyName: name.familyName || '',
    nickName: user.nickName || '',
    work: phoneOf(user, 'work'),
    mobile: phoneOf(user, 'mobile'),
    company: enterprise.organization || '',
    timezone: user.timezone || '',
    preferences: Array.isArray(ext.emailPreferences) ? ext.emailPreferences.map(String) : [],
  };
}

function setOrRemove(ops, path, before, after) {
  if (before === after) return;
  if (after) ops.push({ op: 'replace', path, value: after });
  else if (before) ops.push({ op: 'remove', path });
}

function detailsSection(ctx, state) {
  const alert = alertBox();
  const status = statusBox();
  const writable = ctx.can('writeOwnProfile');
  const ro = !writable;
  const first = field('First name', { type: 'text', autocomplete: 'given-name', readonly: ro });
  const last = field('Last name', { type: 'text', autocomplete: 'family-name', readonly: ro });
  const alias = field('Alias', { type: 'text', autocomplete: 'nickname', readonly: ro, hint: 'The name colleagues know you by.' });
  const phone = field('Phone', { type: 'tel', autocomplete: 'work tel', readonly: ro });
  const mobile = field('Mobile', { type: 'tel', autocomplete: 'mobile tel', readonly: ro, hint: 'Also where sign-in codes by SMS go, when your organisation sends them.' });
  const company = field('Company', { type: 'text', autocomplete: 'organization', readonly: ro });
  const listId = uid('zones');
  const here = browserTimeZone();
  const zone = field('Time zone', {
    type: 'text', list: listId, autocomplete: 'off', spellcheck: false, readonly: ro,
    hint: `Type to search, then pick a zone from the list${here ? ` (this device uses ${here})` : ''}.`,
  });
  const datalist = el('datalist', { id: listId }, timeZones().map((z) => el('option', { value: z })));
  const email = field('Email', {
    type: 'email', readonly: true,
    hint: 'Your email address is how you sign in and how we reach you; it comes from your organisation\'s directory, so only an administrator can change it.',
  });
  const role = field('Role', { type: 'text', readonly: true, hint: 'An administrator assigns roles.' });
  const prefs = PREFERENCES.map((p) => ({ ...p, ...checkbox(p.label, { name: 'emailPreferences', value: p.value, disabled: ro }) }));
  const prefsSet = el('fieldset', {},
    el('legend', { text: 'Email preferences' }),
    el('p', { class: 'hint', text: 'Which emails you want besides the ones about your account.' }),
    prefs.map((p) => p.wrapper));
  const save = el('button', { type: 'submit', class: 'button', text: 'Save changes' });
  const form = el('form', { novalidate: true, 'aria-label': 'Profile' },
    el('div', { class: 'grid-2' }, first.wrapper, last.wrapper, alias.wrapper, company.wrapper, phone.wrapper, mobile.wrapper),
    el('div', { class: 'grid-2' }, zone.wrapper, role.wrapper),
    datalist,
    email.wrapper,
    prefsSet,
    writable ? el('div', { class: 'actions' }, save) : el('p', { class: 'hint', text: 'Your role may not change your profile: ask an administrator.' }));

  const fill = (user) => {
    state.user = user;
    const v = valuesOf(user);
    state.values = v;
    first.input.value = v.givenName;
    last.input.value = v.familyName;
    alias.input.value = v.nickName;
    phone.input.value = v.work;
    mobile.input.value = v.mobile;
    company.input.value = v.company;
    zone.input.value = v.timezone;
    zone.input.removeAttribute('aria-invalid');
    email.input.value = primaryEmail(user) || user.userName || '';
    role.input.value = roleOf(user, ctx.session);
    for (const p of prefs) p.input.checked = v.preferences.includes(p.value);
  };

  zone.input.addEventListener('change', () => {
    const value = zone.input.value.trim();
    if (!value || isTimeZone(value)) zone.input.removeAttribute('aria-invalid');
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    showError(alert, null);
    showStatus(status, '');
    if (!writable) return;
    const before = state.values;
    const tz = zone.input.value.trim();
    if (tz && !isTimeZone(tz)) {
      zone.input.setAttribute('aria-invalid', 'true');
      showError(alert, new Error(`"${tz}" is not a time zone: pick one from the list, such as ${here || 'Europe/Berlin'}.`));
      zone.input.focus();
      return;
    }
    const after = {
      givenName: first.input.value.trim(),
      familyName: last.input.value.trim(),
      nickName: alias.input.value.trim(),
      work: phone.input.value.trim(),
      mobile: mobile.input.value.trim(),
      company: company.input.value.trim(),
      timezone: tz,
      preferences: prefs.filter((p) => p.input.checked).map((p) => p.value),
    };

    // What /Me lets a person change...
    const ops = [];
    setOrRemove(ops, 'name.givenName', before.givenName, after.givenName);
    setOrRemove(ops, 'name.familyName', before.familyName, after.familyName);
    setOrRemove(ops, 'nickName', before.nickName, after.nickName);
    setOrRemove(ops, 'timezone', before.timezone, after.timezone);
    if (before.work !== after.work || before.mobile !== after.mobile) {
      const others = ((state.user && state.user.phoneNumbers) || [])
        .filter((p) => !['work', 'mobile'].includes((p.type || '').toLowerCase()));
      const phones = [...others];
      if (after.work) phones.push({ value: after.work, type: 'work' });
      if (after.mobile) phones.push({ value: after.mobile, type: 'mobile' });
      if (phones.length) ops.push({ op: 'replace', path: 'phoneNumbers', value: phones });
      else ops.push({ op: 'remove', path: 'phoneNumbers' });
    }
    // ...and the company and email preferences, sent on their own so that a gateway refusing
    // them still saves the rest.
    const extOps = [];
    setOrRemove(extOps, `${ENTERPRISE}:organization`, before.company, after.company);
    const samePrefs = before.preferences.slice().sort().join(',') === after.preferences.slice().sort().join(',');
    if (!samePrefs) {
      if (after.preferences.length) extOps.push({ op: 'replace', path: `${SCIM_USER_EXT}:emailPreferences`, value: after.preferences });
      else extOps.push({ op: 'remove', path: `${SCIM_USER_EXT}:emailPreferences` });
    }

    if (!ops.length && !extOps.length) {
      showStatus(status, 'Nothing to save: no field was changed.');
      return;
    }
    save.disabled = true;
    save.textContent = 'Saving…';
    let saved = false;
    try {
      for (const batch of [ops, extOps]) {
        if (!batch.length) continue;
        const headers = state.etag ? { 'If-Match': state.etag } : {};
        const answer = await api('PATCH', '/scim/v2/Me', { schemas: [PATCH_OP], Operations: batch }, { headers });
        saved = true;
        if (answer.etag) state.etag = answer.etag;
        if (answer.body) fill(answer.body);
      }
      showStatus(status, 'Your profile was saved.');
    } catch (err) {
      let message = err.message;
      if (err instanceof ApiError && err.status === 412) {
        message = 'Your profile was changed elsewhere since this page was opened: reload the page and make your change again.';
      } else if (err instanceof ApiError && err.scimType === 'mutability' && extOps.length) {
        message = `${saved ? 'Your other changes were saved, but the' : 'The'} company and email preferences cannot be changed here on this gateway: ask an administrator. (${err.message})`;
      } else if (saved) {
        message = `Your other changes were saved, but the company and email preferences were not: ${err.message}`;
      }
      showError(alert, new Error(message));
    } finally {
      save.disabled = false;
      save.textContent = 'Save changes';
    }
  });

  const section = el('section', { class: 'section', 'aria-labelledby': 'details-title' },
    el('h2', { id: 'details-title', text: 'Your details' }), alert, status, form);
  return { section, fill };
}

function passwordSection(ctx, state, rules) {
  const alert = alertBox();
  const status = statusBox();
  const current = field('Current password', { type: 'password', autocomplete: 'current-password', required: true });
  const next = field('New password', { type: 'password', autocomplete: 'new-password', required: true });
  const confirm = field('Confirm new password', { type: 'password', autocomplete: 'new-password', required: true });
  const names = () => {
    const v = state.values || {};
    return [v.givenName, v.familyName, `${v.givenName || ''} ${v.familyName || ''}`.trim(), state.user && state.user.displayName].filter(Boolean);
  };
  const list = passwordRules(rules, next.input, {
    userName: (state.user && state.user.userName) || (ctx.session && ctx.session.userName) || '',
    names,
    confirmInput: confirm.input,
  });
  const submit = el('button', { type: 'submit', class: 'button', text: 'Change password' });
  // A hidden username field helps password managers store the new password for the right account.
  const userHint = el('input', {
    type: 'text', autocomplete: 'username', hidden: true, tabIndex: -1, 'aria-hidden': 'true',
    value: (state.user && state.user.userName) || '',
  });
  const form = el('form', { novalidate: true, 'aria-labelledby': 'password-title' },
    userHint, current.wrapper, next.wrapper, confirm.wrapper, list, el('div', { class: 'actions' }, submit));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    showError(alert, null);
    showStatus(status, '');
    if (!current.input.value) {
      showError(alert, new Error('Enter your current password.'));
      current.input.focus();
      return;
    }
    if (!list.allMet()) {
      showError(alert, new Error('The new password does not meet every rule yet: see the list under the fields.'));
      next.input.focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = 'Changing…';
    try {
      await api('POST', '/auth/password/change', {
        currentPassword: current.input.value,
        newPassword: next.input.value,
        confirmPassword: confirm.input.value,
      });
      current.input.value = '';
      next.input.value = '';
      confirm.input.value = '';
      list.update();
      showStatus(status, 'Your password was changed. Use the new one the next time you sign in.');
    } catch (err) {
      if (err instanceof ApiError && err.status === 403 && err.body && /current password/i.test(err.body.detail || '')) {
        showError(alert, new Error('The current password is wrong: type it again.'));
        current.input.value = '';
        current.input.focus();
      } else {
        showError(alert, err instanceof ApiError && err.status === 400 && err.body && err.body.detail
          ? new Error(`The new password was refused: ${sentence(err.body.detail).replace(/^./, (c) => c.toLowerCase())}`)
          : err);
      }
    } finally {
      submit.disabled = false;
      submit.textContent = 'Change password';
    }
  });

  return el('section', { class: 'section', 'aria-labelledby': 'password-title' },
    el('h2', { id: 'password-title', text: 'Change password' }), alert, status, form);
}

export async function render(main, ctx) {
  const alert = alertBox();
  main.append(el('h1', { text: 'My Profile', tabIndex: -1 }), alert);
  const state = { user: null, values: null, etag: null };
  let answer;
  let rules;
  try {
    [answer, rules] = await Promise.all([api('GET', '/scim/v2/Me'), loadPasswordRules()]);
  } catch (err) {
    if (!ctx.isCurrent()) return;
    showError(alert, err);
    return;
  }
  if (!ctx.isCurrent()) return;
  state.etag = answer.etag;
  const details = detailsSection(ctx, state);
  details.fill(answer.body || {});
  main.append(details.section, passwordSection(ctx, state, rules));
}
