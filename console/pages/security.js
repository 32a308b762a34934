// Security: two-factor authentication with an authenticator app (TOTP) on and off, and how many
// backup codes remain. A session that may only enrol (mfaEnrollmentRequired) lands here.

import {
  api, ApiError, el, field, alertBox, statusBox, showError, showStatus, clear, copyButton, clearToken,
  confirmDialog, SCIM_USER_EXT,
} from '../lib.js';

function svgDataUrl(svg) {
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}

function remainingText(n) {
  return `${n} backup ${n === 1 ? 'code' : 'codes'} remaining`;
}

// The code as typed: digits (and a backup code's letters) without spaces.
function cleanCode(value) {
  return String(value || '').replace(/[\s-]+/g, '');
}

function codeMessage(err, what) {
  if (err instanceof ApiError) {
    if (err.status === 403 && /locked/i.test((err.body && err.body.detail) || '')) {
      return 'Too many wrong codes: the second factor is locked for a while. Try again later.';
    }
    if (err.status === 403 || (err.status === 400 && /code/i.test((err.body && err.body.detail) || ''))) {
      return `The code is wrong or was already used: ${what}`;
    }
  }
  return err.message;
}

/**
 * A form with one code field (numeric, one-time-code) and its buttons, the submit button first.
 * On submit the code as typed must pass `valid`, else the alert says `invalidText`; then
 * `submit(code)` runs. When it throws, the alert says why (codeMessage with `retry`) and the field
 * is emptied for another try. Returns {form, input}.
 */
function codeForm({ alert, label, hint, maxLength, submitButton, otherButtons = [], valid, invalidText, retry, submit }) {
  const code = field(label, {
    type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code', maxLength, spellcheck: false, hint,
  });
  const form = el('form', { novalidate: true }, code.wrapper, el('div', { class: 'actions' }, submitButton, otherButtons));
  const askAgain = (message) => {
    showError(alert, new Error(message));
    code.input.setAttribute('aria-invalid', 'true');
    code.input.focus();
  };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    showError(alert, null);
    const value = cleanCode(code.input.value);
    if (!valid(value)) {
      askAgain(invalidText);
      return;
    }
    submitButton.disabled = true;
    try {
      await submit(value);
    } catch (err) {
      submitButton.disabled = false;
      code.input.value = '';
      askAgain(codeMessage(err, retry));
    }
  });
  return { form, input: code.input };
}

// For an enrolment-only session: a new sign-in gives a full session.
function signInAgain(ctx) {
  return el('div', { class: 'actions' }, el('button', {
    type: 'button', class: 'button', text: 'Sign in again',
    onclick: () => { clearToken(); ctx.navigate('#/sign-in'); },
  }));
}

const isSixDigits = (value) => /^\d{6}$/.test(value);

