// Queues and groups: the list (by kind: queues, accounts, groups, roles) and one group's members,
// with remove and add. Writing needs the operation of the group's kind (role: changeRoles,
// queue: manageQueues, account: manageAccounts, group: manageGroups).

import {
  api, el, field, alertBox, statusBox, showError, showStatus, clear, confirmDialog, pageTitle,
  showPageError, displayNameOf, primaryEmail, scimString, pager, SCIM_GROUP_EXT, PATCH_OP,
} from '../lib.js';
import { searchFilter } from './users.js';

const KINDS = [
  { value: '', label: 'All' },
  { value: 'queue', label: 'Queues' },
  { value: 'account', label: 'Accounts' },
  { value: 'group', label: 'Groups' },
  { value: 'role', label: 'Roles' },
];
const KIND_WORD = { queue: 'Queue', account: 'Account', group: 'Group', role: 'Role' };
const WRITE_OP = { role: 'changeRoles', queue: 'manageQueues', account: 'manageAccounts', group: 'manageGroups' };
const PAGE_SIZE = 50;
const MEMBERS_PAGE = 25;

function kindOf(group) {
  const ext = (group && group[SCIM_GROUP_EXT]) || {};
  return String(ext.kind || '').toLowerCase();
}

export async function render(main, ctx) {
  if (ctx.params && ctx.params.id) return renderGroup(main, ctx, ctx.params.id);
  return renderList(main, ctx);
}

async function renderList(main, ctx) {
  const kindParam = ctx.query.get('kind') || '';
  const state = { kind: KINDS.some((k) => k.value === kindParam) ? kindParam : '', page: 1, total: 0 };
  const alert = alertBox();
  const kind = field('Kind', { tag: 'select', options: KINDS, value: state.kind });
  const results = el('div', { 'aria-busy': 'false' });
  const pages = pager('Pages', PAGE_SIZE, (page) => {
    state.page = page;
    load();
  });
  main.appendChild(pageTitle('Queues and groups'));
  main.appendChild(el('div', { class: 'toolbar' }, kind.wrapper));
  main.appendChild(alert);
  main.appendChild(results);
  main.appendChild(pages.nav);
  const creatable = ['queue', 'account', 'group'].filter((k) => ctx.can(WRITE_OP[k]));
  if (creatable.length) main.appendChild(createForm(ctx, creatable));

  let ticket = 0;
  async function load() {
    ticket += 1;
    const mine = ticket;
    const hash = `#/groups${state.kind ? `?kind=${state.kind}` : ''}`;
    if (window.location.hash !== hash) history.replaceState(null, '', hash);
    showError(alert, null);
    results.setAttribute('aria-busy', 'true');
    const params = new URLSearchParams();
    params.set('startIndex', String((state.page - 1) * PAGE_SIZE + 1));
    params.set('count', String(PAGE_SIZE));
    params.set('sortBy', 'displayName');
    params.set('excludedAttributes', 'members');
    if (state.kind) params.set('filter', `${SCIM_GROUP_EXT}:kind eq ${scimString(state.kind)}`);
    try {
      const { body } = await api('GET', `/scim/v2/Groups?${params}`);
      if (mine !== ticket || !ctx.isCurrent()) return;
      const groups = (body && body.Resources) || [];
      state.total = Number((body && body.totalResults) || 0);
      clear(results);
      if (!groups.length) {
        results.appendChild(el('p', { text: state.kind ? 'There are none of this kind.' : 'There are no groups.' }));
      } else {
        results.appendChild(el('table', { class: 'responsive' },
          el('caption', { text: state.kind ? KINDS.find((k) => k.value === state.kind).label : 'Queues and groups' }),
          el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: 'Name' }), el('th', { scope: 'col', text: 'Kind' }))),
          el('tbody', {}, groups.map((g) => el('tr', {},
            el('td', {}, el('a', { href: `#/groups/${encodeURIComponent(g.id)}`, text: g.displayName || g.id })),
            el('td', { text: KIND_WORD[kindOf(g)] || '—' }))))));
      }
      pages.show(state.page, state.total, groups.length);
    } catch (err) {
      if (mine === ticket) showError(alert, err);
    } finally {
      if (mine === ticket) results.setAttribute('aria-busy', 'false');
    }
  }
  kind.input.addEventListener('change', () => {
    state.kind = kind.input.value;
    state.page = 1;
    load();
  });
  await load();
}

