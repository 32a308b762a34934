// Browser tests of the console's self-service pages (issue #15): sign in with a second factor,
// My Profile and Change password, Security (TOTP on and off), forgot password, invitation
// acceptance; against a real gateway, slapd and SMTP sink (fixture.mjs), in headless chromium,
// selecting elements by role and accessible name. Every page is saved as a screenshot; any
// console error or uncaught exception fails the test.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, totp, freshTotp, strongPassword, SCIM_USER_EXT } from './fixture.mjs';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

let stack;
const pages = [];

before(async () => {
  stack = await startStack({});
});

after(async () => {
  if (stack) await stack.stop();
});

// Chromium reports an HTTP error answer of fetch() as a console error ("Failed to load resource:
// the server responded with a status of 401"). The tests provoke some of those on purpose (a
// second factor is asked for with 401, a wrong password is refused with 403); only these, with
// the status the step expects, are allowed. Everything else fails the test.
function realErrors(page) {
  const allowed = page.allowedStatuses || new Set();
  return page.errors.filter((e) => {
    const m = /Failed to load resource: the server responded with a status of (\d+)/.exec(e);
    return !(m && allowed.has(Number(m[1])));
  });
}

afterEach(async () => {
  const open = pages.splice(0);
  for (const page of open) {
    const errors = realErrors(page);
    await page.context().close().catch(() => {});
    assert.deepEqual(errors, [], `no console errors or uncaught exceptions (HTTP errors seen: ${page.failedResponses.join(', ') || 'none'})`);
  }
});

async function newPage(options) {
  const page = await stack.newPage(options);
  page.allowedStatuses = new Set();
  page.failedResponses = [];
  page.on('response', (r) => {
    if (r.status() >= 400) page.failedResponses.push(`${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`);
  });
  pages.push(page);
  return page;
}

// TOTP codes are accepted once per 30 s step per user, each later than the last: freshTotp
// (fixture) hands out a step not used yet for that secret (the previous, current or next one,
// which mfa.window 1 accepts).

let counter = 0;
async function newPerson(role = 'Agent') {
  counter += 1;
  const userName = `self${counter}-${Date.now().toString(36)}`;
  const password = strongPassword();
  const user = await stack.createUser({
    userName, givenName: 'Sam', familyName: `Tester${counter}`, email: `${userName}@example.com`, role, password,
  });
  return { userName, password, id: user.id, email: `${userName}@example.com` };
}