export async function render(main, ctx) {
  const enrolmentOnly = Boolean(ctx.session && ctx.session.mfaEnrollmentRequired);
  const alert = alertBox();
  const status = statusBox();
  main.append(el('h1', { text: 'Security', tabIndex: -1 }));
  if (enrolmentOnly) {
    main.append(el('p', { class: 'message message-ok', text: 'Your role needs two-factor authentication. Turn it on below, then sign in again to use the console.' }));
  }
  main.append(alert);

  let mfa = { totp: false, backupCodesRemaining: null };
  const readMfa = async () => {
    if (enrolmentOnly) return mfa;
    const { body } = await api('GET', '/scim/v2/Me');
    const ext = (body && body[SCIM_USER_EXT]) || {};
    mfa = { totp: false, backupCodesRemaining: null, ...(ext.mfa || {}) };
    return mfa;
  };
  try {
    await readMfa();
  } catch (err) {
    if (!ctx.isCurrent()) return;
    showError(alert, err);
    return;
  }
  if (!ctx.isCurrent()) return;

  const labelId = 'two-factor-label';
  const descId = 'two-factor-desc';
  const toggle = el('button', {
    type: 'button', role: 'switch', class: 'switch', 'aria-checked': mfa.totp ? 'true' : 'false',
    'aria-labelledby': labelId, 'aria-describedby': descId,
  });
  const stateText = el('span', { class: 'muted', id: descId });
  const remaining = el('p', { class: 'remaining' });
  const panel = el('div', { class: 'panel' });
  const backup = el('div', { class: 'backup' });
  const codesBox = el('div', { class: 'codes' });
  const section = el('section', { class: 'section', 'aria-labelledby': 'authenticator-title' },
    el('h2', { id: 'authenticator-title', text: 'Authenticator app' }),
    el('p', { class: 'hint', text: 'With two-factor authentication on, signing in asks for a 6-digit code from an authenticator app on your phone (or one of your backup codes) after your password.' }),
    el('div', { class: 'switch-row' },
      toggle,
      el('span', { class: 'switch-label', id: labelId, text: 'Two-factor authentication' }),
      stateText),
    status,
    remaining,
    panel,
    backup,
    codesBox);
  main.append(section);

  const showState = () => {
    toggle.setAttribute('aria-checked', mfa.totp ? 'true' : 'false');
    stateText.textContent = mfa.totp ? 'On' : 'Off';
    if (mfa.totp && mfa.backupCodesRemaining !== null && mfa.backupCodesRemaining !== undefined) {
      remaining.textContent = remainingText(Number(mfa.backupCodesRemaining));
      remaining.hidden = false;
    } else {
      remaining.textContent = '';
      remaining.hidden = true;
    }
    clear(backup);
    if (mfa.totp && !enrolmentOnly) {
      if (ctx.can('generateBackupCodes')) {
        backup.append(el('div', { class: 'actions' },
          el('button', { type: 'button', class: 'button button-secondary', text: 'Generate backup codes', onclick: generateCodes })));
      } else if (!mfa.backupCodesRemaining) {
        backup.append(el('p', { class: 'hint', text: 'Backup codes let you sign in without your phone: ask an administrator for a set.' }));
      }
    }
  };

  async function generateCodes() {
    showError(alert, null);
    clear(codesBox);
    try {
      const { body } = await api('POST', '/mfa/backup-codes', {});
      const codes = (body && body.codes) || [];
      const list = el('ol', { class: 'code-list', 'aria-label': 'Backup codes' }, codes.map((c) => el('li', {}, el('code', { text: c }))));
      codesBox.append(el('div', { class: 'card' },
        el('h3', { text: 'Your backup codes' }),
        el('p', { text: 'Each code works once. Keep them somewhere safe: they are shown only now, and a new set replaces these.' }),
        list,
        copyButton(codes.join('\n'), 'Copy')));
      await readMfa().catch(() => mfa);
      showState();
    } catch (err) {
      showError(alert, err);
    }
  }

  const reset = () => {
    clear(panel);
    clear(codesBox);
    toggle.disabled = false;
    showState();
  };

  const cancelButton = () => el('button', {
    type: 'button', class: 'button button-secondary', text: 'Cancel', onclick: () => { reset(); toggle.focus(); },
  });
  // After the gateway took the code: the new state, the count of backup codes, the panel closed.
  const settle = async (on) => {
    mfa.totp = on;
    try {
      await readMfa();
    } catch {
      // the count shows on the next visit
    }
    clear(panel);
    showState();
  };

  const startEnrolment = async () => {
    showError(alert, null);
    showStatus(status, '');
    clear(panel);
    clear(codesBox);
    toggle.disabled = true;
    let enrolment;
    try {
      ({ body: enrolment } = await api('POST', '/mfa/totp', {}));
    } catch (err) {
      toggle.disabled = false;
      showError(alert, err);
      return;
    }
    toggle.disabled = false;
    const code = codeForm({
      alert,
      label: 'Code from your app',
      hint: 'The 6-digit code your app shows now.',
      maxLength: 10,
      submitButton: el('button', { type: 'submit', class: 'button', text: 'Confirm' }),
      otherButtons: [cancelButton()],
      valid: isSixDigits,
      invalidText: 'Enter the 6-digit code your app shows now.',
      retry: 'enter the code your app shows now (a new one comes every 30 seconds).',
      submit: async (value) => {
        await api('POST', '/mfa/totp/confirm', { code: value });
        await settle(true);
        if (enrolmentOnly) {
          showStatus(status, 'Two-factor authentication is on. Sign in again with a code from your app to use the console.');
          panel.append(signInAgain(ctx));
        } else {
          showStatus(status, 'Two-factor authentication is on.');
        }
        toggle.focus();
      },
    });
    const secret = el('code', { class: 'secret', 'aria-label': 'Secret key', text: enrolment.secret || '' });
    panel.append(el('div', { class: 'card' },
      el('h3', { text: 'Set up your authenticator app' }),
      el('div', { class: 'enrol' },
        enrolment.qrSvg
          ? el('img', { class: 'qr', src: svgDataUrl(enrolment.qrSvg), alt: 'QR code for your authenticator app', width: 192, height: 192 })
          : null,
        el('div', {},
          el('ol', { class: 'steps' },
            el('li', { text: 'Open your authenticator app (such as FreeOTP, Aegis, Google Authenticator or Microsoft Authenticator) and scan the QR code.' }),
            el('li', { text: 'If you cannot scan it, enter the secret key by hand (time-based, 6 digits, every 30 seconds).' }),
            el('li', { text: 'Type the code the app shows to confirm.' })),
          el('p', { class: 'secret-row' },
            el('span', { class: 'field-label', text: 'Secret key: ' }), secret, ' ', copyButton(enrolment.secret || '', 'Copy secret key')))),
      code.form));
    code.input.focus();
  };

  const startRemoval = () => {
    showError(alert, null);
    showStatus(status, '');
    clear(panel);
    clear(codesBox);
    const code = codeForm({
      alert,
      label: 'Code from your app',
      hint: 'To turn it off, prove it is you: the 6-digit code your app shows now, or a backup code.',
      submitButton: el('button', { type: 'submit', class: 'button button-danger', text: 'Turn off' }),
      otherButtons: [cancelButton()],
      valid: (value) => value !== '',
      invalidText: 'Enter the code your app shows now, or a backup code.',
      retry: 'enter the code your app shows now, or a backup code.',
      submit: async (value) => {
        await api('DELETE', '/mfa/totp', { code: value });
        await settle(false);
        showStatus(status, 'Two-factor authentication is off.');
        toggle.focus();
      },
    });
    panel.append(el('div', { class: 'card' },
      el('h3', { text: 'Turn off two-factor authentication' }),
      el('p', { text: 'Signing in will then ask only for your password.' }),
      code.form));
    code.input.focus();
  };

  toggle.addEventListener('click', () => {
    if (panel.firstChild) {
      // A second press while a step is open cancels it.
      reset();
      return;
    }
    if (mfa.totp) startRemoval();
    else startEnrolment();
  });

  showState();
  if (mfa.totp) showStatus(status, 'Two-factor authentication is on.');

  main.append(emailCodesSection(ctx, () => mfa, readMfa, enrolmentOnly));
}