// "New queue or group": a name and a kind the session may write; then the new group's page.
function createForm(ctx, kinds) {
  const alert = alertBox();
  const name = field('Name of the new group', { autocomplete: 'off', maxLength: 256 });
  const kind = field('Type of the new group', {
    tag: 'select',
    options: kinds.map((k) => ({ value: k, label: KIND_WORD[k] })),
  });
  const create = el('button', { type: 'submit', class: 'button', text: 'Create' });
  const form = el('form', { class: 'toolbar' }, name.wrapper, kind.wrapper, create);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    showError(alert, null);
    const displayName = name.input.value.trim();
    if (!displayName) {
      name.input.setAttribute('aria-invalid', 'true');
      showError(alert, new Error('Give the new group a name.'));
      name.input.focus();
      return;
    }
    name.input.removeAttribute('aria-invalid');
    create.disabled = true;
    try {
      const { body } = await api('POST', '/scim/v2/Groups', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
        displayName,
        [SCIM_GROUP_EXT]: { kind: kind.input.value },
      });
      ctx.navigate(`#/groups/${encodeURIComponent(body.id)}`);
    } catch (err) {
      showError(alert, err);
      create.disabled = false;
    }
  });
  return el('section', { class: 'section', 'aria-labelledby': 'new-group-title' },
    el('h2', { id: 'new-group-title', text: 'New queue or group' }), form, alert);
}

