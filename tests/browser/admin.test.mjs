// The console's administration pages in a real browser against a real gateway and slapd
// (issue #15): find a user by email, change the role, deactivate and reactivate (checked in
// LDAP), invite, what a Viewer sees (and that a forged write is refused), bulk delete, the
// narrow layout, and the groups pages. One chromium for the whole file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, strongPassword, PATCH_OP } from './fixture.mjs';

let stack;
let adminSecret;
const users = {};

before(async () => {
  // Agents may also invite here (auth.permissions): the Invite page of a person who administers
  // no account is tested with them.
  stack = await startStack({
    config: { auth: { permissions: { Agent: ['readUsers', 'readGroups', 'readOwnProfile', 'writeOwnProfile', 'inviteUsers'] } } },
  });
  // The administrator enrols an authenticator app through the API; the pages sign in with a code.
  const session = await stack.login(stack.admin.userName, stack.admin.password);
  adminSecret = await stack.enrolTotp(session.token);

  users.alice = await stack.createUser({ userName: 'alice', givenName: 'Alice', familyName: 'Smith', email: 'alice.smith@example.com', password: strongPassword() });
  users.bob = await stack.createUser({ userName: 'bob', givenName: 'Bob', familyName: 'Stone', email: 'bob.stone@example.com', password: strongPassword(), role: 'Agent' });
  users.victorPassword = strongPassword();
  users.victor = await stack.createUser({ userName: 'victor', givenName: 'Victor', familyName: 'Viewer', email: 'victor@example.com', password: users.victorPassword, role: 'Viewer' });
  users.bulk1 = await stack.createUser({ userName: 'bulk-one', givenName: 'Bulk', familyName: 'One', email: 'bulk-one@example.com' });
  users.bulk2 = await stack.createUser({ userName: 'bulk-two', givenName: 'Bulk', familyName: 'Two', email: 'bulk-two@example.com' });
  users.queue = await stack.must('POST', '/scim/v2/Groups', {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
    displayName: 'Support',
    'urn:scimgate:params:scim:schemas:extension:2.0:Group': { kind: 'queue' },
    members: [{ value: users.alice.id }],
  });
});

after(async () => {
  if (stack) await stack.stop();
});

// The first administrator page signs in through the page (password, then a computed TOTP code);
// later ones reuse that session's token (sessionStorage is per browser context), because the
// gateway accepts each TOTP time step once: a sign-in per test would wait 30 s for a fresh code.
let adminToken = null;
async function adminPage(options) {
  const page = await stack.newPage(options);
  if (!adminToken) {
    await stack.signIn(page, stack.admin.userName, stack.admin.password, adminSecret);
    adminToken = await page.evaluate(() => sessionStorage.getItem('scimgate.token'));
    assert.ok(adminToken, 'signing in stored a session token');
  } else {
    await page.goto(`${stack.consoleUrl}#/sign-in`);
    await page.evaluate((t) => sessionStorage.setItem('scimgate.token', t), adminToken);
  }
  return page;
}

// Chromium logs every HTTP error answer of fetch() as a console error ("Failed to load resource:
// the server responded with a status of 401"). Some are provoked on purpose (the second factor is
// asked for with 401, the Viewer's forged write gets 403): only those statuses are allowed.
function noErrors(page, allowed = []) {
  const errors = page.errors.filter((e) => {
    const m = /Failed to load resource: the server responded with a status of (\d+)/.exec(e);
    return !(m && allowed.includes(Number(m[1])));
  });
  assert.deepEqual(errors, [], `the browser console reported errors: ${errors.join('\n')}`);
}

