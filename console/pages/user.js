// One user: names and role (Save), deactivate / activate, password reset email, backup codes,
// and for a Pending user: resend or revoke the invitation. What the session may not do is not
// offered; the gateway checks everything again.

import {
  api, el, field, alertBox, statusBox, showError, showStatus, clear, confirmDialog, copyButton,
  pageTitle, showPageError, displayNameOf, primaryEmail, resendInvitation, revokeConfirmation,
  SCIM_USER_EXT, PATCH_OP,
} from '../lib.js';
import { statusOf, roleOf, queuesOf, ROLE_ORDER } from './users.js';


function detailItem(term, value) {
  return [
    el('dt', { text: term, style: { fontWeight: '600' } }),
    el('dd', { text: value || '—', style: { margin: '0', overflowWrap: 'anywhere' } }),
  ];
}

export async function render(main, ctx) {
  const id = ctx.params.id;
  const path = `/scim/v2/Users/${encodeURIComponent(id)}`;
  const alert = alertBox();
  const status = statusBox();
  let user;
  let etag;
  try {
    const answer = await api('GET', path);
    user = answer.body;
    etag = answer.etag;
  } catch (err) {
    showPageError(main, 'User', err, '#/users', 'Back to users');
    return;
  }
  if (!ctx.isCurrent()) return;

  const session = ctx.session || {};
  const self = session.userId === user.id;
  const canWrite = ctx.can('writeUsers');
  const canRoles = ctx.can('changeRoles') && !self;
  const ext = user[SCIM_USER_EXT] || {};
  const state = statusOf(user); // Active | Inactive | Pending
  const role = roleOf(user);
  const mfa = ext.mfa || {};

  main.appendChild(el('p', {}, el('a', { href: '#/users', text: '← Back to users' })));
  main.appendChild(pageTitle(displayNameOf(user) || user.userName));
  main.appendChild(alert);
  main.appendChild(status);

  const accounts = (ext.accounts || []).map((a) => a.display || a.value);
  main.appendChild(el('section', { class: 'section', 'aria-label': 'Summary' },
    el('dl', { class: 'details', style: { display: 'grid', gridTemplateColumns: 'minmax(8rem, max-content) 1fr', gap: '0.35rem 1rem', margin: '0' } },
      detailItem('User name', user.userName),
      detailItem('Email', primaryEmail(user)),
      detailItem('Status', state),
      detailItem('Role', role),
      detailItem('Queues', queuesOf(user).join(', ')),
      accounts.length ? detailItem('Accounts', accounts.join(', ')) : null,
      detailItem('Two-factor authentication', mfa.totp ? 'On (authenticator app)' : 'Off'),
      typeof mfa.backupCodesRemaining === 'number' && (mfa.totp || mfa.backupCodesRemaining > 0)
        ? detailItem('Backup codes remaining', String(mfa.backupCodesRemaining)) : null,
      user.meta && user.meta.lastModified
        ? detailItem('Last modified', new Date(user.meta.lastModified).toLocaleString()) : null)));

  // --- names and role ---
  const name = user.name || {};
  const given = field('First name', { value: name.givenName || '', autocomplete: 'off', readonly: !canWrite });
  const family = field('Last name', { value: name.familyName || '', autocomplete: 'off', readonly: !canWrite });
  const grantable = Array.isArray(session.grantableRoles) ? session.grantableRoles : [];
  let roleControl;
  let roleInput = null;
  if (canRoles && grantable.includes(role)) {
    const options = ROLE_ORDER.filter((r) => grantable.includes(r)).map((r) => ({ value: r, label: r }));
    const f = field('Role', { tag: 'select', options, value: role });
    roleInput = f.input;
    roleControl = f.wrapper;
  } else {
    const why = self ? 'Nobody changes their own role.'
      : (ctx.can('changeRoles') ? 'You cannot change the role of someone who outranks you.' : 'Your role does not allow changing roles.');
    const f = field('Role', { value: role, readonly: true, hint: why });
    roleControl = f.wrapper;
  }

  const form = el('form', { class: 'section', 'aria-label': 'Details' },
    el('h2', { text: 'Details' }),
    el('div', { class: 'grid-2' }, given.wrapper, family.wrapper),
    roleControl);
  if (canWrite || roleInput) {
    const save = el('button', { type: 'submit', class: 'button', text: 'Save' });
    form.appendChild(el('div', { class: 'actions' }, save));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      showError(alert, null);
      showStatus(status, '');
      const ops = [];
      if (canWrite && given.input.value.trim() !== (name.givenName || '')) {
        ops.push({ op: 'replace', path: 'name.givenName', value: given.input.value.trim() });
      }
      if (canWrite && family.input.value.trim() !== (name.familyName || '')) {
        ops.push({ op: 'replace', path: 'name.familyName', value: family.input.value.trim() });
      }
      if (roleInput && roleInput.value !== role) {
        ops.push({ op: 'replace', path: 'roles', value: [{ value: roleInput.value }] });
      }
      if (!ops.length) {
        showStatus(status, 'Nothing changed.');
        return;
      }
      save.disabled = true;
      try {
        await api('PATCH', path, { schemas: [PATCH_OP], Operations: ops }, { headers: etag ? { 'If-Match': etag } : {} });
        await rerender(main, ctx, 'Saved.');
      } catch (err) {
        showError(alert, err);
        save.disabled = false;
      }
    });
  } else {
    form.appendChild(el('p', { class: 'muted', text: 'You can see this user but not change them.' }));
  }
  main.appendChild(form);

  // --- actions ---
  const actions = el('div', { class: 'actions' });
  const extra = el('div', {});
  // A button that asks `confirm` (confirmDialog options) first when given, then runs `run`; an
  // error goes to the alert. `busy`: the button is disabled while it runs.
  const action = (text, variant, { confirm = null, busy = false, run }) => {
    actions.appendChild(el('button', {
      type: 'button',
      class: variant ? `button ${variant}` : 'button',
      text,
      onclick: async (event) => {
        const button = event.currentTarget;
        if (confirm && !(await confirmDialog(confirm))) return;
        showError(alert, null);
        if (busy) button.disabled = true;
        try {
          await run();
        } catch (err) {
          showError(alert, err);
        } finally {
          if (busy) button.disabled = false;
        }
      },
    }));
  };
  const patchActive = async (active) => {
    await api('PATCH', path, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: active }] });
  };
  if (ctx.can('deactivateUsers') && !self && state !== 'Pending') {
    if (state === 'Active') {
      action('Deactivate', 'button-danger', {
        confirm: {
          title: `Deactivate ${user.userName}?`,
          message: [
            'They can no longer sign in, and they are removed from all queues.',
            'Their data is kept: you can activate them again later.',
          ],
          confirmLabel: 'Deactivate',
          danger: true,
        },
        run: async () => {
          await patchActive(false);
          await rerender(main, ctx, `${user.userName} is deactivated.`);
        },
      });
    } else {
      action('Activate', '', {
        run: async () => {
          await patchActive(true);
          await rerender(main, ctx, `${user.userName} is active again.`);
        },
      });
    }
  }
  if (ctx.can('resetPasswords') && state === 'Active') {
    action('Send password reset email', 'button-secondary', {
      busy: true,
      run: async () => {
        const { body } = await api('POST', '/auth/password/reset-link', { userId: user.id });
        const detail = body && body.detail ? body.detail : 'a password reset link was mailed';
        showStatus(status, `${detail.charAt(0).toUpperCase()}${detail.slice(1)}.`);
      },
    });
  }
  if (ctx.can('generateBackupCodes') && state === 'Active') {
    action('Generate backup codes', 'button-secondary', {
      confirm: {
        title: `New backup codes for ${user.userName}?`,
        message: 'Any backup codes they have now stop working. The new codes are shown once: hand them over safely.',
        confirmLabel: 'Generate',
      },
      run: async () => {
        const { body } = await api('POST', '/mfa/backup-codes', { userId: user.id });
        const codes = (body && body.codes) || [];
        clear(extra);
        extra.appendChild(el('section', { class: 'section', 'aria-label': 'New backup codes' },
          el('h2', { text: 'New backup codes' }),
          el('p', { text: 'Shown only now. Each code works once.' }),
          el('ul', { class: 'code-list', 'aria-label': 'Backup codes' }, codes.map((c) => el('li', {}, el('code', { text: c })))),
          copyButton(codes.join('\n'), 'Copy')));
        showStatus(status, `${codes.length} new backup codes were generated.`);
      },
    });
  }
  if (ctx.can('inviteUsers') && state === 'Pending') {
    const label = primaryEmail(user) || user.userName;
    action('Resend invitation', '', {
      run: async () => {
        await resendInvitation(user.id, label);
        showStatus(status, `A new invitation was sent to ${label}; earlier links no longer work.`);
      },
    });
    action('Revoke invitation', 'button-secondary', {
      confirm: revokeConfirmation(user.userName),
      run: async () => {
        await api('POST', '/invitations/revoke', { userId: user.id });
        showStatus(status, 'The invitation was revoked: its links no longer work.');
      },
    });
  }
  if (ctx.can('deleteUsers') && !self) {
    action('Delete user', 'button-danger', {
      confirm: {
        title: `Delete ${user.userName}?`,
        message: 'This cannot be undone. To keep their data, deactivate them instead.',
        confirmLabel: 'Delete',
        danger: true,
      },
      run: async () => {
        await api('DELETE', path);
        ctx.navigate('#/users');
      },
    });
  }
  if (actions.childNodes.length) {
    main.appendChild(el('section', { class: 'section', 'aria-label': 'Actions' }, el('h2', { text: 'Actions' }), actions, extra));
  }
}

// Reads the user again and draws the page anew, keeping a success message.
async function rerender(main, ctx, message) {
  clear(main);
  await render(main, ctx);
  const box = main.querySelector('[role=status]');
  if (box) showStatus(box, message);
  const h1 = main.querySelector('h1');
  if (h1) h1.focus();
}