// Codes by email: for people without an authenticator app, a 6-digit code is mailed at each
// sign-in (POST /mfa/code, /mfa/code/confirm, DELETE /mfa/code).
function emailCodesSection(ctx, currentMfa, readMfa, enrolmentOnly) {
  const alert = alertBox();
  const status = statusBox();
  const stateText = el('p', {});
  const body = el('div', {});
  const section = el('section', { class: 'section', 'aria-labelledby': 'email-codes-title' },
    el('h2', { id: 'email-codes-title', text: 'Codes by email' }),
    el('p', { class: 'hint', text: 'No authenticator app? Have a 6-digit code sent to your email address each time you sign in instead. An authenticator app is safer when you can use one.' }),
    stateText, alert, status, body);

  const show = () => {
    clear(body);
    const on = Boolean(currentMfa().codeFactor);
    stateText.textContent = on
      ? 'Codes by email are on: signing in asks for the code we email you.'
      : 'Codes by email are off.';
    if (on) {
      const off = el('button', { type: 'button', class: 'button button-secondary', text: 'Turn off codes by email' });
      off.addEventListener('click', async () => {
        showError(alert, null);
        showStatus(status, '');
        const yes = await confirmDialog({
          title: 'Turn off codes by email?',
          message: 'Signing in will no longer send a code to your email address.',
          confirmLabel: 'Turn off',
        });
        if (!yes) return;
        try {
          await api('DELETE', '/mfa/code', {});
          await readMfa().catch(() => currentMfa());
          currentMfa().codeFactor = undefined;
          show();
          showStatus(status, 'Codes by email are off.');
        } catch (err) {
          showError(alert, err);
        }
      });
      body.append(el('div', { class: 'actions' }, off));
      return;
    }
    const send = el('button', { type: 'button', class: 'button button-secondary', text: 'Email me a code' });
    const step = el('div', {});
    send.addEventListener('click', async () => {
      showError(alert, null);
      showStatus(status, '');
      send.disabled = true;
      let sent;
      try {
        ({ body: sent } = await api('POST', '/mfa/code', { channel: 'email' }));
      } catch (err) {
        send.disabled = false;
        showError(alert, err);
        return;
      }
      send.disabled = false;
      send.textContent = 'Email me a new code';
      clear(step);
      const code = codeForm({
        alert,
        label: 'Code from the email',
        hint: `We sent a 6-digit code to ${(sent && sent.sentTo) || 'your email address'}.`,
        submitButton: el('button', { type: 'submit', class: 'button', text: 'Turn on codes by email' }),
        valid: isSixDigits,
        invalidText: 'Enter the 6-digit code from the email.',
        retry: 'check the code in the newest email, or have a new one sent.',
        submit: async (value) => {
          await api('POST', '/mfa/code/confirm', { channel: 'email', code: value });
          await readMfa().catch(() => currentMfa());
          currentMfa().codeFactor = currentMfa().codeFactor || 'email';
          show();
          showStatus(status, enrolmentOnly
            ? 'Codes by email are on. Sign in again to use the console.'
            : 'Codes by email are on.');
          if (enrolmentOnly) {
            body.append(signInAgain(ctx));
          }
        },
      });
      step.append(code.form);
      code.input.focus();
    });
    body.append(el('div', { class: 'actions' }, send), step);
  };
  show();
  return section;
}
