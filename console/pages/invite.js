// Invite users: addresses (one per line or comma-separated), accounts, a role; the gateway makes
// each address a Pending user and mails them a link. Below: the pending invitations, each with
// resend and revoke.

import { ROLE_ORDER } from './users.js';
import {
  api, el, field, alertBox, statusBox, showError, showStatus, clear, confirmDialog, pageTitle,
  displayNameOf, primaryEmail, scimString, resendInvitation, revokeConfirmation, SCIM_USER_EXT,
  SCIM_GROUP_EXT,
} from '../lib.js';

/** The addresses in a text: split on new lines, commas, semicolons and spaces; duplicates once. */
export function parseAddresses(text) {
  const seen = new Set();
  const out = [];
  for (const part of String(text || '').split(/[\s,;]+/)) {
    const a = part.trim();
    if (!a) continue;
    const key = a.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(a);
  }
  return out;
}

function looksLikeAddress(a) {
  return /^[^\s@<>]+@[^\s@<>]+$/.test(a);
}

// A person in any account is confined to their accounts (scoped); one in none is not. An
// Administrator who does not administer all accounts is scoped by definition; for anyone else
// their own accounts (GET /scim/v2/Me) tell.
async function isScoped(session) {
  if (session.role === 'Administrator') return true;
  const { body } = await api('GET', '/scim/v2/Me');
  const accounts = (body && body[SCIM_USER_EXT] && body[SCIM_USER_EXT].accounts) || [];
  return accounts.length > 0;
}

