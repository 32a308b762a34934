// Shared helpers for the console's pages: the API client, DOM building, form fields, messages,
// the confirmation dialog, the password-rules checklist and the copy button.
// No innerHTML anywhere: every node is built with createElement and textContent.

export const SCIM_USER_EXT = 'urn:scimgate:params:scim:schemas:extension:2.0:User';
export const SCIM_GROUP_EXT = 'urn:scimgate:params:scim:schemas:extension:2.0:Group';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const TOKEN_KEY = 'scimgate.token';

// ---- session token (sessionStorage: gone when the tab closes) ----

export function getToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function setToken(token) {
  try {
    sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    // storage refused (private mode with quota 0): the session lasts this page only
  }
}

export function clearToken() {
  try {
    sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // nothing to clear
  }
}

export const session = { getToken, setToken, clearToken };

// ---- API ----

/** An API answer outside 2xx, with a message a person can act on. */
export class ApiError extends Error {
  constructor(message, { status = 0, scimType = null, retryAfter = null, body = null } = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.scimType = scimType;
    this.retryAfter = retryAfter;
    this.body = body;
  }
}

// Listeners told when a signed-in request answers 401 (app.js sends the person to #/sign-in).
const unauthorizedListeners = new Set();
export function onUnauthorized(listener) {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

function plural(n, one, many) {
  return n === 1 ? one : many;
}

function secondsText(n) {
  return `${n} ${plural(n, 'second', 'seconds')}`;
}

function parseRetryAfter(headers, body) {
  const header = headers && headers.get('Retry-After');
  if (header && /^\d+$/.test(header.trim())) return Number(header.trim());
  if (body && typeof body === 'object') {
    const v = body.retryAfter ?? body.retry_after;
    if (v !== undefined && v !== null && /^\d+$/.test(String(v))) return Number(v);
  }
  return null;
}

const LOGIN_ERRORS = {
  invalid_credentials: 'The user name, password or code is wrong, or the account is locked.',
  mfa_required: 'Enter the verification code.',
  invalid_request: 'The request was incomplete: fill in every field.',
};

// The gateway's details are lower-case phrases ("the current password is wrong"): shown as a
// sentence.
export function sentence(text) {
  const t = String(text || '').trim();
  if (!t) return '';
  const first = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}

function detailOf(body) {
  if (!body || typeof body !== 'object') return '';
  if (typeof body.detail === 'string' && body.detail) return sentence(body.detail);
  if (typeof body.error_description === 'string' && body.error_description) return body.error_description;
  if (typeof body.message === 'string' && body.message) return body.message;
  if (typeof body.error === 'string' && LOGIN_ERRORS[body.error]) return LOGIN_ERRORS[body.error];
  return '';
}

function messageFor(status, body, retryAfter, signedIn) {
  const detail = detailOf(body);
  if (status === 429) {
    return retryAfter !== null
      ? `Too many attempts: try again in ${secondsText(retryAfter)}.`
      : 'Too many attempts: wait a few minutes and try again.';
  }
  if (status === 401) {
    if (body && typeof body === 'object' && body.error && LOGIN_ERRORS[body.error]) return LOGIN_ERRORS[body.error];
    if (signedIn) return 'Your session has ended: sign in again.';
    return detail || 'The user name, password or code is wrong, or the account is locked.';
  }
  if (status === 403) {
    const why = detail ? detail.charAt(0).toLowerCase() + detail.slice(1) : 'your role does not permit it.';
    return `You are not allowed to do this: ${why}`;
  }
  if (status === 404) return detail || 'Not found: it may have been deleted or you may not see it.';
  if (status === 409) return detail || 'It was changed by someone else: reload and try again.';
  if (status === 412) return 'It was changed by someone else since you opened it: reload and try again.';
  if (status === 503) return detail || 'The directory is not available right now: try again in a moment.';
  if (status >= 500) return detail || `The gateway failed (${status}): try again, and tell an administrator if it keeps failing.`;
  return detail || `The request was refused (${status}).`;
}

function isScimPath(path) {
  return path.startsWith('/scim/v2/') || path === '/scim/v2';
}

/**
 * Calls the gateway. Resolves {status, body, etag, headers} on 2xx, throws ApiError otherwise.
 * path is absolute on the gateway ("/scim/v2/Users?..." or "/auth/login").
 */
export async function api(method, path, body, { headers = {} } = {}) {
  const token = getToken();
  const h = new Headers();
  h.set('Accept', isScimPath(path) ? 'application/scim+json, application/json' : 'application/json');
  if (body !== undefined && body !== null) {
    h.set('Content-Type', isScimPath(path) ? 'application/scim+json' : 'application/json');
  }
  if (token) h.set('Authorization', `Bearer ${token}`);
  for (const [k, v] of Object.entries(headers)) h.set(k, v);

  let response;
  try {
    response = await fetch(path, {
      method,
      headers: h,
      body: body !== undefined && body !== null ? JSON.stringify(body) : undefined,
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError('The gateway cannot be reached: check your connection.', { status: 0 });
  }

  let parsed = null;
  const text = await response.text().catch(() => '');
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
  }

  if (response.ok) {
    return { status: response.status, body: parsed, etag: response.headers.get('ETag'), headers: response.headers };
  }

  const retryAfter = parseRetryAfter(response.headers, parsed);
  const signedIn = Boolean(token) && !path.startsWith('/auth/login');
  const err = new ApiError(messageFor(response.status, parsed, retryAfter, signedIn), {
    status: response.status,
    scimType: parsed && typeof parsed === 'object' ? parsed.scimType ?? null : null,
    retryAfter,
    body: parsed,
  });
  if (response.status === 401 && signedIn) {
    for (const listener of unauthorizedListeners) {
      try {
        listener(err);
      } catch {
        // a listener's failure must not hide the error
      }
    }
  }
  throw err;
}

// ---- DOM ----

const BOOL_PROPS = new Set(['hidden', 'disabled', 'checked', 'required', 'readonly', 'multiple', 'selected', 'open']);
const DIRECT_PROPS = new Set(['value', 'id', 'type', 'name', 'href', 'src', 'alt', 'placeholder',
  'autocomplete', 'inputmode', 'pattern', 'min', 'max', 'step', 'rows', 'cols', 'maxLength', 'minLength',
  'tabIndex', 'title', 'spellcheck', 'list', 'lang', 'scope', 'colSpan', 'rowSpan']);

function appendChildren(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) appendChildren(node, child);
    else if (child instanceof Node) node.appendChild(child);
    else node.appendChild(document.createTextNode(String(child)));
  }
}

