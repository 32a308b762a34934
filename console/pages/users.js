// Users (User Management): one page of users at a time, searched, filtered, sorted and paged by
// the gateway (SCIM filter, sortBy, startIndex, count: the directory does the work, so 100,000
// users cost what 25 do), as a table or as cards, with bulk delete.

import {
  api, el, field, alertBox, statusBox, showError, showStatus, clear, confirmDialog, pageTitle,
  displayNameOf, primaryEmail, scimString, pager, SCIM_USER_EXT,
} from '../lib.js';

export const PAGE_SIZE = 25;

const STATUS_OPTIONS = [
  { value: '', label: 'All' },
  { value: 'active', label: 'Active' },
  { value: 'inactive', label: 'Inactive' },
  { value: 'pending', label: 'Pending' },
];
const ROLE_OPTIONS = [
  { value: '', label: 'All roles' },
  { value: 'Administrator', label: 'Administrator' },
  { value: 'Manager', label: 'Manager' },
  { value: 'Agent', label: 'Agent' },
  { value: 'Viewer', label: 'Viewer' },
];
// sortBy and sortOrder per choice (the directory sorts; see console-api notes).
const SORTS = {
  name: { label: 'Name', sortBy: 'name.familyName', sortOrder: 'ascending' },
  given: { label: 'First name', sortBy: 'name.givenName', sortOrder: 'ascending' },
  userName: { label: 'User name', sortBy: 'userName', sortOrder: 'ascending' },
  email: { label: 'Email', sortBy: 'emails.value', sortOrder: 'ascending' },
  modified: { label: 'Last modified', sortBy: 'meta.lastModified', sortOrder: 'descending' },
};
const ATTRIBUTES = ['userName', 'name', 'displayName', 'emails', 'roles', 'active',
  `${SCIM_USER_EXT}:status`, `${SCIM_USER_EXT}:queues`].join(',');
const VIEW_KEY = 'scimgate.usersView';