test('an administrator finds a user by email, changes the role, deactivates and reactivates them', async () => {
  const page = await adminPage();
  await page.goto(`${stack.consoleUrl}#/users`);
  await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
  await page.getByRole('table', { name: 'Users' }).waitFor();
  await stack.screenshot(page, 'users-table');

  await page.getByRole('searchbox', { name: 'Search by name or email' }).fill('alice.smith@');
  await page.getByText('Showing 1–1 of 1').waitFor();
  const link = page.getByRole('link', { name: 'Alice Smith' });
  await link.waitFor();
  await link.click();
  await page.getByRole('heading', { level: 1, name: 'Alice Smith' }).waitFor();
  await stack.screenshot(page, 'user-page');

  // Role: Viewer -> Manager.
  await page.getByRole('combobox', { name: 'Role' }).selectOption('Manager');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  const reread = await stack.must('GET', `/scim/v2/Users/${users.alice.id}`);
  assert.equal(reread.roles[0].value, 'Manager');
  const memberOf = await stack.ldapAttr('alice', 'memberOf');
  assert.ok(memberOf.some((dn) => /^cn=Manager,ou=roles,/i.test(dn)), `memberOf: ${memberOf}`);

  // Deactivate, with the confirmation naming the consequences.
  await page.getByRole('button', { name: 'Deactivate' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  const text = await dialog.innerText();
  assert.match(text, /no longer sign in/);
  assert.match(text, /removed from all queues/);
  assert.match(text, /data is kept/);
  await stack.screenshot(page, 'user-deactivate-dialog');
  await dialog.getByRole('button', { name: 'Deactivate' }).click();
  await page.getByRole('status').filter({ hasText: 'is deactivated' }).waitFor();
  assert.deepEqual(await stack.ldapAttr('alice', 'scimgateStatus'), ['inactive']);
  assert.equal((await stack.ldapAttr('alice', 'pwdAccountLockedTime')).length, 1, 'pwdAccountLockedTime is set');
  const queue = await stack.must('GET', `/scim/v2/Groups/${users.queue.id}`);
  assert.ok(!(queue.members || []).some((m) => m.value === users.alice.id), 'deactivation left the queue');
  await stack.screenshot(page, 'user-deactivated');

  // Activate again.
  await page.getByRole('button', { name: 'Activate' }).click();
  await page.getByRole('status').filter({ hasText: 'is active again' }).waitFor();
  assert.deepEqual(await stack.ldapAttr('alice', 'scimgateStatus'), ['active']);
  assert.deepEqual(await stack.ldapAttr('alice', 'pwdAccountLockedTime'), []);

  // The status filter finds them among the active users only.
  await page.goto(`${stack.consoleUrl}#/users?status=inactive`);
  await page.getByText('Showing 0 of 0').waitFor();
  await page.getByRole('combobox', { name: 'Status' }).selectOption({ label: 'Active' });
  await page.getByRole('link', { name: 'Alice Smith' }).waitFor();
  await page.getByRole('combobox', { name: 'Role' }).selectOption({ label: 'Agent' });
  await page.getByText('Showing 1–1 of 1').waitFor();
  await page.getByRole('link', { name: 'Bob Stone' }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'Alice Smith' }).count(), 0);
  // Viewer: people in no role group above it (the role is the highest role group).
  await page.getByRole('combobox', { name: 'Role' }).selectOption({ label: 'Viewer' });
  await page.getByRole('link', { name: 'Victor Viewer' }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'Bob Stone' }).count(), 0);
  assert.equal(await page.getByRole('link', { name: 'Alice Smith' }).count(), 0);
  noErrors(page, [401]);
  await page.context().close();
});

test('an administrator mails a password reset link and generates backup codes for a user', async () => {
  const page = await adminPage();
  await page.goto(`${stack.consoleUrl}#/users/${users.bob.id}`);
  await page.getByRole('heading', { level: 1, name: 'Bob Stone' }).waitFor();
  await page.getByRole('button', { name: 'Send password reset email' }).click();
  await page.getByRole('status').filter({ hasText: /password reset link was mailed to/ }).waitFor();
  await stack.waitForMail('bob.stone@example.com', /#\/reset-password\/[A-Za-z0-9_-]+/);

  await page.getByRole('button', { name: 'Generate backup codes' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Generate' }).click();
  const codes = page.getByRole('list', { name: 'Backup codes' });
  await codes.waitFor();
  assert.equal(await codes.getByRole('listitem').count(), 10);
  await page.getByRole('button', { name: 'Copy' }).click();
  await page.getByText(/^Copied$|^Copying failed/).waitFor();
  await stack.screenshot(page, 'user-backup-codes');
  noErrors(page, [401]);
  await page.context().close();
});

test('a change made meanwhile by someone else is not overwritten: the page says to reload', async () => {
  const page = await adminPage();
  await page.goto(`${stack.consoleUrl}#/users/${users.bob.id}`);
  await page.getByRole('heading', { level: 1, name: 'Bob Stone' }).waitFor();
  // Someone else renames Bob while the page is open.
  await stack.must('PATCH', `/scim/v2/Users/${users.bob.id}`, {
    schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'name.givenName', value: 'Robert' }],
  });
  await page.getByRole('textbox', { name: 'Last name' }).fill('Stoner');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('alert').filter({ hasText: /changed by someone else.*reload/i }).waitFor();
  const bob = await stack.must('GET', `/scim/v2/Users/${users.bob.id}`);
  assert.equal(bob.name.givenName, 'Robert');
  assert.equal(bob.name.familyName, 'Stone');
  // Put the name back for the other tests.
  await stack.must('PATCH', `/scim/v2/Users/${users.bob.id}`, {
    schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'name.givenName', value: 'Bob' }],
  });
  noErrors(page, [401, 412]);
  await page.context().close();
});

