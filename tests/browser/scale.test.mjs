// The Users page over 100,000 users (issue #15): the page asks the gateway for one page at a
// time (every request to /scim/v2/Users names a count of at most 100), shows the total, pages
// forward and back, and finds one user among them. The directory is seeded once, with slapadd
// (tools/seed-users.sh). SCIMGATE_SCALE_USERS changes the number (default 100000).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack } from './fixture.mjs';

const COUNT = Number(process.env.SCIMGATE_SCALE_USERS || 100000);
let stack;

before(async () => {
  stack = await startStack({ users: COUNT });
});

after(async () => {
  if (stack) await stack.stop();
});

test(`the Users page over ${COUNT} users asks for one page at a time`, async () => {
  const page = await stack.newPage();
  await stack.signIn(page, stack.admin.userName, stack.admin.password);
  const requests = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname.startsWith('/scim/v2/Users') && request.method() === 'GET' && url.pathname === '/scim/v2/Users') {
      requests.push(url);
    }
  });
  const total = (COUNT + 1).toLocaleString('en-US'); // + the demo administrator
  const started = Date.now();
  await page.goto(`${stack.consoleUrl}#/users`);
  await page.getByText(`Showing 1–25 of ${total}`).waitFor({ timeout: 30000 });
  const firstPageMs = Date.now() - started;
  assert.equal(await page.getByRole('table', { name: 'Users' }).locator('tbody tr').count(), 25);
  await stack.screenshot(page, 'users-100k');

  await page.getByRole('button', { name: 'Next page' }).click();
  await page.getByText(`Showing 26–50 of ${total}`).waitFor({ timeout: 30000 });
  await page.getByRole('button', { name: 'Next page' }).click();
  await page.getByText(`Showing 51–75 of ${total}`).waitFor({ timeout: 30000 });
  await page.getByRole('button', { name: 'Previous page' }).click();
  await page.getByText(`Showing 26–50 of ${total}`).waitFor({ timeout: 30000 });
  await stack.screenshot(page, 'users-100k-page-2');

  // One user among them, by email.
  const search = Date.now();
  await page.getByRole('searchbox', { name: 'Search by name or email' }).fill('seed054321@');
  await page.getByText('Showing 1–1 of 1').waitFor({ timeout: 30000 });
  const searchMs = Date.now() - search;
  await page.getByRole('link', { name: 'Given 054321 Jones 054321' }).waitFor(); // family names cycle (tools/seed-users.sh)

  // Sorted by email: still one page.
  await page.getByRole('searchbox', { name: 'Search by name or email' }).fill('');
  await page.getByRole('combobox', { name: 'Sort by' }).selectOption({ label: 'Email' });
  await page.getByText(`Showing 1–25 of ${total}`).waitFor({ timeout: 30000 });

  // Status: Active matches everyone; the directory answers it (scimgateStatus), paged like the rest.
  const answered = page.waitForResponse((r) => r.url().includes('status+eq') || r.url().includes('status%20eq'), { timeout: 30000 });
  await page.getByRole('combobox', { name: 'Status' }).selectOption({ label: 'Active' });
  const answer = await answered;
  assert.equal(answer.status(), 200, `Status: Active over ${COUNT} users: ${await answer.text()}`);
  await page.getByText(`Showing 1–25 of ${total}`).waitFor({ timeout: 30000 });
  // And a role: nobody seeded has one, the demo administrator is the one Administrator.
  await page.getByRole('combobox', { name: 'Role' }).selectOption({ label: 'Administrator' });
  await page.getByText('Showing 1–1 of 1').waitFor({ timeout: 30000 });
  await stack.screenshot(page, 'users-100k-active');

  assert.ok(requests.length >= 5, `requests seen: ${requests.length}`);
  for (const url of requests) {
    const count = url.searchParams.get('count');
    assert.ok(count !== null, `a request without count: ${url}`);
    assert.ok(Number(count) <= 100, `a request for ${count} users: ${url}`);
  }
  console.log(`first page in ${firstPageMs} ms, search in ${searchMs} ms, ${requests.length} list requests`);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
