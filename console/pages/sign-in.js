// Sign in (with the second step when the account has a second factor), forgot password and
// reset password. app.js passes the view in ctx.view: 'sign-in', 'forgot-password',
// 'reset-password'.

import {
  api, ApiError, el, field, alertBox, statusBox, showError, showStatus, clear, setToken,
  passwordRules, loadPasswordRules,
} from '../lib.js';

const NOTICE_KEY = 'scimgate.notice';

function card(main, ...children) {
  const wrapper = el('div', { class: 'auth-card' }, ...children);
  main.appendChild(wrapper);
  return wrapper;
}

function takeNotice() {
  try {
    const notice = sessionStorage.getItem(NOTICE_KEY);
    sessionStorage.removeItem(NOTICE_KEY);
    return notice;
  } catch {
    return null;
  }
}

function busy(button, on, busyText) {
  if (on) {
    button.dataset.label = button.textContent;
    button.textContent = busyText;
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
  } else {
    if (button.dataset.label) button.textContent = button.dataset.label;
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

// The login's refusals, in words; the wait in seconds when throttled or locked.
function loginMessage(err) {
  if (!(err instanceof ApiError)) return err && err.message ? err.message : String(err);
  const error = err.body && err.body.error;
  if (err.status === 429) {
    const locked = err.body && typeof err.body.detail === 'string' && err.body.detail.includes('second factor');
    const wait = err.retryAfter !== null ? `${err.retryAfter} ${err.retryAfter === 1 ? 'second' : 'seconds'}` : 'a few minutes';
    return locked
      ? `Too many wrong codes: the second factor is locked. Try again in ${wait}.`
      : `Too many attempts: try again in ${wait}.`;
  }
  if (err.status === 401 && error === 'invalid_credentials') {
    return 'The user name, password or code is wrong, or the account is locked.';
  }
  if (err.status === 400) return 'Enter your user name or email and your password.';
  return err.message;
}

function renderSignIn(main, ctx, { userName: knownUser = '' } = {}) {
  const alert = alertBox();
  const status = statusBox();
  const notice = takeNotice();
  const user = field('User name or email', { type: 'text', name: 'username', autocomplete: 'username', required: true, spellcheck: false, autocapitalize: 'none' });
  const password = field('Password', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const submit = el('button', { type: 'submit', class: 'button', text: 'Sign in' });
  const form = el('form', { novalidate: true, 'aria-labelledby': 'sign-in-title' },
    user.wrapper, password.wrapper,
    el('div', { class: 'actions' }, submit, el('a', { href: '#/forgot-password', text: 'Forgot password?' })));
  const title = el('h1', { id: 'sign-in-title', text: 'Sign in', tabIndex: -1 });
  const box = card(main, title, status, alert, form);
  if (notice) showStatus(status, notice);
  if (knownUser) user.input.value = knownUser;

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    showError(alert, null);
    const userName = user.input.value.trim();
    const pass = password.input.value;
    if (!userName || !pass) {
      showError(alert, new Error('Enter your user name or email and your password.'));
      (userName ? password.input : user.input).focus();
      return;
    }
    busy(submit, true, 'Signing in…');
    try {
      const { body } = await api('POST', '/auth/login', { userName, password: pass });
      await finish(ctx, body);
    } catch (err) {
      busy(submit, false);
      if (err instanceof ApiError && err.status === 401 && err.body && err.body.error === 'mfa_required') {
        renderSecondStep(main, ctx, box, { userName, password: pass, codeSentTo: err.body.codeSentTo || '' });
        return;
      }
      showError(alert, new Error(loginMessage(err)));
      password.input.value = '';
      password.input.focus();
    }
  });
  (knownUser ? password.input : user.input).focus();
  main.dataset.keepFocus = 'true';
}

async function finish(ctx, body) {
  if (!body || !body.token) throw new Error('The gateway answered without a session: try again.');
  setToken(body.token);
  await ctx.signedIn();
}

function renderSecondStep(main, ctx, box, { userName, password, codeSentTo }) {
  clear(box);
  const alert = alertBox();
  const hint = codeSentTo
    ? `Enter the 6-digit code from your authenticator app, a backup code, or the code sent to ${codeSentTo}.`
    : 'Enter the 6-digit code from your authenticator app, or one of your backup codes.';
  const code = field('Verification code', {
    type: 'text', name: 'code', autocomplete: 'one-time-code', inputmode: 'numeric', required: true,
    spellcheck: false, hint,
  });
  const verify = el('button', { type: 'submit', class: 'button', text: 'Verify' });
  const back = el('button', { type: 'button', class: 'button button-secondary', text: 'Back' });
  const form = el('form', { novalidate: true },
    code.wrapper,
    el('div', { class: 'actions' }, verify, back));
  const title = el('h1', { text: 'Two-step verification', tabIndex: -1 });
  box.append(title, alert, form);
  title.focus();
  code.input.focus();

  back.addEventListener('click', () => {
    clear(main);
    renderSignIn(main, ctx, { userName });
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    showError(alert, null);
    const value = code.input.value.replace(/\s+/g, '');
    if (!value) {
      showError(alert, new Error('Enter the verification code.'));
      code.input.focus();
      return;
    }
    busy(verify, true, 'Verifying…');
    try {
      const { body } = await api('POST', '/auth/login', { userName, password, code: value });
      await finish(ctx, body);
    } catch (err) {
      busy(verify, false);
      if (err instanceof ApiError && err.status === 401 && err.body && err.body.error === 'mfa_required') {
        showError(alert, new Error('Enter the verification code.'));
      } else {
        showError(alert, new Error(loginMessage(err)));
      }
      code.input.value = '';
      code.input.setAttribute('aria-invalid', 'true');
      code.input.focus();
    }
  });
}

function renderForgot(main) {
  const alert = alertBox();
  const status = statusBox();
  const login = field('User name or email', {
    type: 'text', name: 'username', autocomplete: 'username', required: true, spellcheck: false, autocapitalize: 'none',
    hint: 'We send a link to set a new password to the email address of your account.',
  });
  const submit = el('button', { type: 'submit', class: 'button', text: 'Send reset link' });
  const form = el('form', { novalidate: true }, login.wrapper, el('div', { class: 'actions' }, submit));
  card(main,
    el('h1', { text: 'Forgot password', tabIndex: -1 }),
    alert, status, form,
    el('p', { class: 'actions' }, el('a', { href: '#/sign-in', text: 'Back to sign in' })));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    showError(alert, null);
    const value = login.input.value.trim();
    if (!value) {
      showError(alert, new Error('Enter your user name or email address.'));
      login.input.focus();
      return;
    }
    busy(submit, true, 'Sending…');
    try {
      await api('POST', '/auth/password/forgot', { login: value });
      form.hidden = true;
      showStatus(status, 'If an account matches, a reset link is on its way to its email address. The link works once, for a limited time.');
    } catch (err) {
      busy(submit, false);
      showError(alert, err);
    }
  });
}