test('an administrator invites people; each gets a mail with a link', async () => {
  const page = await adminPage();
  await page.goto(`${stack.consoleUrl}#/invite`);
  await page.getByRole('heading', { level: 1, name: 'Invite users' }).waitFor();
  await page.getByRole('textbox', { name: 'Email addresses' }).fill('new.person@example.com,\nsecond.person@example.com');
  await page.getByRole('combobox', { name: 'Role' }).selectOption('Agent');
  await page.getByRole('button', { name: 'Send invitations' }).click();
  const results = page.getByRole('status').filter({ hasText: 'new.person@example.com: invited' });
  await results.waitFor();
  assert.match(await results.innerText(), /second\.person@example\.com: invited/);
  assert.match(await results.innerText(), /2 of 2 invitations sent/);
  const mail = await stack.waitForMail('new.person@example.com', /#\/invitation\/[A-Za-z0-9_-]+/);
  assert.ok(mail.subject.length > 0);
  await page.getByRole('table', { name: 'Pending invitations' }).waitFor();
  await page.getByRole('button', { name: 'Resend invitation to second.person@example.com' }).click();
  await page.getByRole('status').filter({ hasText: 'A new invitation was sent to second.person@example.com' }).waitFor();
  await stack.screenshot(page, 'invite');

  // The invitee is Pending: the user page offers resend and revoke.
  const invitee = await stack.findUser('new.person@example.com');
  assert.equal(invitee['urn:scimgate:params:scim:schemas:extension:2.0:User'].status, 'pending');
  await page.goto(`${stack.consoleUrl}#/users/${invitee.id}`);
  await page.getByRole('button', { name: 'Resend invitation', exact: true }).waitFor();
  await page.getByRole('button', { name: 'Revoke invitation', exact: true }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
  await page.getByRole('status').filter({ hasText: 'The invitation was revoked' }).waitFor();
  await stack.screenshot(page, 'user-pending');

  // A bad address refuses the whole list, in words.
  await page.goto(`${stack.consoleUrl}#/invite`);
  await page.getByRole('textbox', { name: 'Email addresses' }).fill('ok@example.com, not-an-address');
  await page.getByRole('button', { name: 'Send invitations' }).click();
  await page.getByRole('alert').filter({ hasText: 'Not an email address: not-an-address' }).waitFor();
  noErrors(page, [401]);
  await page.context().close();
});

test('a Viewer sees no edit actions, and a forged write from the page is refused with 403', async () => {
  const page = await stack.newPage();
  await stack.signIn(page, 'victor', users.victorPassword);
  await page.goto(`${stack.consoleUrl}#/users`);
  await page.getByRole('table', { name: 'Users' }).waitFor();
  await page.getByRole('link', { name: 'Bob Stone' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Delete selected' }).count(), 0);
  assert.equal(await page.getByRole('checkbox').count(), 0);
  assert.equal(await page.getByRole('link', { name: 'Invite', exact: true }).count(), 0);
  await stack.screenshot(page, 'users-viewer');

  await page.getByRole('link', { name: 'Bob Stone' }).click();
  await page.getByRole('heading', { level: 1, name: 'Bob Stone' }).waitFor();
  for (const name of ['Save', 'Deactivate', 'Activate', 'Send password reset email', 'Generate backup codes', 'Delete user']) {
    assert.equal(await page.getByRole('button', { name }).count(), 0, `a Viewer is offered "${name}"`);
  }
  assert.equal(await page.getByRole('textbox', { name: 'First name' }).getAttribute('readonly'), '');
  await stack.screenshot(page, 'user-viewer');

  const forged = await page.evaluate(async ({ id, op }) => {
    const token = sessionStorage.getItem('scimgate.token');
    const r = await fetch(`/scim/v2/Users/${id}`, {
      method: 'PATCH',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' },
      body: JSON.stringify({ schemas: [op], Operations: [{ op: 'replace', path: 'active', value: false }] }),
    });
    return r.status;
  }, { id: users.bob.id, op: PATCH_OP });
  assert.equal(forged, 403);
  assert.deepEqual(await stack.ldapAttr('bob', 'scimgateStatus'), ['active']);
  noErrors(page, [403]);
  await page.context().close();
});

test('a Manager manages queue members but cannot edit or delete users', async () => {
  const password = strongPassword();
  await stack.createUser({ userName: 'maria', givenName: 'Maria', familyName: 'Manager', email: 'maria@example.com', password, role: 'Manager' });
  const page = await stack.newPage();
  await stack.signIn(page, 'maria', password);
  await page.goto(`${stack.consoleUrl}#/users`);
  await page.getByRole('link', { name: 'Bob Stone' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Delete selected' }).count(), 0);
  assert.equal(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Invite' }).count(), 0);
  await page.getByRole('link', { name: 'Bob Stone' }).click();
  await page.getByRole('heading', { level: 1, name: 'Bob Stone' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Save' }).count(), 0);
  assert.equal(await page.getByRole('button', { name: 'Deactivate' }).count(), 0);

  await page.goto(`${stack.consoleUrl}#/groups/${users.queue.id}`);
  await page.getByRole('heading', { level: 1, name: 'Support' }).waitFor();
  await page.getByRole('searchbox', { name: 'Find a user to add' }).fill('victor');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await page.getByRole('status').filter({ hasText: 'victor was added to Support' }).waitFor();
  await page.getByRole('button', { name: 'Remove victor' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
  await page.getByRole('status').filter({ hasText: 'victor was removed from Support' }).waitFor();
  // A role group is not theirs to change.
  await page.goto(`${stack.consoleUrl}#/groups?kind=role`);
  await page.getByRole('link', { name: 'Administrator' }).click();
  await page.getByRole('heading', { level: 1, name: 'Administrator' }).waitFor();
  assert.equal(await page.getByRole('searchbox', { name: 'Find a user to add' }).count(), 0);
  assert.equal(await page.getByRole('button', { name: /^Remove / }).count(), 0);
  noErrors(page);
  await page.context().close();
});

test('bulk delete of two users asks for confirmation naming the count', async () => {
  const page = await adminPage();
  await page.goto(`${stack.consoleUrl}#/users`);
  await page.getByRole('searchbox', { name: 'Search by name or email' }).fill('bulk-');
  await page.getByText('Showing 1–2 of 2').waitFor();
  await page.getByRole('checkbox', { name: 'Select bulk-one' }).check();
  await page.getByRole('checkbox', { name: 'Select bulk-two' }).check();
  await page.getByRole('button', { name: 'Delete selected' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete 2 users?' });
  await dialog.waitFor();
  assert.match(await dialog.innerText(), /This cannot be undone\./);
  await stack.screenshot(page, 'users-bulk-delete-dialog');
  // Cancel first: nothing happens.
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  assert.ok(await stack.findUser('bulk-one'));
  await page.getByRole('button', { name: 'Delete selected' }).click();
  await page.getByRole('dialog', { name: 'Delete 2 users?' }).getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('status').filter({ hasText: 'Deleted 2 users.' }).waitFor();
  await page.getByText('Showing 0 of 0').waitFor();
  assert.equal(await stack.findUser('bulk-one'), undefined);
  assert.equal(await stack.findUser('bulk-two'), undefined);
  noErrors(page, [401]);
  await page.context().close();
});

test('at 360 px the list is cards, and keyboard use reaches the controls', async () => {
  const page = await adminPage({ width: 360, height: 740 });
  await page.goto(`${stack.consoleUrl}#/users`);
  await page.getByRole('list', { name: 'Users' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Card view' }).getAttribute('aria-pressed'), 'true');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `the page scrolls sideways by ${overflow} px at 360 px`);
  await stack.screenshot(page, 'users-360');
  await page.getByRole('button', { name: 'Table view' }).click();
  await page.getByRole('table', { name: 'Users' }).waitFor();
  const tableOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(tableOverflow <= 1, `the table view scrolls sideways by ${tableOverflow} px at 360 px`);
  await stack.screenshot(page, 'users-360-table');

  // Keyboard: focus the search box, type, and the list follows.
  await page.getByRole('searchbox', { name: 'Search by name or email' }).focus();
  await page.keyboard.type('bob.stone');
  await page.keyboard.press('Enter');
  await page.getByText('Showing 1–1 of 1').waitFor();
  await page.getByRole('link', { name: 'Bob Stone' }).focus();
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Bob Stone' }).waitFor();
  await stack.screenshot(page, 'user-360');
  noErrors(page, [401]);
  await page.context().close();
});

test('queues and groups: list by kind, add and remove a member', async () => {
  const page = await adminPage();
  await page.goto(`${stack.consoleUrl}#/groups`);
  await page.getByRole('heading', { level: 1, name: 'Queues and groups' }).waitFor();
  await page.getByRole('combobox', { name: 'Kind' }).selectOption({ label: 'Queues' });
  await page.getByRole('table', { name: 'Queues' }).waitFor();
  await stack.screenshot(page, 'groups');
  await page.getByRole('link', { name: 'Support' }).click();
  await page.getByRole('heading', { level: 1, name: 'Support' }).waitFor();
  await page.getByRole('searchbox', { name: 'Find a user to add' }).fill('bob.stone@example.com');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await page.getByRole('status').filter({ hasText: 'bob was added to Support' }).waitFor();
  await page.getByRole('table', { name: 'Members' }).waitFor();
  await stack.screenshot(page, 'group');
  let queue = await stack.must('GET', `/scim/v2/Groups/${users.queue.id}`);
  assert.ok(queue.members.some((m) => m.value === users.bob.id));
  await page.getByRole('button', { name: 'Remove bob' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
  await page.getByRole('status').filter({ hasText: 'bob was removed from Support' }).waitFor();
  queue = await stack.must('GET', `/scim/v2/Groups/${users.queue.id}`);
  assert.ok(!(queue.members || []).some((m) => m.value === users.bob.id));

  // A new queue, then its page.
  await page.goto(`${stack.consoleUrl}#/groups`);
  await page.getByRole('textbox', { name: 'Name of the new group' }).fill('Billing');
  await page.getByRole('combobox', { name: 'Type of the new group' }).selectOption({ label: 'Queue' });
  await page.getByRole('button', { name: 'Create' }).click();
  await page.getByRole('heading', { level: 1, name: 'Billing' }).waitFor();
  await page.getByText('Queue · 0 members').waitFor();
  noErrors(page, [401]);
  await page.context().close();
});

test('the Invite page offers only the accounts the person administers, and says when there are none', async () => {
  const account = (displayName, members = []) => stack.must('POST', '/scim/v2/Groups', {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
    displayName,
    'urn:scimgate:params:scim:schemas:extension:2.0:Group': { kind: 'account' },
    members,
  });
  const person = async (userName, role) => {
    const password = strongPassword();
    const user = await stack.createUser({ userName, givenName: userName, familyName: role, email: `${userName}@example.com`, password, role });
    return { ...user, password };
  };
  const sandra = await person('sandra', 'Administrator');
  const amy = await person('amy', 'Agent');
  const sam = await person('sam', 'Agent');
  const acme = await account('Acme', [{ value: sandra.id }, { value: sam.id }]);
  await account('Globex');
  // Each signs in through the API; their pages use that session (signing in through the sign-in
  // page is tested elsewhere). An Administrator within one account administers that one only;
  // an Agent administers none.
  const tokens = {};
  for (const p of [sandra, amy, sam]) tokens[p.userName] = (await stack.login(p.userName, p.password)).token;
  const sandraSession = await stack.must('GET', '/auth/session', undefined, tokens.sandra);
  assert.equal(sandraSession.administersAllAccounts, false);
  assert.deepEqual(sandraSession.administeredAccounts.map((a) => a.toLowerCase()), [acme.id.toLowerCase()]);
  assert.deepEqual((await stack.must('GET', '/auth/session', undefined, tokens.amy)).administeredAccounts, []);
  const invitePageOf = async (userName) => {
    const p = await stack.newPage();
    await p.goto(`${stack.consoleUrl}#/sign-in`);
    await p.evaluate((t) => sessionStorage.setItem('scimgate.token', t), tokens[userName]);
    await p.goto(`${stack.consoleUrl}#/invite`);
    await p.getByRole('heading', { level: 1, name: 'Invite users' }).waitFor();
    return p;
  };

  // The administrator of all accounts is offered both.
  const admin = await adminPage();
  await admin.goto(`${stack.consoleUrl}#/invite`);
  await admin.getByRole('checkbox', { name: 'Acme', exact: true }).waitFor();
  await admin.getByRole('checkbox', { name: 'Globex', exact: true }).waitFor();
  noErrors(admin, [401]);
  await admin.context().close();

  // Sandra is offered Acme only, and invites into it.
  let page = await invitePageOf('sandra');
  await page.getByRole('checkbox', { name: 'Acme', exact: true }).check();
  assert.equal(await page.getByRole('checkbox', { name: 'Globex', exact: true }).count(), 0);
  await page.getByRole('textbox', { name: 'Email addresses' }).fill('acme.person@example.com');
  await page.getByRole('button', { name: 'Send invitations' }).click();
  await page.getByRole('status').filter({ hasText: '1 of 1 invitation sent' }).waitFor();
  await stack.screenshot(page, 'invite-scoped');
  noErrors(page);
  await page.context().close();

  // Amy (in no account) administers none: no account is offered, and she invites without one.
  page = await invitePageOf('amy');
  await page.getByText('You administer no account: the people you invite are added without one.').waitFor();
  assert.equal(await page.getByRole('checkbox').count(), 0);
  await page.getByRole('textbox', { name: 'Email addresses' }).fill('amy.guest@example.com');
  await page.getByRole('button', { name: 'Send invitations' }).click();
  await page.getByRole('status').filter({ hasText: '1 of 1 invitation sent' }).waitFor();
  noErrors(page);
  await page.context().close();

  // Sam (in Acme, so confined to it) administers none: the page says he cannot invite.
  page = await invitePageOf('sam');
  await page.getByText(/You administer no account, so you cannot invite anyone/).waitFor();
  assert.equal(await page.getByRole('checkbox').count(), 0);
  await stack.screenshot(page, 'invite-no-account');
  noErrors(page);
  await page.context().close();
});

test('the administration pages pass axe-core\'s WCAG 2.1 A/AA rules, wide and at 360 px', async () => {
  const bob = await stack.findUser('bob');
  // Each route with its heading: the new page's heading, then <main> no longer busy (app.js),
  // means that page is drawn with its data (the previous page's heading differs).
  const routes = [['#/users', 'Users'], [`#/users/${bob.id}`, 'Bob Stone'], ['#/invite', 'Invite users'],
    ['#/groups', 'Queues and groups'], [`#/groups/${users.queue.id}`, 'Support']];
  const found = [];
  for (const width of [1280, 360]) {
    const page = await adminPage({ width, height: 800, bypassCSP: true });
    for (const [route, heading] of routes) {
      await page.goto(`${stack.consoleUrl}${route}`);
      await page.getByRole('heading', { level: 1, name: heading, exact: true }).waitFor();
      await page.locator('#main[aria-busy="false"]').waitFor({ state: 'attached' });
      await page.locator('main [aria-busy="true"]').waitFor({ state: 'detached' });
      for (const v of await stack.axe(page)) found.push(`${width}px ${route}: ${v}`);
    }
    await page.context().close();
  }
  assert.deepEqual(found, []);
});
