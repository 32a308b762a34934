// The console's shell: hash router, session, navigation. Each page is a module in pages/ exporting
// render(main, ctx). The session (GET /auth/session) is re-read on every navigation, so a changed
// role or a deactivation shows at once.

import { api, ApiError, el, clear, getToken, clearToken, onUnauthorized, alertBox, showError } from './lib.js';

const ROUTES = [
  { pattern: '/sign-in', page: 'sign-in', view: 'sign-in', public: true, title: 'Sign in' },
  { pattern: '/forgot-password', page: 'sign-in', view: 'forgot-password', public: true, title: 'Forgot password' },
  { pattern: '/reset-password/:token', page: 'sign-in', view: 'reset-password', public: true, title: 'Choose a new password' },
  { pattern: '/invitation/:token', page: 'invitation', public: true, title: 'Accept your invitation' },
  { pattern: '/users', page: 'users', permission: 'readUsers', title: 'Users' },
  { pattern: '/users/:id', page: 'user', permission: 'readUsers', title: 'User' },
  { pattern: '/invite', page: 'invite', permission: 'inviteUsers', title: 'Invite users' },
  { pattern: '/groups', page: 'groups', permission: 'readGroups', title: 'Queues and groups' },
  { pattern: '/groups/:id', page: 'groups', permission: 'readGroups', title: 'Queues and groups' },
  { pattern: '/profile', page: 'profile', title: 'My Profile' },
  { pattern: '/security', page: 'security', title: 'Security' },
];

const NAV = [
  { label: 'Users', hash: '#/users', permission: 'readUsers', match: /^\/users(\/|$)/ },
  { label: 'Invite', hash: '#/invite', permission: 'inviteUsers', match: /^\/invite$/ },
  { label: 'Queues and groups', hash: '#/groups', permission: 'readGroups', match: /^\/groups(\/|$)/ },
  { label: 'My Profile', hash: '#/profile', match: /^\/profile$/ },
  { label: 'Security', hash: '#/security', match: /^\/security$/ },
];

const state = {
  session: null,
  navigation: 0,
};

const NEXT_KEY = 'scimgate.next';

function parseHash(hash) {
  let h = hash || '';
  if (h.startsWith('#')) h = h.slice(1);
  if (!h.startsWith('/')) h = `/${h}`;
  const q = h.indexOf('?');
  const path = q >= 0 ? h.slice(0, q) : h;
  const query = new URLSearchParams(q >= 0 ? h.slice(q + 1) : '');
  return { path: path.replace(/\/+$/, '') || '/', query };
}

function matchRoute(path) {
  const parts = path.split('/').filter(Boolean);
  for (const route of ROUTES) {
    const pp = route.pattern.split('/').filter(Boolean);
    if (pp.length !== parts.length) continue;
    const params = {};
    let ok = true;
    for (let i = 0; i < pp.length; i += 1) {
      if (pp[i].startsWith(':')) {
        try {
          params[pp[i].slice(1)] = decodeURIComponent(parts[i]);
        } catch {
          ok = false;
          break;
        }
      } else if (pp[i] !== parts[i]) {
        ok = false;
        break;
      }
    }
    if (ok) return { route, params };
  }
  return null;
}

function can(session, operation) {
  return Boolean(session && Array.isArray(session.permissions) && session.permissions.includes(operation));
}

export function defaultRoute(session) {
  if (session && session.mfaEnrollmentRequired) return '#/security';
  return can(session, 'readUsers') ? '#/users' : '#/profile';
}

function navigate(hash) {
  if (window.location.hash === hash) {
    route();
  } else {
    window.location.hash = hash;
  }
}

async function loadSession() {
  if (!getToken()) {
    state.session = null;
    return null;
  }
  try {
    const { body } = await api('GET', '/auth/session');
    state.session = body;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      clearToken();
      state.session = null;
    } else {
      throw err;
    }
  }
  return state.session;
}