/** createElement with props and children (nodes, strings, arrays, null). */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null) continue;
    if (key === 'class' || key === 'className') {
      node.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : String(value);
    } else if (key === 'text') {
      node.textContent = String(value);
    } else if (key === 'for' || key === 'htmlFor') {
      node.htmlFor = String(value);
    } else if (key.startsWith('on') && typeof value === 'function') {
      node.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === 'style') {
      // CSP forbids style attributes in markup; set properties from an object instead
      if (typeof value === 'object') Object.assign(node.style, value);
    } else if (BOOL_PROPS.has(key)) {
      if (key === 'readonly') node.readOnly = Boolean(value);
      else node[key] = Boolean(value);
    } else if (key === 'value' && (tag === 'input' || tag === 'textarea' || tag === 'select')) {
      node.value = String(value);
    } else if (key.startsWith('aria-') || key.startsWith('data-') || key === 'role') {
      node.setAttribute(key, String(value));
    } else if (DIRECT_PROPS.has(key)) {
      if (key === 'list' || key === 'inputmode' || key === 'autocomplete' || key === 'scope') node.setAttribute(key, String(value));
      else node[key] = value;
    } else {
      node.setAttribute(key, String(value));
    }
  }
  appendChildren(node, children);
  return node;
}

let idCounter = 0;
/** A unique element id with a readable prefix. */
export function uid(prefix = 'f') {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

/**
 * A visible label and its control, associated by id. inputProps may hold `tag` ('input',
 * 'textarea', 'select'), `hint` (text linked by aria-describedby) and `options` for a select
 * ([{value, label}] or strings). Returns {wrapper, input, hint}.
 */
export function field(label, inputProps = {}) {
  const { tag = 'input', hint, options, ...props } = inputProps;
  const id = props.id || uid('field');
  const input = el(tag, { ...props, id });
  if (tag === 'select' && Array.isArray(options)) {
    for (const option of options) {
      const o = typeof option === 'string' ? { value: option, label: option } : option;
      input.appendChild(el('option', { value: o.value, text: o.label ?? o.value, selected: o.selected }));
    }
    if (props.value !== undefined) input.value = String(props.value);
  }
  const labelEl = el('label', { for: id, text: label });
  let hintEl = null;
  if (hint) {
    hintEl = el('p', { class: 'hint', id: `${id}-hint`, text: hint });
    input.setAttribute('aria-describedby', hintEl.id);
  }
  const wrapper = el('div', { class: 'field' }, labelEl, input, hintEl);
  return { wrapper, input, hint: hintEl, label: labelEl };
}

/** An empty role=alert box for errors (hidden until it has text). */
export function alertBox() {
  return el('div', { class: 'message message-error', role: 'alert' });
}

/** An empty role=status box for success messages. */
export function statusBox() {
  return el('div', { class: 'message message-ok', role: 'status' });
}

/** Puts err's message (an ApiError's, or any Error's) into box; null clears it. */
export function showError(box, err) {
  if (!box) return;
  if (!err) {
    box.textContent = '';
    return;
  }
  const text = err instanceof ApiError || (err && typeof err.message === 'string' && err.message)
    ? err.message
    : String(err);
  box.textContent = text;
}

/** Puts text into a status box (or clears it). */
export function showStatus(box, text) {
  if (box) box.textContent = text || '';
}

/** Empties a node. */
export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

// ---- confirmation dialog ----

/** A modal <dialog> asking yes/no; resolves true only on the confirm button. */
export function confirmDialog({ title, message, confirmLabel = 'OK', cancelLabel = 'Cancel', danger = false }) {
  return new Promise((resolve) => {
    const titleId = uid('dialog-title');
    const messageId = uid('dialog-message');
    const opener = document.activeElement;
    const cancel = el('button', { type: 'button', class: 'button button-secondary', text: cancelLabel });
    const confirm = el('button', {
      type: 'button',
      class: danger ? 'button button-danger' : 'button',
      text: confirmLabel,
    });
    const body = Array.isArray(message)
      ? el('div', { id: messageId }, message.map((m) => el('p', { text: m })))
      : el('p', { id: messageId, text: message || '' });
    const dialog = el('dialog', { class: 'dialog', 'aria-labelledby': titleId, 'aria-describedby': messageId },
      el('h2', { id: titleId, text: title }),
      body,
      el('div', { class: 'actions' }, cancel, confirm));
    let settled = false;
    const finish = (value) => {
      if (settled) return;
      settled = true;
      if (dialog.open) dialog.close();
      dialog.remove();
      if (opener && typeof opener.focus === 'function' && document.contains(opener)) opener.focus();
      resolve(value);
    };
    cancel.addEventListener('click', () => finish(false));
    confirm.addEventListener('click', () => finish(true));
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      finish(false);
    });
    dialog.addEventListener('close', () => finish(false));
    document.body.appendChild(dialog);
    dialog.showModal();
    cancel.focus();
  });
}