async function renderGroup(main, ctx, id) {
  const path = `/scim/v2/Groups/${encodeURIComponent(id)}`;
  const alert = alertBox();
  const status = statusBox();
  let group;
  try {
    ({ body: group } = await api('GET', path));
  } catch (err) {
    showPageError(main, 'Queues and groups', err, '#/groups', 'Back to queues and groups');
    return;
  }
  if (!ctx.isCurrent()) return;
  const kind = kindOf(group);
  const canEdit = Boolean(WRITE_OP[kind] && ctx.can(WRITE_OP[kind]));
  const members = (group.members || []).filter((m) => m && m.value);
  const state = { page: 1 };

  main.appendChild(el('p', {}, el('a', { href: '#/groups', text: '← Back to queues and groups' })));
  main.appendChild(pageTitle(group.displayName || id));
  main.appendChild(el('p', { class: 'muted', text: `${KIND_WORD[kind] || 'Group'} · ${members.length} ${members.length === 1 ? 'member' : 'members'}` }));
  main.appendChild(alert);
  main.appendChild(status);

  const tableBox = el('div', { 'aria-busy': 'false' });
  const pages = pager('Member pages', MEMBERS_PAGE, (page) => {
    state.page = page;
    drawPage();
  });

  // --- add ---
  if (canEdit) {
    const find = field('Find a user to add', { type: 'search', autocomplete: 'off', spellcheck: false, hint: 'A name, user name or email address.' });
    const add = el('button', { type: 'submit', class: 'button', text: 'Add' });
    const candidates = el('div', {});
    const addUser = async (user) => {
      showError(alert, null);
      try {
        await api('PATCH', path, {
          schemas: [PATCH_OP],
          Operations: [{ op: 'add', path: 'members', value: [{ value: user.id }] }],
        });
        await reload(main, ctx, `${user.userName} was added to ${group.displayName}.`);
      } catch (err) {
        showError(alert, err);
      }
    };
    const form = el('form', { class: 'toolbar', role: 'search', 'aria-label': 'Add a member' }, find.wrapper, add);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clear(candidates);
      showError(alert, null);
      const text = find.input.value.trim();
      if (!text) {
        showError(alert, new Error('Type a name, user name or email address first.'));
        find.input.focus();
        return;
      }
      try {
        const q = new URLSearchParams({ filter: searchFilter(text), count: '10', sortBy: 'userName', attributes: 'userName,name,displayName,emails' });
        const { body } = await api('GET', `/scim/v2/Users?${q}`);
        const found = (body && body.Resources) || [];
        const exact = found.filter((u) => u.userName.toLowerCase() === text.toLowerCase() || primaryEmail(u).toLowerCase() === text.toLowerCase());
        if (exact.length === 1 || found.length === 1) {
          await addUser(exact.length === 1 ? exact[0] : found[0]);
          return;
        }
        if (!found.length) {
          showError(alert, new Error(`No user matches “${text}”.`));
          return;
        }
        const more = Number(body.totalResults) > found.length ? ` (the first ${found.length} of ${body.totalResults}: type more to narrow it down)` : '';
        candidates.appendChild(el('p', { text: `Several users match${more}. Choose one:` }));
        candidates.appendChild(el('ul', { class: 'candidates' }, found.map((u) => el('li', {},
          el('button', { type: 'button', class: 'link-button', text: `Add ${u.userName}`, onclick: () => addUser(u) }),
          ` ${displayNameOf(u)} ${primaryEmail(u) ? `<${primaryEmail(u)}>` : ''}`))));
      } catch (err) {
        showError(alert, err);
      }
    });
    main.appendChild(el('section', { class: 'section', 'aria-label': 'Add a member' }, form, candidates));
  }

  main.appendChild(tableBox);
  main.appendChild(pages.nav);

  async function drawPage() {
    clear(tableBox);
    const slice = members.slice((state.page - 1) * MEMBERS_PAGE, state.page * MEMBERS_PAGE);
    // userName and email of the members on this page (one request, by id).
    const users = new Map();
    if (slice.length) {
      tableBox.setAttribute('aria-busy', 'true');
      try {
        const filter = slice.map((m) => `id eq ${scimString(m.value)}`).join(' or ');
        const q = new URLSearchParams({ filter, count: String(slice.length), attributes: 'userName,name,displayName,emails' });
        const { body } = await api('GET', `/scim/v2/Users?${q}`);
        for (const u of (body && body.Resources) || []) users.set(u.id, u);
      } catch {
        // members that are groups, or users out of scope: shown by their display name only
      } finally {
        tableBox.setAttribute('aria-busy', 'false');
      }
    }
    if (!ctx.isCurrent()) return;
    const head = el('tr', {}, el('th', { scope: 'col', text: 'Name' }), el('th', { scope: 'col', text: 'User name' }),
      el('th', { scope: 'col', text: 'Email' }), canEdit ? el('th', { scope: 'col', text: 'Actions' }) : null);
    const rows = slice.map((m) => {
      const u = users.get(m.value);
      const userName = u ? u.userName : (m.display || m.value);
      return el('tr', {},
        el('td', {}, u ? el('a', { href: `#/users/${encodeURIComponent(u.id)}`, text: displayNameOf(u) }) : (m.display || m.value)),
        el('td', { text: u ? u.userName : '' }),
        el('td', { text: u ? primaryEmail(u) : '' }),
        canEdit ? el('td', {}, el('button', {
          type: 'button',
          class: 'button button-secondary',
          text: `Remove ${userName}`,
          onclick: async () => {
            const ok = await confirmDialog({
              title: `Remove ${userName} from ${group.displayName}?`,
              message: kind === 'role' ? 'Without a role they become a Viewer.' : 'They stay in the directory; only the membership ends.',
              confirmLabel: 'Remove',
              danger: true,
            });
            if (!ok) return;
            showError(alert, null);
            try {
              await api('PATCH', path, {
                schemas: [PATCH_OP],
                Operations: [{ op: 'remove', path: `members[value eq ${scimString(m.value)}]` }],
              });
              await reload(main, ctx, `${userName} was removed from ${group.displayName}.`);
            } catch (err) {
              showError(alert, err);
            }
          },
        })) : null);
    });
    if (!members.length) {
      tableBox.appendChild(el('p', { text: 'No members yet.' }));
    } else {
      tableBox.appendChild(el('table', { class: 'responsive' }, el('caption', { text: 'Members' }), el('thead', {}, head), el('tbody', {}, rows)));
    }
    pages.show(state.page, members.length, slice.length, '');
  }
  await drawPage();
}

async function reload(main, ctx, message) {
  clear(main);
  await renderGroup(main, ctx, ctx.params.id);
  const box = main.querySelector('[role=status]');
  if (box) showStatus(box, message);
  const h1 = main.querySelector('h1');
  if (h1) h1.focus();
}