/** The status of a SCIM user as a word: Active, Inactive or Pending. */
export function statusOf(user) {
  const ext = (user && user[SCIM_USER_EXT]) || {};
  const s = String(ext.status || (user && user.active === false ? 'inactive' : 'active')).toLowerCase();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Roles from the lowest to the highest: a person's role is the highest role group they are in. */
export const ROLE_ORDER = ['Viewer', 'Agent', 'Manager', 'Administrator'];

/** The role of a SCIM user (the highest role group; none = Viewer), as the gateway decides it. */
export function roleOf(user) {
  const names = ((user && user.roles) || []).map((r) => r.value || r.display).filter(Boolean);
  let best = 0;
  for (const name of names) {
    const rank = ROLE_ORDER.findIndex((r) => r.toLowerCase() === String(name).toLowerCase());
    if (rank > best) best = rank;
  }
  return ROLE_ORDER[best];
}

/**
 * The SCIM filter for users whose role (the highest role group) is `role`: in that role group and in
 * none above it; Viewer also matches people in no role group at all.
 */
export function roleFilter(role) {
  const rank = ROLE_ORDER.indexOf(role);
  const above = ROLE_ORDER.slice(rank + 1).map((r) => `roles.value eq ${scimString(r)}`);
  const notAbove = above.length ? `not (${above.join(' or ')})` : '';
  if (rank <= 0) return notAbove;
  const member = `roles.value eq ${scimString(role)}`;
  return notAbove ? `(${member} and ${notAbove})` : member;
}

export function queuesOf(user) {
  const ext = (user && user[SCIM_USER_EXT]) || {};
  return (ext.queues || []).map((q) => q.display || q.value).filter(Boolean);
}

/**
 * The SCIM filter for a search text: userName, given name, family name or email, containing the
 * text ("Ana Smith": given name starting "Ana" and family name starting "Smith" too).
 */
export function searchFilter(text) {
  const t = String(text || '').trim();
  if (!t) return '';
  const v = scimString(t);
  const parts = [`userName co ${v}`, `name.givenName co ${v}`, `name.familyName co ${v}`, `emails.value co ${v}`];
  const words = t.split(/\s+/);
  if (words.length === 2) {
    parts.push(`(name.givenName sw ${scimString(words[0])} and name.familyName sw ${scimString(words[1])})`);
  }
  return parts.join(' or ');
}

function listFilter({ q, status, role }) {
  const clauses = [];
  const s = searchFilter(q);
  if (s) clauses.push(`(${s})`);
  if (status) clauses.push(`${SCIM_USER_EXT}:status eq ${scimString(status)}`);
  if (role) clauses.push(roleFilter(role));
  return clauses.join(' and ');
}

export async function render(main, ctx) {
  const q0 = ctx.query;
  const statusParam = (q0.get('status') || q0.get('filter') || '').toLowerCase();
  const state = {
    q: q0.get('q') || '',
    status: STATUS_OPTIONS.some((o) => o.value === statusParam) ? statusParam : '',
    role: ROLE_OPTIONS.some((o) => o.value === q0.get('role')) ? q0.get('role') : '',
    sort: SORTS[q0.get('sort')] ? q0.get('sort') : 'name',
    page: Math.max(1, parseInt(q0.get('page') || '1', 10) || 1),
    view: null,
    total: 0,
    users: [],
    selected: new Map(), // id -> userName, kept across pages until the filters change
  };
  let stored = null;
  try {
    stored = sessionStorage.getItem(VIEW_KEY);
  } catch {
    stored = null;
  }
  state.view = stored === 'table' || stored === 'cards' ? stored : (window.innerWidth < 600 ? 'cards' : 'table');

  const canDelete = ctx.can('deleteUsers');
  const alert = alertBox();
  const status = statusBox();

  const search = field('Search by name or email', {
    type: 'search', value: state.q, autocomplete: 'off', spellcheck: false,
  });
  const statusSelect = field('Status', { tag: 'select', options: STATUS_OPTIONS, value: state.status });
  const roleSelect = field('Role', { tag: 'select', options: ROLE_OPTIONS, value: state.role });
  const sortSelect = field('Sort by', {
    tag: 'select',
    options: Object.entries(SORTS).map(([value, s]) => ({ value, label: s.label })),
    value: state.sort,
  });
  const tableButton = el('button', { type: 'button', class: 'button button-secondary', text: 'Table view' });
  const cardButton = el('button', { type: 'button', class: 'button button-secondary', text: 'Card view' });
  const viewGroup = el('div', { class: 'actions', role: 'group', 'aria-label': 'Layout' }, tableButton, cardButton);

  const deleteButton = canDelete
    ? el('button', { type: 'button', class: 'button button-danger', text: 'Delete selected', disabled: true })
    : null;
  const selectedText = el('span', { class: 'muted', 'aria-live': 'polite' });
  const results = el('div', { class: 'results', 'aria-busy': 'false' });
  const pages = pager('Pages', PAGE_SIZE, (page) => {
    state.page = page;
    load();
  });

  const inviteLink = ctx.can('inviteUsers') ? el('a', { href: '#/invite', class: 'button', text: 'Invite users' }) : null;

  main.appendChild(pageTitle('Users'));
  main.appendChild(el('form', {
    class: 'toolbar',
    role: 'search',
    'aria-label': 'Find users',
    onsubmit: (event) => {
      event.preventDefault();
      state.q = search.input.value;
      state.page = 1;
      state.selected.clear();
      load();
    },
  }, search.wrapper, statusSelect.wrapper, roleSelect.wrapper, sortSelect.wrapper, viewGroup));
  main.appendChild(alert);
  main.appendChild(status);
  main.appendChild(el('div', { class: 'toolbar' }, deleteButton, selectedText, inviteLink));
  main.appendChild(results);
  main.appendChild(pages.nav);

  // --- state <-> URL (replaceState: no hashchange, so no re-render) ---
  const writeUrl = () => {
    // A page the person has already left must not put its address back.
    if (!ctx.isCurrent()) return;
    const p = new URLSearchParams();
    if (state.q) p.set('q', state.q);
    if (state.status) p.set('status', state.status);
    if (state.role) p.set('role', state.role);
    if (state.sort !== 'name') p.set('sort', state.sort);
    if (state.page > 1) p.set('page', String(state.page));
    const qs = p.toString();
    const hash = `#/users${qs ? `?${qs}` : ''}`;
    if (window.location.hash !== hash) history.replaceState(null, '', hash);
  };

  const updateSelection = () => {
    const n = state.selected.size;
    if (deleteButton) deleteButton.disabled = n === 0;
    selectedText.textContent = n ? `${n} selected` : '';
  };

  const checkboxFor = (user) => {
    const id = `select-${user.id}`;
    const box = el('input', {
      type: 'checkbox',
      id,
      checked: state.selected.has(user.id),
      onchange: () => {
        if (box.checked) state.selected.set(user.id, user.userName);
        else state.selected.delete(user.id);
        updateSelection();
        syncAll();
      },
    });
    const label = el('label', { for: id, class: 'visually-hidden', text: `Select ${user.userName}` });
    return [box, label];
  };

  let allBox = null;
  const syncAll = () => {
    if (!allBox) return;
    const ids = state.users.map((u) => u.id);
    const n = ids.filter((id) => state.selected.has(id)).length;
    allBox.checked = n > 0 && n === ids.length;
    allBox.indeterminate = n > 0 && n < ids.length;
  };

  // The userName under the name, unless the name shown is the userName.
  const otherName = (user) => ((displayNameOf(user) || user.userName) === user.userName
    ? null : el('div', { class: 'muted', text: user.userName }));
  const nameLink = (user) => el('a', { href: `#/users/${encodeURIComponent(user.id)}`, text: displayNameOf(user) || user.userName });

  const renderTable = () => {
    const headRow = el('tr', {});
    if (canDelete) {
      allBox = el('input', {
        type: 'checkbox',
        id: 'select-all',
        onchange: () => {
          for (const u of state.users) {
            if (allBox.checked) state.selected.set(u.id, u.userName);
            else state.selected.delete(u.id);
          }
          for (const b of results.querySelectorAll('tbody input[type=checkbox]')) b.checked = allBox.checked;
          updateSelection();
        },
      });
      headRow.appendChild(el('th', { scope: 'col' }, allBox,
        el('label', { for: 'select-all', class: 'visually-hidden', text: 'Select all users on this page' })));
    }
    for (const h of ['Name', 'Email', 'Role', 'Status', 'Queues']) headRow.appendChild(el('th', { scope: 'col', text: h }));
    const body = el('tbody', {});
    for (const user of state.users) {
      const row = el('tr', {});
      if (canDelete) row.appendChild(el('td', {}, checkboxFor(user)));
      row.appendChild(el('td', {}, nameLink(user), otherName(user)));
      row.appendChild(el('td', { text: primaryEmail(user) }));
      row.appendChild(el('td', { text: roleOf(user) }));
      row.appendChild(el('td', { text: statusOf(user) }));
      row.appendChild(el('td', { text: queuesOf(user).join(', ') }));
      body.appendChild(row);
    }
    results.appendChild(el('table', { class: 'users responsive' }, el('caption', { text: 'Users' }), el('thead', {}, headRow), body));
    syncAll();
  };

  const renderCards = () => {
    allBox = null;
    const list = el('ul', { class: 'cards', 'aria-label': 'Users' });
    for (const user of state.users) {
      const queues = queuesOf(user);
      list.appendChild(el('li', {},
        el('div', { class: 'card-head' }, canDelete ? checkboxFor(user) : null, ' ', nameLink(user)),
        otherName(user),
        el('div', { text: primaryEmail(user), style: { overflowWrap: 'anywhere' } }),
        el('div', { text: `${roleOf(user)} · ${statusOf(user)}` }),
        queues.length ? el('div', { class: 'muted', text: `Queues: ${queues.join(', ')}` }) : null));
    }
    results.appendChild(list);
  };

  const renderResults = () => {
    clear(results);
    for (const [button, view] of [[tableButton, 'table'], [cardButton, 'cards']]) {
      button.setAttribute('aria-pressed', String(state.view === view));
      button.className = state.view === view ? 'button' : 'button button-secondary';
    }
    if (!state.users.length) {
      const filtered = state.q || state.status || state.role;
      results.appendChild(el('p', { text: filtered ? 'No users match: change the search or the filters.' : 'There are no users yet.' }));
    } else if (state.view === 'table') {
      renderTable();
    } else {
      renderCards();
    }
    pages.show(state.page, state.total, state.users.length);
    updateSelection();
  };

  let ticket = 0;
  async function load() {
    ticket += 1;
    const mine = ticket;
    writeUrl();
    showError(alert, null);
    results.setAttribute('aria-busy', 'true');
    const sort = SORTS[state.sort];
    const params = new URLSearchParams();
    params.set('startIndex', String((state.page - 1) * PAGE_SIZE + 1));
    params.set('count', String(PAGE_SIZE));
    params.set('sortBy', sort.sortBy);
    params.set('sortOrder', sort.sortOrder);
    const filter = listFilter(state);
    if (filter) params.set('filter', filter);
    params.set('attributes', ATTRIBUTES);
    try {
      const { body } = await api('GET', `/scim/v2/Users?${params}`);
      if (mine !== ticket || !ctx.isCurrent()) return;
      state.users = (body && body.Resources) || [];
      state.total = Number((body && body.totalResults) || 0);
      if (!state.users.length && state.total > 0 && state.page > 1) {
        // Past the end (users were deleted): go to the last page.
        state.page = Math.max(1, Math.ceil(state.total / PAGE_SIZE));
        load();
        return;
      }
      renderResults();
    } catch (err) {
      if (mine !== ticket) return;
      if (err.scimType === 'tooMany') {
        showError(alert, new Error('Too many users match these filters to list them in order: '
          + `type a search text as well, or choose another filter. (The gateway said: ${err.message})`));
      } else {
        showError(alert, err);
      }
      state.users = [];
      state.total = 0;
      clear(results);
      pages.hide();
      updateSelection();
    } finally {
      if (mine === ticket) results.setAttribute('aria-busy', 'false');
    }
  }

  // --- controls ---
  let debounce = null;
  search.input.addEventListener('input', () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => {
      if (search.input.value === state.q) return;
      state.q = search.input.value;
      state.page = 1;
      state.selected.clear();
      load();
    }, 350);
  });
  const onFilter = () => {
    state.status = statusSelect.input.value;
    state.role = roleSelect.input.value;
    state.sort = sortSelect.input.value;
    state.page = 1;
    state.selected.clear();
    load();
  };
  statusSelect.input.addEventListener('change', onFilter);
  roleSelect.input.addEventListener('change', onFilter);
  sortSelect.input.addEventListener('change', onFilter);
  const setView = (view) => {
    state.view = view;
    try {
      sessionStorage.setItem(VIEW_KEY, view);
    } catch {
      // the choice lasts this page only
    }
    renderResults();
  };
  tableButton.addEventListener('click', () => setView('table'));
  cardButton.addEventListener('click', () => setView('cards'));

  if (deleteButton) {
    deleteButton.addEventListener('click', async () => {
      const chosen = [...state.selected.entries()];
      const n = chosen.length;
      if (!n) return;
      const names = chosen.map(([, userName]) => userName);
      const shown = names.slice(0, 10).join(', ') + (n > 10 ? ` and ${n - 10} more` : '');
      const ok = await confirmDialog({
        title: n === 1 ? 'Delete 1 user?' : `Delete ${n} users?`,
        message: ['This cannot be undone.', `To be deleted: ${shown}.`],
        confirmLabel: 'Delete',
        danger: true,
      });
      if (!ok) return;
      showError(alert, null);
      showStatus(status, `Deleting ${n} ${n === 1 ? 'user' : 'users'}…`);
      const failed = [];
      let deleted = 0;
      for (const [id, userName] of chosen) {
        try {
          await api('DELETE', `/scim/v2/Users/${encodeURIComponent(id)}`);
          deleted += 1;
          state.selected.delete(id);
        } catch (err) {
          if (err.status === 404) {
            state.selected.delete(id); // already gone
            deleted += 1;
          } else {
            failed.push(`${userName}: ${err.message}`);
          }
        }
      }
      await load();
      showStatus(status, `Deleted ${deleted} ${deleted === 1 ? 'user' : 'users'}.`);
      if (failed.length) showError(alert, new Error(`Not deleted: ${failed.join(' ')}`));
    });
  }

  await load();
}