// ---- password rules ----

// The same parts the gateway refuses (policy/password_policy.cpp): the whole userName, its local
// part and that part's tokens, and the given, family and display names and their tokens; parts
// shorter than 3 characters are ignored.
function nameParts(userName, names = []) {
  const parts = [];
  const addWhole = (part) => {
    if (part && [...part].length >= 3) parts.push(part.toLowerCase());
  };
  const addTokens = (text) => {
    for (const token of String(text || '').split(/[ \t\-.,_#@]/)) addWhole(token);
  };
  const u = String(userName || '');
  addWhole(u);
  const local = u.split('@')[0];
  addWhole(local);
  addTokens(local);
  for (const name of names) {
    addWhole(String(name || ''));
    addTokens(name);
  }
  return parts;
}

/**
 * A live checklist of password rules under a password input. Each <li> has data-met="true|false"
 * and the rule's text. rules: {minLength, maxLength, requireLower, requireUpper, requireDigit,
 * requireSpecial, rejectUserNameParts}. The returned list has .allMet() to ask before submitting.
 */
export function passwordRules(rules, passwordInput, { userName = '', names = [], confirmInput = null } = {}) {
  const r = rules || {};
  const checks = [];
  const minLength = Number(r.minLength) || 0;
  const maxLength = Number(r.maxLength) || 0;
  if (minLength > 0) checks.push({ text: `At least ${minLength} characters`, test: (p) => [...p].length >= minLength });
  // Shown only when broken: a rule that is met from the start only adds noise.
  if (maxLength > 0) checks.push({ text: `At most ${maxLength} characters`, test: (p) => [...p].length <= maxLength, quiet: true });
  // As the gateway counts them: ASCII letters and digits; anything else is special.
  if (r.requireLower) checks.push({ text: 'A lower-case letter', test: (p) => /[a-z]/.test(p) });
  if (r.requireUpper) checks.push({ text: 'An upper-case letter', test: (p) => /[A-Z]/.test(p) });
  if (r.requireDigit) checks.push({ text: 'A digit', test: (p) => /[0-9]/.test(p) });
  if (r.requireSpecial) checks.push({ text: 'A special character such as ! or #', test: (p) => /[^A-Za-z0-9]/.test(p) });
  const currentNames = () => (typeof names === 'function' ? names() : names) || [];
  if (r.rejectUserNameParts && (userName || currentNames().length)) {
    checks.push({
      text: 'Does not contain your user name',
      test: (p) => {
        const parts = nameParts(userName, currentNames());
        return p.length > 0 && !parts.some((part) => p.toLowerCase().includes(part));
      },
    });
  }
  if (confirmInput) {
    checks.push({ text: 'Both passwords match', test: (p) => p.length > 0 && p === confirmInput.value });
  }

  const list = el('ul', { class: 'rules', 'aria-label': 'Password rules' });
  const items = checks.map((check) => {
    const mark = el('span', { class: 'rule-mark', 'aria-hidden': 'true' });
    const state = el('span', { class: 'visually-hidden' });
    const li = el('li', { 'data-met': 'false' }, mark, el('span', { text: check.text }), state);
    list.appendChild(li);
    return { check, li, state };
  });

  const update = () => {
    const p = passwordInput.value || '';
    for (const { check, li, state } of items) {
      const met = Boolean(check.test(p));
      li.dataset.met = met ? 'true' : 'false';
      if (check.quiet) li.hidden = met;
      state.textContent = met ? ' (met)' : ' (not met)';
    }
  };
  passwordInput.addEventListener('input', update);
  if (confirmInput) confirmInput.addEventListener('input', update);
  update();
  list.allMet = () => {
    update();
    return items.every(({ li }) => li.dataset.met === 'true');
  };
  list.update = update;
  if (list.id === '') list.id = uid('rules');
  const described = [passwordInput.getAttribute('aria-describedby'), list.id].filter(Boolean).join(' ');
  passwordInput.setAttribute('aria-describedby', described);
  return list;
}

/** Reads the password rules (public endpoint); falls back to the documented defaults. */
export async function loadPasswordRules() {
  try {
    const { body } = await api('GET', '/auth/password/rules');
    if (body && typeof body === 'object') return body;
  } catch {
    // fall through to defaults
  }
  return { minLength: 10, maxLength: 256, requireLower: true, requireUpper: true, requireDigit: true, requireSpecial: true, rejectUserNameParts: true };
}

// ---- copy button ----

/** A button that copies text and announces "Copied" in a status element next to it. */
export function copyButton(text, label = 'Copy') {
  const status = el('span', { class: 'copy-status', role: 'status' });
  const button = el('button', { type: 'button', class: 'button button-secondary', text: label });
  button.addEventListener('click', async () => {
    const value = typeof text === 'function' ? text() : text;
    let ok = false;
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(value);
        ok = true;
      }
    } catch {
      ok = false;
    }
    if (!ok) {
      const area = el('textarea', { class: 'visually-hidden', 'aria-hidden': 'true', tabIndex: -1 });
      area.value = value;
      document.body.appendChild(area);
      area.select();
      try {
        ok = document.execCommand('copy');
      } catch {
        ok = false;
      }
      area.remove();
      button.focus();
    }
    status.textContent = ok ? 'Copied' : 'Copying failed: select the text and copy it yourself.';
    setTimeout(() => {
      status.textContent = '';
    }, 4000);
  });
  return el('span', { class: 'copy' }, button, status);
}

// ---- small helpers pages share ----

/** A page heading; moves focus to it so screen readers hear the new page. */
export function pageTitle(text) {
  const h1 = el('h1', { text, tabIndex: -1 });
  return h1;
}

/** A page that could not load what it shows: its heading, the error in words, a link back. */
export function showPageError(main, title, err, backHref, backText) {
  const alert = alertBox();
  main.append(pageTitle(title), alert, el('p', {}, el('a', { href: backHref, text: backText })));
  showError(alert, err);
}

/** userName, displayName or given + family name, whichever is there. */
export function displayNameOf(user) {
  if (!user) return '';
  if (user.displayName) return user.displayName;
  const n = user.name || {};
  const full = [n.givenName, n.familyName].filter(Boolean).join(' ');
  return full || n.formatted || user.userName || '';
}

/** The primary (or first) email of a SCIM user. */
export function primaryEmail(user) {
  const emails = (user && user.emails) || [];
  const primary = emails.find((e) => e.primary) || emails[0];
  return primary ? primary.value : '';
}

/** Builds a query string from an object (skips empty values). */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Quotes a value for a SCIM filter string. */
export function scimString(value) {
  return `"${String(value).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** A count as people read it (1,234). */
export function numberText(n) {
  return Number(n).toLocaleString('en-US');
}

/**
 * Paging for a list: buttons "Previous page" and "Next page" around a "Showing 1–25 of N" text,
 * in a <nav aria-label={label}>. A press calls onPage(newPage), which loads that page and then
 * calls show(). Returns {nav, show(page, total, count, emptyText), hide()}: show draws page `page`
 * of `total` items with `count` on it (emptyText when total is 0); hide empties it after an error.
 */
export function pager(label, pageSize, onPage) {
  const prev = el('button', { type: 'button', class: 'button button-secondary', text: 'Previous page' });
  const next = el('button', { type: 'button', class: 'button button-secondary', text: 'Next page' });
  const showing = el('p', { class: 'muted', 'aria-live': 'polite' });
  const nav = el('nav', { class: 'toolbar', 'aria-label': label }, prev, showing, next);
  const at = { page: 1, total: 0 };
  prev.addEventListener('click', () => {
    if (at.page > 1) onPage(at.page - 1);
  });
  next.addEventListener('click', () => {
    if (at.page * pageSize < at.total) onPage(at.page + 1);
  });
  const show = (page, total, count, emptyText = 'Showing 0 of 0') => {
    at.page = page;
    at.total = total;
    const first = (page - 1) * pageSize + 1;
    const last = Math.min(total, (page - 1) * pageSize + count);
    showing.textContent = total
      ? `Showing ${numberText(first)}–${numberText(last)} of ${numberText(total)}`
      : emptyText;
    prev.disabled = page <= 1;
    next.disabled = page * pageSize >= total;
    prev.hidden = next.hidden = total <= pageSize && page === 1;
  };
  const hide = () => {
    at.total = 0;
    showing.textContent = '';
    prev.hidden = next.hidden = true;
  };
  return { nav, show, hide };
}

// ---- invitations (the Invite page and one user's page) ----

/** Mails a Pending user a new invitation; throws when the gateway did not send it. */
export async function resendInvitation(userId, label) {
  const { body } = await api('POST', '/invitations/resend', { userId });
  const r = body && body.invitations && body.invitations[0];
  if (r && r.invited === false) throw new Error(`The invitation to ${label} was not sent: ${r.detail}`);
}

/** The confirmDialog options for revoking the invitation of `name`. */
export function revokeConfirmation(name) {
  return {
    title: `Revoke the invitation of ${name}?`,
    message: 'The links already sent stop working. The user stays Pending until you delete them or invite them again.',
    confirmLabel: 'Revoke',
    danger: true,
  };
}