function when(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

export async function render(main, ctx) {
  const session = ctx.session || {};
  const alert = alertBox();
  const results = statusBox();
  main.appendChild(pageTitle('Invite users'));
  main.appendChild(el('p', { class: 'muted', text: 'Each person gets an email with a link to choose a password. Until then they are Pending.' }));

  const emails = field('Email addresses', {
    tag: 'textarea',
    rows: 5,
    autocomplete: 'off',
    spellcheck: false,
    hint: 'One per line, or separated by commas.',
  });

  // The accounts the person may invite into: every visible one for an administrator of all
  // accounts, else those the session names in administeredAccounts (the gateway refuses others).
  // An error here only hides the choice.
  const accountsBox = el('fieldset', { class: 'section' }, el('legend', { text: 'Accounts' }));
  const accountInputs = [];
  const allAccounts = session.administersAllAccounts === true;
  const administered = new Set((Array.isArray(session.administeredAccounts) ? session.administeredAccounts : [])
    .map((a) => String(a).toLowerCase()));
  try {
    const filter = `${SCIM_GROUP_EXT}:kind eq "account"`;
    const { body } = await api('GET', `/scim/v2/Groups?filter=${encodeURIComponent(filter)}&excludedAttributes=members&count=200&sortBy=displayName`);
    const visible = (body && body.Resources) || [];
    const groups = allAccounts ? visible : visible.filter((g) => administered.has(String(g.id).toLowerCase()));
    if (!groups.length) {
      let text = 'There are no accounts: people are invited without one.';
      if (!allAccounts) {
        // The gateway refuses an invitation without an account from a scoped person.
        text = await isScoped(session)
          ? 'You administer no account, so you cannot invite anyone: an invitation needs one of the accounts you administer. Ask an administrator of your account to invite these people.'
          : 'You administer no account: the people you invite are added without one.';
      }
      accountsBox.appendChild(el('p', { class: 'muted', text }));
    }
    for (const g of groups) {
      const id = `account-${g.id}`;
      const input = el('input', { type: 'checkbox', id, value: g.id });
      accountInputs.push(input);
      accountsBox.appendChild(el('div', { class: 'check' }, input, el('label', { for: id, text: g.displayName })));
    }
  } catch (err) {
    accountsBox.appendChild(el('p', { class: 'muted', text: `Accounts could not be listed: ${err.message}` }));
  }
  if (!ctx.isCurrent()) return;

  const grantable = (Array.isArray(session.grantableRoles) ? session.grantableRoles : ['Viewer'])
    .slice().sort((a, b) => ROLE_ORDER.indexOf(a) - ROLE_ORDER.indexOf(b));
  const role = field('Role', {
    tag: 'select',
    options: grantable.map((r) => ({ value: r, label: r })),
    value: grantable.includes('Agent') ? 'Agent' : grantable[0],
  });
  const send = el('button', { type: 'submit', class: 'button', text: 'Send invitations' });

  const resultList = el('ul', { class: 'results-list' });

  const form = el('form', { class: 'section', novalidate: true }, emails.wrapper, accountsBox, role.wrapper,
    el('div', { class: 'actions' }, send));
  main.appendChild(form);
  main.appendChild(alert);
  main.appendChild(results);

  const pendingSection = el('section', { class: 'section', 'aria-labelledby': 'pending-title' });
  main.appendChild(pendingSection);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    showError(alert, null);
    clear(resultList);
    clear(results);
    const list = parseAddresses(emails.input.value);
    if (!list.length) {
      emails.input.setAttribute('aria-invalid', 'true');
      showError(alert, new Error('Enter at least one email address.'));
      emails.input.focus();
      return;
    }
    const bad = list.filter((a) => !looksLikeAddress(a));
    if (bad.length) {
      emails.input.setAttribute('aria-invalid', 'true');
      showError(alert, new Error(`Not an email address: ${bad.join(', ')}. Correct it and send again; nobody was invited.`));
      emails.input.focus();
      return;
    }
    if (list.length > 100) {
      showError(alert, new Error(`At most 100 addresses at a time (you entered ${list.length}).`));
      return;
    }
    emails.input.removeAttribute('aria-invalid');
    const body = { emails: list, role: role.input.value };
    const accounts = accountInputs.filter((i) => i.checked).map((i) => i.value);
    if (accounts.length) body.accounts = accounts;
    send.disabled = true;
    try {
      const answer = await api('POST', '/invitations', body);
      const items = (answer.body && answer.body.invitations) || [];
      let sent = 0;
      for (const r of items) {
        if (r.invited) {
          sent += 1;
          resultList.appendChild(el('li', { text: `${r.email}: invited; the link is valid until ${when(r.expiresAt)}.` }));
        } else {
          resultList.appendChild(el('li', { text: `${r.email}: not invited: ${r.detail || 'refused'}.` }));
        }
      }
      resultList.insertBefore(el('li', { text: `${sent} of ${items.length} ${items.length === 1 ? 'invitation' : 'invitations'} sent.` }), resultList.firstChild);
      results.appendChild(resultList);
      if (sent === items.length) emails.input.value = '';
      await loadPending();
    } catch (err) {
      showError(alert, err);
    } finally {
      send.disabled = false;
    }
  });

  async function loadPending() {
    clear(pendingSection);
    pendingSection.appendChild(el('h2', { id: 'pending-title', text: 'Pending invitations' }));
    const box = statusBox();
    const err = alertBox();
    const filter = `${SCIM_USER_EXT}:status eq ${scimString('pending')}`;
    let users = [];
    let total = 0;
    try {
      const { body } = await api('GET', `/scim/v2/Users?filter=${encodeURIComponent(filter)}&count=50&sortBy=meta.lastModified&sortOrder=descending&attributes=userName,name,displayName,emails`);
      users = (body && body.Resources) || [];
      total = Number((body && body.totalResults) || 0);
    } catch (e) {
      pendingSection.appendChild(err);
      showError(err, e);
      return;
    }
    if (!users.length) {
      pendingSection.appendChild(el('p', { class: 'muted', text: 'Nobody is waiting to accept an invitation.' }));
      return;
    }
    const rows = users.map((u) => {
      const label = primaryEmail(u) || u.userName;
      return el('tr', {},
        el('td', {}, el('a', { href: `#/users/${encodeURIComponent(u.id)}`, text: displayNameOf(u) || u.userName })),
        el('td', { text: primaryEmail(u) }),
        el('td', {}, el('div', { class: 'actions' },
          el('button', {
            type: 'button',
            class: 'button button-secondary',
            text: 'Resend',
            'aria-label': `Resend invitation to ${label}`,
            onclick: async () => {
              showError(err, null);
              try {
                await resendInvitation(u.id, label);
                showStatus(box, `A new invitation was sent to ${label}; earlier links no longer work.`);
              } catch (e) {
                showError(err, e);
              }
            },
          }),
          el('button', {
            type: 'button',
            class: 'button button-secondary',
            text: 'Revoke',
            'aria-label': `Revoke invitation of ${label}`,
            onclick: async () => {
              if (!(await confirmDialog(revokeConfirmation(label)))) return;
              showError(err, null);
              try {
                await api('POST', '/invitations/revoke', { userId: u.id });
                showStatus(box, `The invitation of ${label} was revoked.`);
              } catch (e) {
                showError(err, e);
              }
            },
          }))));
    });
    if (total > users.length) pendingSection.appendChild(el('p', { class: 'muted', text: `The latest ${users.length} of ${total}; the Users page lists them all (Status: Pending).` }));
    pendingSection.appendChild(el('table', { class: 'responsive' },
      el('caption', { class: 'visually-hidden', text: 'Pending invitations' }),
      el('thead', {}, el('tr', {}, ['Name', 'Email', 'Actions'].map((h) => el('th', { scope: 'col', text: h })))),
      el('tbody', {}, rows)));
    pendingSection.appendChild(err);
    pendingSection.appendChild(box);
  }

  if (ctx.can('readUsers')) await loadPending();
}