function signOut() {
  // The tab forgets the token at once, and the gateway is told to end this person's sessions on
  // every instance (keepalive: the request outlives a page that is closed or navigated away).
  // When the gateway cannot be reached, the token still expires after auth.sessionSeconds.
  const token = getToken();
  if (token) {
    fetch('/auth/logout', {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` },
      credentials: 'same-origin',
      cache: 'no-store',
      keepalive: true,
    }).catch(() => {});
  }
  clearToken();
  state.session = null;
  try {
    sessionStorage.removeItem(NEXT_KEY);
  } catch {
    // nothing stored
  }
  navigate('#/sign-in');
}

function renderNav(session, path) {
  const nav = document.getElementById('nav');
  const who = document.getElementById('who');
  clear(nav);
  clear(who);
  if (!session) {
    nav.hidden = true;
    who.hidden = true;
    return;
  }
  nav.hidden = false;
  const list = el('ul', { class: 'nav-list' });
  for (const item of NAV) {
    if (session.mfaEnrollmentRequired && item.hash !== '#/security') continue;
    if (item.permission && !can(session, item.permission)) continue;
    const current = item.match.test(path);
    list.appendChild(el('li', {}, el('a', {
      href: item.hash,
      text: item.label,
      'aria-current': current ? 'page' : null,
      class: current ? 'current' : null,
    })));
  }
  list.appendChild(el('li', { class: 'nav-signout' },
    el('button', { type: 'button', class: 'button button-secondary', text: 'Sign out', onclick: signOut })));
  nav.appendChild(list);
  who.hidden = false;
  const name = session.displayName || session.userName || '';
  who.appendChild(el('span', { text: name }));
  if (session.role) who.appendChild(el('span', { class: 'badge', text: session.role }));
}

function focusHeading(main) {
  const h1 = main.querySelector('h1');
  if (!h1) return;
  if (!h1.hasAttribute('tabindex')) h1.tabIndex = -1;
  h1.focus({ preventScroll: false });
}

async function route() {
  state.navigation += 1;
  const ticket = state.navigation;
  const main = document.getElementById('main');
  const { path, query } = parseHash(window.location.hash);
  const matched = matchRoute(path);

  if (!matched) {
    if (getToken()) {
      let session = null;
      try {
        session = await loadSession();
      } catch {
        session = null;
      }
      if (ticket !== state.navigation) return;
      navigate(session ? defaultRoute(session) : '#/sign-in');
    } else {
      navigate('#/sign-in');
    }
    return;
  }

  const { route: r, params } = matched;
  let session = null;
  let sessionError = null;
  try {
    session = await loadSession();
  } catch (err) {
    sessionError = err;
  }
  if (ticket !== state.navigation) return;

  if (!r.public) {
    if (sessionError) {
      renderNav(null, path);
      clear(main);
      main.setAttribute('aria-busy', 'false');
      const box = alertBox();
      showError(box, sessionError);
      main.appendChild(el('h1', { text: r.title, tabIndex: -1 }));
      main.appendChild(box);
      main.appendChild(el('p', {}, el('button', { type: 'button', class: 'button', text: 'Try again', onclick: () => route() })));
      return;
    }
    if (!session) {
      try {
        sessionStorage.setItem(NEXT_KEY, `#${path}${query.toString() ? `?${query}` : ''}`);
      } catch {
        // no storage: land on the default page after signing in
      }
      navigate('#/sign-in');
      return;
    }
    if (session.mfaEnrollmentRequired && r.page !== 'security') {
      navigate('#/security');
      return;
    }
    if (r.permission && !can(session, r.permission)) {
      navigate(defaultRoute(session));
      return;
    }
  } else if (r.view === 'sign-in' && session) {
    navigate(defaultRoute(session));
    return;
  }

  renderNav(r.public ? null : session, path);
  document.title = `${r.title} · scimgate`;
  let module;
  try {
    module = await import(`./pages/${r.page}.js`);
  } catch (err) {
    if (ticket !== state.navigation) return;
    clear(main);
    main.setAttribute('aria-busy', 'false');
    const box = alertBox();
    main.appendChild(el('h1', { text: r.title, tabIndex: -1 }));
    main.appendChild(box);
    showError(box, new Error('This page could not be loaded: reload the console.'));
    console.warn(err);
    return;
  }
  if (ticket !== state.navigation) return;
  clear(main);
  const ctx = {
    params,
    query,
    view: r.view || null,
    session,
    navigate,
    can: (operation) => can(state.session, operation),
    refreshSession: async () => {
      const s = await loadSession();
      ctx.session = s;
      renderNav(r.public ? null : s, path);
      return s;
    },
    signedIn: (landing) => {
      // called by sign-in and invitation pages once a token is stored
      let next = null;
      try {
        next = sessionStorage.getItem(NEXT_KEY);
        sessionStorage.removeItem(NEXT_KEY);
      } catch {
        next = null;
      }
      return loadSession().then((s) => navigate(landing || (s && !s.mfaEnrollmentRequired && next) || defaultRoute(s)));
    },
    isCurrent: () => ticket === state.navigation,
  };
  // Busy while the page fetches what it shows: assistive technology (and the browser tests)
  // wait for the finished page.
  main.setAttribute('aria-busy', 'true');
  try {
    await module.render(main, ctx);
  } catch (err) {
    if (ticket !== state.navigation) return;
    const box = alertBox();
    main.appendChild(box);
    showError(box, err instanceof ApiError ? err : new Error('Something went wrong on this page: reload and try again.'));
    if (!(err instanceof ApiError)) console.warn(err);
  }
  if (ticket === state.navigation) {
    main.setAttribute('aria-busy', 'false');
    const skipFocus = main.dataset.keepFocus === 'true';
    delete main.dataset.keepFocus;
    if (!skipFocus) focusHeading(main);
  }
}

onUnauthorized(() => {
  clearToken();
  state.session = null;
  const { path } = parseHash(window.location.hash);
  const matched = matchRoute(path);
  if (!matched || !matched.route.public) {
    try {
      sessionStorage.setItem(NEXT_KEY, window.location.hash);
    } catch {
      // ignore
    }
    // Show the message on the sign-in page.
    try {
      sessionStorage.setItem('scimgate.notice', 'Your session has ended: sign in again.');
    } catch {
      // ignore
    }
    navigate('#/sign-in');
  }
});

// The skip link would change the hash (and so the route): move focus instead.
document.addEventListener('click', (event) => {
  const link = event.target instanceof Element ? event.target.closest('a.skip-link') : null;
  if (!link) return;
  event.preventDefault();
  const main = document.getElementById('main');
  const h1 = main.querySelector('h1');
  (h1 || main).focus();
});

window.addEventListener('hashchange', () => {
  route();
});

if (!window.location.hash || window.location.hash === '#' || window.location.hash === '#/') {
  window.location.replace(`${window.location.pathname}${window.location.search}#${getToken() ? '/users' : '/sign-in'}`);
}
route();