async function renderReset(main, ctx) {
  const alert = alertBox();
  const status = statusBox();
  const token = ctx.params.token || '';
  const next = field('New password', { type: 'password', name: 'new-password', autocomplete: 'new-password', required: true });
  const confirm = field('Confirm new password', { type: 'password', name: 'confirm-password', autocomplete: 'new-password', required: true });
  const submit = el('button', { type: 'submit', class: 'button', text: 'Set password' });
  const rulesHolder = el('div');
  const form = el('form', { novalidate: true }, next.wrapper, confirm.wrapper, rulesHolder, el('div', { class: 'actions' }, submit));
  const done = el('p', { hidden: true }, el('a', { href: '#/sign-in', text: 'Sign in' }));
  card(main, el('h1', { text: 'Choose a new password', tabIndex: -1 }), alert, status, form, done);

  const rules = await loadPasswordRules();
  if (!ctx.isCurrent()) return;
  const list = passwordRules(rules, next.input, { confirmInput: confirm.input });
  rulesHolder.appendChild(list);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    showError(alert, null);
    if (!list.allMet()) {
      showError(alert, new Error('The new password does not meet every rule yet: see the list under the fields.'));
      next.input.focus();
      return;
    }
    busy(submit, true, 'Saving…');
    try {
      await api('POST', '/auth/password/reset', {
        token, newPassword: next.input.value, confirmPassword: confirm.input.value,
      });
      form.hidden = true;
      done.hidden = false;
      showStatus(status, 'Your password was changed. You can sign in now.');
      done.querySelector('a').focus();
    } catch (err) {
      busy(submit, false);
      showError(alert, err);
    }
  });
}

export async function render(main, ctx) {
  if (ctx.view === 'forgot-password') return renderForgot(main, ctx);
  if (ctx.view === 'reset-password') return renderReset(main, ctx);
  return renderSignIn(main, ctx);
}