async function signInPage(page, userName, password) {
  await page.goto(`${stack.consoleUrl}#/sign-in`);
  await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
  await page.getByRole('textbox', { name: 'User name or email' }).fill(userName);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

async function waitSignedIn(page) {
  await page.waitForFunction(() => location.hash !== '' && !/^#\/(sign-in|invitation)/.test(location.hash), null, { timeout: 15000 });
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

function linkIn(mail, kind) {
  const m = new RegExp(`https?://[^\\s"<>]+#/${kind}/[A-Za-z0-9_-]+`).exec(mail.text);
  assert.ok(m, `the mail has a ${kind} link:\n${mail.text}`);
  return m[0];
}

async function ruleStates(page) {
  return page.getByRole('list', { name: 'Password rules' }).locator('li:not([hidden])').evaluateAll((items) =>
    items.map((li) => ({ text: li.querySelector('span:not(.rule-mark):not(.visually-hidden)').textContent, met: li.dataset.met })));
}

test('an administrator signs in with TOTP (second step) and sees the admin navigation', async () => {
  const session = await stack.login(stack.admin.userName, stack.admin.password);
  const secret = await stack.enrolTotp(session.token);

  const page = await newPage();
  page.allowedStatuses.add(401); // the password step answers 401 mfa_required, and the wrong code 401
  await page.goto(stack.consoleUrl);
  await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
  await stack.screenshot(page, 'sign-in');

  // Keyboard only: the user name field has focus; Tab to the password; Enter submits.
  await page.keyboard.type(stack.admin.email); // an email address works as the login
  await page.keyboard.press('Tab');
  await page.keyboard.type(stack.admin.password);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
  await stack.screenshot(page, 'sign-in-second-step');

  // A wrong code is refused in words; the person stays on the second step.
  await page.getByRole('textbox', { name: 'Verification code' }).fill('000000');
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.getByRole('alert').filter({ hasText: 'The user name, password or code is wrong' }).waitFor();

  await page.getByRole('textbox', { name: 'Verification code' }).fill(await freshTotp(secret));
  await page.getByRole('button', { name: 'Verify' }).click();
  await waitSignedIn(page);
  assert.match(page.url(), /#\/users/);
  const nav = page.getByRole('navigation', { name: 'Main' });
  for (const name of ['Users', 'Invite', 'Queues and groups', 'My Profile', 'Security']) {
    await nav.getByRole('link', { name, exact: true }).waitFor();
  }
  await nav.getByRole('button', { name: 'Sign out' }).waitFor();

  // The Security page shows it on, with the backup codes left.
  await nav.getByRole('link', { name: 'Security', exact: true }).click();
  const toggle = page.getByRole('switch', { name: 'Two-factor authentication' });
  await toggle.waitFor();
  assert.equal(await toggle.getAttribute('aria-checked'), 'true');
  await page.getByText(/\d+ backup codes? remaining/).waitFor();

  // Signing out ends the session, in this tab and at the gateway: admin pages go back to sign
  // in, and the token the tab held is refused from then on.
  const token = await page.evaluate(() => sessionStorage.getItem('scimgate.token'));
  assert.equal((await stack.api('GET', '/scim/v2/Me', undefined, token)).status, 200);
  const loggedOut = page.waitForResponse((r) => r.url().endsWith('/auth/logout'));
  await nav.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
  assert.equal((await loggedOut).status(), 204);
  assert.equal((await stack.api('GET', '/scim/v2/Me', undefined, token)).status, 401);
  await page.goto(`${stack.consoleUrl}#/users`);
  await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();

  // Leave the administrator without TOTP for the other tests.
  await stack.must('DELETE', '/mfa/totp', { userId: stack.admin.id });
});

test('a wrong password is refused in words and sign-in errors are announced', async () => {
  const page = await newPage();
  page.allowedStatuses.add(401);
  await signInPage(page, 'nobody-here', 'Wrong-Password-1!');
  const alert = page.getByRole('alert').filter({ hasText: 'The user name, password or code is wrong, or the account is locked.' });
  await alert.waitFor();
  await stack.screenshot(page, 'sign-in-error');

  // Throttled: after auth.throttle.maxFailuresPerUser (10) failures the page says how long to wait.
  page.allowedStatuses.add(429);
  const name = `throttled-${Date.now().toString(36)}`;
  await Promise.all(Array.from({ length: 10 }, () =>
    stack.api('POST', '/auth/login', { userName: name, password: 'Wrong-Password-1!' }, null)));
  await page.getByRole('textbox', { name: 'User name or email' }).fill(name);
  await page.getByLabel('Password', { exact: true }).fill('Wrong-Password-1!');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('alert').filter({ hasText: /^Too many attempts: try again in \d+ seconds?\.$/ }).waitFor();
  await stack.screenshot(page, 'sign-in-throttled');
});

test('a person changes their own profile and password (rules shown and ticked)', async () => {
  const person = await newPerson('Agent');
  const page = await newPage();
  page.allowedStatuses.add(403); // the wrong current password
  await signInPage(page, person.userName, person.password);
  await waitSignedIn(page);
  // An Agent may read users: the default page is Users; the profile is one click away.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My Profile' }).click();
  await page.getByRole('heading', { name: 'My Profile' }).waitFor();

  assert.equal(await page.getByRole('textbox', { name: 'First name' }).inputValue(), 'Sam');
  assert.equal(await page.getByRole('textbox', { name: 'Email' }).inputValue(), person.email);
  assert.equal(await page.getByRole('textbox', { name: 'Email' }).getAttribute('readonly'), '');
  assert.equal(await page.getByRole('textbox', { name: 'Role' }).inputValue(), 'Agent');

  await page.getByRole('textbox', { name: 'First name' }).fill('Samantha');
  await page.getByRole('textbox', { name: 'Alias' }).fill('Sammy');
  await page.getByRole('textbox', { name: 'Phone', exact: true }).fill('+49 30 1234567');
  await page.getByRole('textbox', { name: 'Mobile' }).fill('+49 170 7654321');

  // A time zone not on the list is refused before anything is sent.
  const zone = page.getByRole('combobox', { name: 'Time zone' });
  await zone.fill('Mars/Olympus_Mons');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByRole('alert').filter({ hasText: 'is not a time zone' }).waitFor();
  await zone.fill('Europe/Berlin');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByRole('status').filter({ hasText: 'Your profile was saved.' }).waitFor();
  await stack.screenshot(page, 'profile');

  const user = await stack.must('GET', `/scim/v2/Users/${person.id}`);
  assert.equal(user.name.givenName, 'Samantha');
  assert.equal(user.nickName, 'Sammy');
  assert.equal(user.timezone, 'Europe/Berlin');
  const phones = Object.fromEntries((user.phoneNumbers || []).map((p) => [p.type, p.value]));
  assert.equal(phones.work, '+49 30 1234567');
  assert.equal(phones.mobile, '+49 170 7654321');

  // Reload: the page shows what was saved.
  await page.reload();
  await page.getByRole('heading', { name: 'My Profile' }).waitFor();
  assert.equal(await page.getByRole('textbox', { name: 'Alias' }).inputValue(), 'Sammy');
  assert.equal(await page.getByRole('combobox', { name: 'Time zone' }).inputValue(), 'Europe/Berlin');

  // Change password: the rules are listed and ticked off while typing.
  await page.getByRole('heading', { name: 'Change password' }).waitFor();
  const rulesBefore = await ruleStates(page);
  const texts = rulesBefore.map((r) => r.text);
  for (const rule of ['At least 10 characters', 'A lower-case letter', 'An upper-case letter', 'A digit', 'A special character', 'Does not contain your user name', 'Both passwords match']) {
    assert.ok(texts.some((t) => t.startsWith(rule)), `rule "${rule}" is shown (${texts.join(' | ')})`);
  }
  assert.ok(rulesBefore.every((r) => r.met === 'false'), 'nothing is met before typing');
  const next = strongPassword();
  await page.getByLabel('New password', { exact: true }).fill('short');
  let states = await ruleStates(page);
  assert.equal(states.find((r) => r.text.startsWith('At least')).met, 'false');
  assert.equal(states.find((r) => r.text === 'A lower-case letter').met, 'true');
  await page.getByLabel('New password', { exact: true }).fill(`${person.userName}Aa1!`);
  states = await ruleStates(page);
  assert.equal(states.find((r) => r.text.startsWith('Does not contain')).met, 'false');
  await page.getByLabel('New password', { exact: true }).fill(next);
  await page.getByLabel('Confirm new password', { exact: true }).fill(next);
  states = await ruleStates(page);
  assert.ok(states.every((r) => r.met === 'true'), `every rule is met: ${JSON.stringify(states)}`);

  // A wrong current password is refused in words.
  await page.getByLabel('Current password', { exact: true }).fill('Not-The-Password-1!');
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByRole('alert').filter({ hasText: 'The current password is wrong' }).waitFor();

  await page.getByLabel('Current password', { exact: true }).fill(person.password);
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByRole('status').filter({ hasText: 'Your password was changed.' }).waitFor();
  await stack.screenshot(page, 'profile-password-changed');

  // The new password signs in; the old one does not.
  await stack.login(person.userName, next);
  const old = await stack.api('POST', '/auth/login', { userName: person.userName, password: person.password }, null);
  assert.equal(old.status, 401);
});

test('a person sets their company and email preferences on My Profile', async () => {
  const person = await newPerson('Agent');
  const page = await newPage();
  await signInPage(page, person.userName, person.password);
  await waitSignedIn(page);
  await page.goto(`${stack.consoleUrl}#/profile`);
  await page.getByRole('heading', { name: 'My Profile' }).waitFor();
  await page.getByRole('textbox', { name: 'Company' }).fill('Example GmbH');
  await page.getByRole('group', { name: 'Email preferences' }).getByRole('checkbox', { name: 'Ticket updates' }).check();
  await page.getByRole('checkbox', { name: 'New features' }).check();
  page.allowedStatuses.add(400); // only so that a refusal fails below with the gateway's words
  await page.getByRole('button', { name: 'Save changes' }).click();
  const saved = page.getByRole('status').filter({ hasText: 'Your profile was saved.' });
  const refused = page.getByRole('alert').filter({ hasText: /\w/ });
  await saved.or(refused).first().waitFor();
  assert.equal(await refused.count(), 0, `the gateway refused: ${await refused.allTextContents()}`);
  page.allowedStatuses.delete(400);
  const user = await stack.must('GET', `/scim/v2/Users/${person.id}`);
  assert.equal((user[ENTERPRISE] || {}).organization, 'Example GmbH');
  assert.deepEqual([...((user[SCIM_USER_EXT] || {}).emailPreferences || [])].sort(), ['newFeatures', 'ticketUpdates']);
  await page.reload();
  await page.getByRole('heading', { name: 'My Profile' }).waitFor();
  assert.equal(await page.getByRole('textbox', { name: 'Company' }).inputValue(), 'Example GmbH');
  assert.equal(await page.getByRole('checkbox', { name: 'Ticket updates' }).isChecked(), true);
  assert.equal(await page.getByRole('checkbox', { name: 'Promotions' }).isChecked(), false);
});

test('a person enrols TOTP on the Security page with a code computed from the secret shown, signs in with it, and turns it off', async () => {
  const person = await newPerson('Agent');
  const page = await newPage();
  page.allowedStatuses.add(401); // mfa_required at the next sign-in
  await signInPage(page, person.userName, person.password);
  await waitSignedIn(page);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Security' }).click();
  await page.getByRole('heading', { name: 'Security', exact: true }).waitFor();
  const toggle = page.getByRole('switch', { name: 'Two-factor authentication' });
  assert.equal(await toggle.getAttribute('aria-checked'), 'false');
  await stack.screenshot(page, 'security-off');

  await toggle.click();
  const qr = page.getByRole('img', { name: 'QR code for your authenticator app' });
  await qr.waitFor();
  assert.match(await qr.getAttribute('src'), /^data:image\/svg\+xml/);
  assert.ok(await qr.evaluate((img) => img.complete && img.naturalWidth > 0), 'the QR code renders');
  const secret = (await page.getByLabel('Secret key', { exact: true }).textContent()).replace(/\s+/g, '');
  assert.match(secret, /^[A-Z2-7]+=*$/);
  await stack.screenshot(page, 'security-enrol');

  // A wrong code is refused; the right one turns it on.
  page.allowedStatuses.add(400);
  await page.getByRole('textbox', { name: 'Code from your app' }).fill(totp(secret, -10));
  await page.getByRole('button', { name: 'Confirm' }).click();
  await page.getByRole('alert').filter({ hasText: 'The code is wrong' }).waitFor();
  await page.getByRole('textbox', { name: 'Code from your app' }).fill(await freshTotp(secret));
  await page.getByRole('button', { name: 'Confirm' }).click();
  await page.getByRole('status').filter({ hasText: 'Two-factor authentication is on' }).waitFor();
  assert.equal(await toggle.getAttribute('aria-checked'), 'true');
  await page.getByText(/^\d+ backup codes? remaining$/).waitFor();
  await stack.screenshot(page, 'security-on');

  const me = await stack.must('GET', `/scim/v2/Users/${person.id}`);
  assert.equal(me[SCIM_USER_EXT].mfa.totp, true);

  // Sign out, sign in again: the second step asks for the code.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await signInPage(page, person.userName, person.password);
  await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
  await page.getByRole('textbox', { name: 'Verification code' }).fill(await freshTotp(secret));
  await page.getByRole('button', { name: 'Verify' }).click();
  await waitSignedIn(page);

  // Turning it off asks for a code.
  page.allowedStatuses.add(403);
  await page.goto(`${stack.consoleUrl}#/security`);
  await page.getByRole('switch', { name: 'Two-factor authentication' }).click();
  await page.getByRole('button', { name: 'Turn off' }).waitFor();
  await stack.screenshot(page, 'security-turn-off');
  await page.getByRole('textbox', { name: 'Code from your app' }).fill(await freshTotp(secret));
  await page.getByRole('button', { name: 'Turn off' }).click();
  await page.getByRole('status').filter({ hasText: 'Two-factor authentication is off.' }).waitFor();
  assert.equal(await page.getByRole('switch', { name: 'Two-factor authentication' }).getAttribute('aria-checked'), 'false');
  const after = await stack.must('GET', `/scim/v2/Users/${person.id}`);
  assert.notEqual(after[SCIM_USER_EXT].mfa && after[SCIM_USER_EXT].mfa.totp, true);
});

test('a person without an authenticator app turns on codes by email and signs in with a mailed code', async () => {
  const person = await newPerson('Viewer');
  const page = await newPage();
  page.allowedStatuses.add(401); // mfa_required
  await signInPage(page, person.userName, person.password);
  await waitSignedIn(page);
  await page.goto(`${stack.consoleUrl}#/security`);
  await page.getByRole('heading', { name: 'Codes by email' }).waitFor();
  const before = (await stack.readMails()).length;
  await page.getByRole('button', { name: 'Email me a code' }).click();
  const codeOf = async () => {
    for (let i = 0; i < 75; i++) {
      const mails = await stack.readMails();
      const mine = mails.slice(before).reverse().find((m) => m.to.some((t) => t.toLowerCase() === person.email));
      const m = mine && /\b(\d{6})\b/.exec(mine.text);
      if (m) return { code: m[1], count: mails.length };
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error('no code mailed');
  };
  const first = await codeOf();
  await page.getByRole('textbox', { name: 'Code from the email' }).fill(first.code);
  await page.getByRole('button', { name: 'Turn on codes by email' }).click();
  await page.getByRole('status').filter({ hasText: 'Codes by email are on.' }).waitFor();
  await stack.screenshot(page, 'security-email-codes-on');

  await page.getByRole('button', { name: 'Sign out' }).click();
  const mailsBefore = (await stack.readMails()).length;
  await signInPage(page, person.userName, person.password);
  await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
  // The hint names where the code went (masked).
  const hint = await page.getByRole('textbox', { name: 'Verification code' }).evaluate((i) => document.getElementById(i.getAttribute('aria-describedby')).textContent);
  assert.match(hint, /the code sent to \S+@/);
  let code = null;
  for (let i = 0; i < 75 && !code; i++) {
    const mails = (await stack.readMails()).slice(mailsBefore);
    const mine = mails.reverse().find((m) => m.to.some((t) => t.toLowerCase() === person.email));
    const m = mine && /\b(\d{6})\b/.exec(mine.text);
    if (m) code = m[1];
    else await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(code, 'the login code was mailed');
  await page.getByRole('textbox', { name: 'Verification code' }).fill(code);
  await page.getByRole('button', { name: 'Verify' }).click();
  await waitSignedIn(page);

  // Turning it off asks for confirmation in a dialog.
  await page.goto(`${stack.consoleUrl}#/security`);
  await page.getByRole('button', { name: 'Turn off codes by email' }).click();
  const dialog = page.getByRole('dialog', { name: 'Turn off codes by email?' });
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Turn off' }).click();
  await page.getByRole('status').filter({ hasText: 'Codes by email are off.' }).waitFor();
});

test('forgot password end to end: the mailed link sets a new password that signs in', async () => {
  const person = await newPerson('Viewer');
  const page = await newPage();
  page.allowedStatuses.add(400); // the used link, refused at the end
  await page.goto(`${stack.consoleUrl}#/sign-in`);
  await page.getByRole('link', { name: 'Forgot password?' }).click();
  await page.getByRole('heading', { name: 'Forgot password' }).waitFor();
  await page.getByRole('textbox', { name: 'User name or email' }).fill(person.email);
  await page.getByRole('button', { name: 'Send reset link' }).click();
  await page.getByRole('status').filter({ hasText: 'If an account matches, a reset link is on its way to its email address.' }).waitFor();
  await page.getByRole('link', { name: 'Back to sign in' }).waitFor();
  await stack.screenshot(page, 'forgot-password');

  const mail = await stack.waitForMail(person.email, /reset-password\//);
  const link = linkIn(mail, 'reset-password');
  await page.goto(link);
  await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
  const next = strongPassword();
  await page.getByLabel('New password', { exact: true }).fill(next);
  await page.getByLabel('Confirm new password', { exact: true }).fill(next);
  const states = await ruleStates(page);
  assert.ok(states.length >= 5 && states.every((r) => r.met === 'true'), JSON.stringify(states));
  await stack.screenshot(page, 'reset-password');
  await page.getByRole('button', { name: 'Set password' }).click();
  await page.getByRole('status').filter({ hasText: 'Your password was changed. You can sign in now.' }).waitFor();
  await page.getByRole('link', { name: 'Sign in', exact: true }).click();
  await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
  await page.getByRole('textbox', { name: 'User name or email' }).fill(person.userName);
  await page.getByLabel('Password', { exact: true }).fill(next);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await waitSignedIn(page);

  // The link works once.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.goto(link);
  await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
  const again = strongPassword();
  await page.getByLabel('New password', { exact: true }).fill(again);
  await page.getByLabel('Confirm new password', { exact: true }).fill(again);
  await page.getByRole('button', { name: 'Set password' }).click();
  const refusal = page.getByRole('alert');
  await refusal.filter({ hasText: /\w/ }).waitFor();
  assert.doesNotMatch(await refusal.textContent(), /^\s*$/);
});

test('an invitation is accepted through the mailed link, then the person signs in', async () => {
  counter += 1;
  const email = `invitee${counter}-${Date.now().toString(36)}@example.com`;
  const invited = await stack.must('POST', '/invitations', {
    emails: [{ email, givenName: 'Ina', familyName: 'Vitee' }], role: 'Agent',
  });
  assert.equal(invited.invitations ? invited.invitations[0].invited : true, true);
  const mail = await stack.waitForMail(email, /invitation\//);
  const link = linkIn(mail, 'invitation');

  const page = await newPage();
  page.allowedStatuses.add(400).add(404); // the used link, refused at the end
  await page.goto(link);
  await page.getByRole('heading', { name: 'Accept your invitation' }).waitFor();
  assert.equal(await page.getByRole('textbox', { name: 'Email' }).inputValue(), email);
  assert.equal(await page.getByRole('textbox', { name: 'First name' }).inputValue(), 'Ina');
  assert.equal(await page.getByRole('textbox', { name: 'Last name' }).inputValue(), 'Vitee');
  await page.getByRole('textbox', { name: 'Last name' }).fill('Vitee-Accepted');
  const password = strongPassword();
  await page.getByLabel('Password', { exact: true }).fill(password);
  let states = await ruleStates(page);
  assert.equal(states.find((r) => r.text === 'Both passwords match').met, 'false');
  await page.getByLabel('Confirm password', { exact: true }).fill(password);
  states = await ruleStates(page);
  assert.ok(states.every((r) => r.met === 'true'), JSON.stringify(states));
  await stack.screenshot(page, 'invitation');
  await page.getByRole('button', { name: 'Accept invitation' }).click();
  await waitSignedIn(page);
  await stack.screenshot(page, 'invitation-accepted-landing');

  const user = await stack.findUser(email);
  assert.equal(user.name.familyName, 'Vitee-Accepted');
  assert.equal(user[SCIM_USER_EXT].status, 'active');

  // Sign out and sign in with the chosen password.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await signInPage(page, email, password);
  await waitSignedIn(page);

  // The link is used up: the page says so in the gateway's words.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.goto(link);
  await page.getByRole('heading', { name: 'Accept your invitation' }).waitFor();
  await page.getByRole('alert').filter({ hasText: /\w/ }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Accept invitation' }).count(), 0);
  await stack.screenshot(page, 'invitation-used');
});

test('at 360 px the self-service pages fit the width and stay usable', async () => {
  const person = await newPerson('Agent');
  const page = await newPage({ width: 360, height: 740 });
  await page.goto(`${stack.consoleUrl}#/sign-in`);
  await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
  const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
  assert.ok(await fits(), 'sign in fits 360 px');
  await stack.screenshot(page, 'sign-in-360');
  await signInPage(page, person.userName, person.password);
  await waitSignedIn(page);
  for (const [hash, heading, shot] of [['#/profile', 'My Profile', 'profile-360'], ['#/security', 'Security', 'security-360']]) {
    await page.goto(`${stack.consoleUrl}${hash}`);
    await page.getByRole('heading', { name: heading, exact: true }).waitFor();
    await page.waitForLoadState('networkidle');
    assert.ok(await fits(), `${heading} fits 360 px`);
    await stack.screenshot(page, shot);
  }
});

test('with mfa.requireForRoles an administrator without a second factor may only enrol one, then signs in with it', async () => {
  // A stack of its own: the requirement is configuration.
  const strict = await startStack({ config: { mfa: { requireForRoles: ['Administrator'] } } });
  try {
    const page = await strict.newPage();
    page.allowedStatuses = new Set([401]); // mfa_required at the second sign-in
    page.failedResponses = [];
    pages.push(page);
    await page.goto(`${strict.consoleUrl}#/sign-in`);
    await page.getByRole('textbox', { name: 'User name or email' }).fill(strict.admin.userName);
    await page.getByLabel('Password', { exact: true }).fill(strict.admin.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Security', exact: true }).waitFor();
    const nav = page.getByRole('navigation', { name: 'Main' });
    assert.deepEqual(await nav.getByRole('link').allTextContents(), ['Security']);
    // Other pages lead back here. The Security page is drawn anew then: wait until the first
    // one is gone and the new one is done, or the click lands on a switch about to be replaced.
    const firstDrawn = await page.getByRole('heading', { name: 'Security', exact: true }).elementHandle();
    await page.goto(`${strict.consoleUrl}#/users`);
    await page.waitForFunction(() => location.hash === '#/security');
    await page.waitForFunction((h) => !h.isConnected, firstDrawn);
    await page.locator('#main[aria-busy="false"]').waitFor({ state: 'attached' });
    await page.getByRole('switch', { name: 'Two-factor authentication' }).click();
    const secret = (await page.getByLabel('Secret key', { exact: true }).textContent()).trim();
    await page.getByRole('textbox', { name: 'Code from your app' }).fill(await freshTotp(secret));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('status').filter({ hasText: 'Two-factor authentication is on' }).waitFor();
    await strict.screenshot(page, 'security-enrolment-required');
    await page.getByRole('button', { name: 'Sign in again' }).click();
    await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
    await page.getByRole('textbox', { name: 'User name or email' }).fill(strict.admin.userName);
    await page.getByLabel('Password', { exact: true }).fill(strict.admin.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('textbox', { name: 'Verification code' }).fill(await freshTotp(secret));
    await page.getByRole('button', { name: 'Verify' }).click();
    await waitSignedIn(page);
    assert.match(page.url(), /#\/users/);
    await nav.getByRole('link', { name: 'Users', exact: true }).waitFor();
    await page.context().close();
  } finally {
    await strict.stop();
  }
});

test('the shell: skip link, an ended session returns to sign in and back, a role change shows at the next navigation', async () => {
  const person = await newPerson('Administrator');
  const page = await newPage();
  page.allowedStatuses.add(401); // the forged session token below
  await signInPage(page, person.userName, person.password);
  await waitSignedIn(page);
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'Invite', exact: true }).waitFor();

  // Keyboard: each page puts focus on its heading; the skip link (shown when focused) does the
  // same without changing the route.
  await page.goto(`${stack.consoleUrl}#/profile`);
  await page.getByRole('heading', { name: 'My Profile' }).waitFor();
  // The heading shows before the page has its data; focus moves to it once the page is drawn.
  await page.waitForFunction(() => document.activeElement && document.activeElement.tagName === 'H1'
    && document.activeElement.textContent === 'My Profile', null, { timeout: 5000 });
  const skip = page.getByRole('link', { name: 'Skip to main content' });
  await skip.focus();
  assert.ok((await skip.boundingBox()).y >= 0, 'the focused skip link is on screen');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.tagName + ':' + document.activeElement.textContent), 'H1:My Profile');
  assert.match(page.url(), /#\/profile$/);

  // Demoted to Viewer through the API: the next navigation drops the admin pages.
  await stack.must('PATCH', `/scim/v2/Users/${person.id}`, {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    Operations: [{ op: 'replace', path: 'roles', value: [{ value: 'Viewer' }] }],
  });
  await nav.getByRole('link', { name: 'Security', exact: true }).click();
  await page.getByRole('heading', { name: 'Security', exact: true }).waitFor();
  await page.waitForFunction(() => !document.querySelector('nav a[href="#/invite"]'));
  assert.deepEqual(await nav.getByRole('link').allTextContents(), ['Users', 'Queues and groups', 'My Profile', 'Security']);
  await page.goto(`${stack.consoleUrl}#/invite`);
  await page.waitForFunction(() => location.hash === '#/users');
  await page.getByRole('heading', { name: 'Users', exact: true }).waitFor();
  await page.waitForFunction(() => document.getElementById('main').getAttribute('aria-busy') === 'false');
  // A Viewer's profile is read-only: no Save changes.
  await page.goto(`${stack.consoleUrl}#/profile`);
  await page.getByRole('heading', { name: 'My Profile' }).waitFor();
  await page.getByRole('heading', { name: 'Change password' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Save changes' }).count(), 0);

  // An ended session (here: a token the gateway does not accept) leads to sign in with a notice,
  // and back to the page after signing in.
  await page.evaluate(() => sessionStorage.setItem('scimgate.token', 'not-a-session'));
  await page.goto(`${stack.consoleUrl}#/security`);
  await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
  await page.getByRole('status').filter({ hasText: 'Your session has ended: sign in again.' }).waitFor();
  await page.getByRole('textbox', { name: 'User name or email' }).fill(person.userName);
  await page.getByLabel('Password', { exact: true }).fill(person.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForFunction(() => location.hash === '#/security');
});

test('axe-core finds no WCAG 2.1 A/AA violations on the self-service pages (desktop and 360 px)', async (t) => {
  if (typeof stack.axe !== 'function') {
    t.skip('the fixture has no axe helper');
    return;
  }
  const person = await newPerson('Agent');
  const email = `axe-${Date.now().toString(36)}@example.com`;
  await stack.must('POST', '/invitations', { emails: [email], role: 'Agent' });
  const invitation = linkIn(await stack.waitForMail(email, /invitation\//), 'invitation');
  const problems = [];
  for (const width of [1280, 360]) {
    // axe is injected as a script, which the console's CSP forbids: this page bypasses it.
    const page = await newPage({ bypassCSP: true, width });
    page.allowedStatuses.add(404).add(400); // the unknown invitation
    const check = async (name) => {
      // The page is drawn (app.js clears aria-busy on <main> when the page's render is done).
      await page.locator('#main[aria-busy="false"]').waitFor({ state: 'attached' });
      for (const v of await stack.axe(page)) problems.push(`${width}px ${name}: ${v}`);
    };
    await page.goto(`${stack.consoleUrl}#/sign-in`);
    await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
    await check('sign in');
    await page.goto(`${stack.consoleUrl}#/forgot-password`);
    await page.getByRole('heading', { name: 'Forgot password' }).waitFor();
    await check('forgot password');
    await page.goto(`${stack.consoleUrl}#/reset-password/not-a-token`);
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await check('reset password');
    await page.goto(invitation);
    await page.getByRole('heading', { name: 'Accept your invitation' }).waitFor();
    await page.getByRole('button', { name: 'Accept invitation' }).waitFor();
    await check('invitation');
    await page.goto(`${stack.consoleUrl}#/invitation/not-a-token`);
    await page.getByRole('alert').filter({ hasText: /\w/ }).waitFor();
    await check('unknown invitation');
    await signInPage(page, person.userName, person.password);
    await waitSignedIn(page);
    await page.goto(`${stack.consoleUrl}#/profile`);
    await page.getByRole('heading', { name: 'Change password' }).waitFor();
    await check('profile');
    await page.goto(`${stack.consoleUrl}#/security`);
    await page.getByRole('heading', { name: 'Codes by email' }).waitFor();
    await check('security');
    await page.getByRole('switch', { name: 'Two-factor authentication' }).click();
    await page.getByRole('img', { name: 'QR code for your authenticator app' }).waitFor();
    await check('security, enrolling');
    await page.getByRole('button', { name: 'Sign out' }).click();
  }
  assert.deepEqual(problems, []);
});
