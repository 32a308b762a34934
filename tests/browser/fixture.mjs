// The browser tests' stack (issue #15): a private slapd, the SMTP sink and the gateway serving
// the repository's console/, each on 127.0.0.1 on a free port in one temporary folder, and one
// headless chromium driven by playwright-core.
//
//   const stack = await startStack({ users: 0 });   // users: extra generated users (tools/seed-users.sh)
//   const page = await stack.newPage();             // a fresh browser context: its own sessionStorage
//   await page.goto(stack.consoleUrl);
//   ...
//   await stack.stop();                             // kills exactly what it started, removes the folder
//
// Environment:
//   SCIMGATE_GATEWAY_BIN        the gateway binary (default /work/bin/scimgate; CTest passes the built one)
//   SCIMGATE_CHROMIUM           the browser (default /usr/bin/chromium)
//   SCIMGATE_BROWSER_ARTIFACTS  where screenshots go (default tests/browser/artifacts)
//   SCIMGATE_BROWSER_KEEP=1     keep the temporary folder (logs, mails, audit trail) after stop()
import { spawn, execFile } from 'node:child_process';
import { createHmac, randomBytes, createHash } from 'node:crypto';
import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

const execFileP = promisify(execFile);
const AXE_PATH = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(HERE, '..', '..');
export const ARTIFACTS = path.resolve(process.env.SCIMGATE_BROWSER_ARTIFACTS || path.join(HERE, 'artifacts'));
export const SCIM_USER_EXT = 'urn:scimgate:params:scim:schemas:extension:2.0:User';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitForFile(file, child, what, log, seconds = 20) {
  for (let i = 0; i < seconds * 10; i++) {
    try {
      const text = (await readFile(file, 'utf8')).trim();
      if (text) return text;
    } catch { /* not yet */ }
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${what} exited before it was ready; see ${log}:\n${await tail(log)}`);
    }
    await sleep(100);
  }
  throw new Error(`${what} did not report its port within ${seconds} s; see ${log}:\n${await tail(log)}`);
}

async function tail(file, lines = 20) {
  try {
    return (await readFile(file, 'utf8')).split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function parseEnv(text) {
  const env = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2];
    if (v.startsWith("'") && v.endsWith("'")) v = v.slice(1, -1).replace(/'\\''/g, "'");
    env[m[1]] = v;
  }
  return env;
}

/** RFC 6238 TOTP (SHA-1, 6 digits, 30 s) for a base32 secret; `offset` in steps. */
export function totp(secretBase32, offset = 0, now = Date.now()) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secretBase32.replace(/=+$/, '').toUpperCase()) {
    const v = alphabet.indexOf(c);
    if (v < 0) continue;
    bits += v.toString(2).padStart(5, '0');
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  const key = Buffer.from(bytes);
  const counter = Math.floor(now / 1000 / 30) + offset;
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const h = createHmac('sha1', key).update(msg).digest();
  const o = h[h.length - 1] & 0xf;
  const code = ((h.readUInt32BE(o) & 0x7fffffff) % 1000000).toString().padStart(6, '0');
  return code;
}

// The last TOTP time step used per secret: the gateway accepts each step once per user and
// never one before the last it accepted, within mfa.window 1 (the previous, current and next
// step). So three codes in a row need no wait: the previous step, the current, the next.
const usedSteps = new Map();

/**
 * A TOTP code the gateway has not seen yet for this secret, later than the last one used: the
 * previous step (only while 5 s or more of the current step remain, so it is still inside the
 * window when the gateway checks it), the current or the next one; when all of them were used, it
 * waits for the next step to begin. Records its use.
 */
export async function freshTotp(secretBase32) {
  for (;;) {
    const nowMs = Date.now();
    const now = Math.floor(nowMs / 1000 / 30);
    const msLeft = (now + 1) * 30000 - nowMs;
    const earliest = msLeft >= 5000 ? now - 1 : now;
    const last = usedSteps.get(secretBase32) ?? -Infinity;
    const step = Math.max(earliest, last + 1);
    if (step <= now + 1) {
      usedSteps.set(secretBase32, step);
      return totp(secretBase32, step - now, nowMs);
    }
    await sleep(msLeft + 50);
  }
}

/** A password that meets the default rules. */
export function strongPassword() {
  return 'Pw-' + randomBytes(6).toString('hex') + 'aA7!';
}

/**
 * Starts the stack. Options: users (extra generated users, default 0), shareBrowser (default
 * true: one chromium for the stack), config (an object merged into the gateway's config top-level
 * sections), slapdArgs (extra arguments for tools/slapd-env.sh start).
 */
export async function startStack(options = {}) {
  const { users = 0, config: extraConfig = {}, slapdArgs = [] } = options;
  const gatewayBin = process.env.SCIMGATE_GATEWAY_BIN || '/work/bin/scimgate';
  const chromiumBin = process.env.SCIMGATE_CHROMIUM || '/usr/bin/chromium';
  if (!existsSync(gatewayBin)) throw new Error(`gateway binary not found: ${gatewayBin} (set SCIMGATE_GATEWAY_BIN)`);
  if (!existsSync(chromiumBin)) throw new Error(`chromium not found: ${chromiumBin} (apt-get install chromium, or set SCIMGATE_CHROMIUM)`);

  // Short path: slapd's ldapi socket must fit in 108 bytes.
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sgb-'));
  const children = []; // {name, child}
  const slapdDir = path.join(dir, 'slapd');
  const mailDir = path.join(dir, 'mail');
  await mkdir(mailDir);
  let slapdStarted = false;
  let browser = null;
  const stack = { dir, mailDir };

  const stop = async () => {
    if (browser) {
      await browser.close().catch(() => {});
      browser = null;
    }
    for (const { child } of children.reverse()) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const exited = new Promise((r) => child.once('exit', r));
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
    }
    children.length = 0;
    if (slapdStarted) {
      // slapd-env.sh stop kills only the slapd whose pid is recorded in that folder.
      await execFileP(path.join(REPO, 'tools/slapd-env.sh'), ['stop', slapdDir]).catch(() => {});
      slapdStarted = false;
    }
    if (process.env.SCIMGATE_BROWSER_KEEP !== '1') await rm(dir, { recursive: true, force: true });
    else console.error(`# stack folder kept: ${dir}`);
  };
  stack.stop = stop;

  try {
    // 1. slapd (daemonizes; its pid is recorded in slapdDir).
    await execFileP(path.join(REPO, 'tools/slapd-env.sh'), ['start', slapdDir, ...slapdArgs]);
    slapdStarted = true;
    if (users > 0) {
      await execFileP(path.join(REPO, 'tools/seed-users.sh'), [slapdDir, String(users)], {
        maxBuffer: 1 << 20,
      });
    }
    const ldap = parseEnv(await readFile(path.join(slapdDir, 'env'), 'utf8'));
    stack.ldap = ldap;

    // 2. SMTP sink.
    const smtpLog = path.join(dir, 'smtp-sink.log');
    const smtpPortFile = path.join(dir, 'smtp.port');
    const { openSync } = await import('node:fs');
    const smtp = spawn('/usr/bin/python3',
      [path.join(REPO, 'tools/smtp-sink.py'), '--dir', mailDir, '--port-file', smtpPortFile],
      { stdio: ['ignore', openSync(smtpLog, 'a'), openSync(smtpLog, 'a')] });
    children.push({ name: 'smtp-sink', child: smtp });
    const smtpPort = Number(await waitForFile(smtpPortFile, smtp, 'the SMTP sink', smtpLog));

    // 3. gateway.
    const token = randomBytes(24).toString('hex');
    const sha = createHash('sha256').update(token).digest('hex');
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const config = {
      server: { listen: '127.0.0.1', port, publicUrl: baseUrl, consoleDir: path.join(REPO, 'console') },
      tokens: [{ name: 'browser-tests', sha256: sha }],
      auth: { auditPath: path.join(dir, 'audit.log') },
      mfa: { store: { kind: 'sqlite', path: path.join(dir, 'mfa.db') } },
      mail: {
        smtp: { host: '127.0.0.1', port: smtpPort, security: 'none', from: 'scimgate tests <no-reply@scimgate.invalid>' },
        retry: { pollMilliseconds: 200 },
      },
      ldap: { uris: [ldap.SLAPD_URL], bindDn: ldap.SLAPD_BIND_DN, baseDn: ldap.SLAPD_SUFFIX },
    };
    for (const [k, v] of Object.entries(extraConfig)) config[k] = { ...(config[k] || {}), ...v };
    const configFile = path.join(dir, 'scimgate.json');
    await writeFile(configFile, JSON.stringify(config, null, 2), { mode: 0o600 });
    const gwLog = path.join(dir, 'scimgate.log');
    const gwPortFile = path.join(dir, 'port');
    const gateway = spawn(gatewayBin, ['--config', configFile, '--port-file', gwPortFile], {
      env: {
        ...process.env,
        SCIMGATE_MFA_KEY: randomBytes(32).toString('hex'),
        SCIMGATE_LDAP_BIND_PASSWORD: ldap.SLAPD_BIND_PASSWORD,
        SCIMGATE_SESSION_KEY: randomBytes(32).toString('hex'),
      },
      stdio: ['ignore', openSync(gwLog, 'a'), openSync(gwLog, 'a')],
    });
    children.push({ name: 'gateway', child: gateway });
    await waitForFile(gwPortFile, gateway, 'the gateway', gwLog);

    Object.assign(stack, {
      baseUrl,
      consoleUrl: `${baseUrl}/console/`,
      scimUrl: `${baseUrl}/scim/v2`,
      token,
      gatewayLog: gwLog,
      auditLog: path.join(dir, 'audit.log'),
    });

    /** fetch against the gateway; `auth`: a bearer token (default: the SCIM token), or null. */
    stack.api = async (method, p, body, auth = token) => {
      const headers = {};
      if (auth) headers.Authorization = `Bearer ${auth}`;
      if (body !== undefined) headers['Content-Type'] = p.startsWith('/scim/') ? 'application/scim+json' : 'application/json';
      const res = await fetch(baseUrl + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      let json = null;
      try { json = text ? JSON.parse(text) : null; } catch { json = text; }
      return { status: res.status, body: json, headers: res.headers };
    };
    const must = async (method, p, body, auth) => {
      const r = await stack.api(method, p, body, auth);
      if (r.status < 200 || r.status > 299) {
        throw new Error(`${method} ${p} answered ${r.status}: ${JSON.stringify(r.body)}`);
      }
      return r.body;
    };
    stack.must = must;

    /** Creates a user through SCIM (role: Administrator/Manager/Agent/Viewer, password set). */
    stack.createUser = async ({ userName, givenName = 'Test', familyName = 'User', email, role, password, active = true, extra = {} }) => {
      const body = {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName,
        name: { givenName, familyName },
        displayName: `${givenName} ${familyName}`,
        emails: [{ value: email || `${userName}@example.com`, type: 'work', primary: true }],
        active,
        ...extra,
      };
      if (password) body.password = password;
      if (role) body.roles = [{ value: role }];
      return must('POST', '/scim/v2/Users', body);
    };
    stack.findUser = async (userName) => {
      const r = await must('GET', `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`);
      return r.Resources && r.Resources[0];
    };
    /** Logs in through the API; with totpSecret also sends the current code. Returns the session. */
    stack.login = async (userName, password, totpSecret) => {
      const body = { userName, password };
      if (totpSecret) body.code = await freshTotp(totpSecret);
      return must('POST', '/auth/login', body, null);
    };
    /** Enrols TOTP for a person (through their session); returns the base32 secret. */
    stack.enrolTotp = async (sessionToken) => {
      const e = await must('POST', '/mfa/totp', {}, sessionToken);
      await must('POST', '/mfa/totp/confirm', { code: await freshTotp(e.secret) }, sessionToken);
      return e.secret;
    };

    // The demo administrator from tools/slapd-env.sh, with a fresh password.
    const adminUser = await stack.findUser('demo-admin');
    const adminPassword = strongPassword();
    await must('POST', '/auth/password/set', { userId: adminUser.id, newPassword: adminPassword, confirmPassword: adminPassword });
    stack.admin = { userName: 'demo-admin', password: adminPassword, id: adminUser.id, email: 'demo-admin@example.com' };

    /** The mails the sink kept, oldest first ({from,to,subject,text,html}). */
    stack.readMails = async () => {
      const names = (await readdir(mailDir)).filter((n) => /^\d+\.json$/.test(n));
      names.sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
      return Promise.all(names.map(async (n) => JSON.parse(await readFile(path.join(mailDir, n), 'utf8'))));
    };
    /** Waits for a mail to `to` whose text matches `re` (up to `seconds`); returns it. */
    stack.waitForMail = async (to, re = /./, seconds = 15) => {
      for (let i = 0; i < seconds * 5; i++) {
        const mails = await stack.readMails();
        const m = mails.reverse().find((x) => x.to.some((t) => t.toLowerCase() === to.toLowerCase()) && re.test(x.text));
        if (m) return m;
        await sleep(200);
      }
      throw new Error(`no mail to ${to} matching ${re} within ${seconds} s`);
    };
    /** ldapsearch as the rootdn against the fixture's slapd; args e.g. ['-b', base, '(uid=x)', 'attr']. */
    stack.ldapsearch = async (args) => {
      const env = parseEnv(await readFile(path.join(slapdDir, 'env'), 'utf8'));
      const { stdout } = await execFileP('ldapsearch',
        ['-x', '-LLL', '-o', 'ldif-wrap=no', '-H', env.SLAPD_URL, '-D', env.SLAPD_ROOT_DN, '-w', env.SLAPD_ROOT_PASSWORD, ...args],
        { env: { ...process.env, LDAPNOINIT: '1' }, maxBuffer: 16 << 20 });
      return stdout;
    };
    /** One attribute's values of the user with that uid (e.g. 'pwdAccountLockedTime'). */
    stack.ldapAttr = async (uid, attr) => {
      const out = await stack.ldapsearch(['-b', `ou=people,${ldap.SLAPD_SUFFIX}`, `(uid=${uid})`, attr]);
      const prefix = attr.toLowerCase() + ':';
      return out.split('\n').filter((l) => l.toLowerCase().startsWith(prefix)).map((l) => l.slice(prefix.length).trim());
    };

    // 4. chromium (one per stack, i.e. per test file).
    const args = [];
    if (typeof process.getuid === 'function' && process.getuid() === 0) args.push('--no-sandbox');
    browser = await chromium.launch({ executablePath: chromiumBin, headless: true, args });
    stack.browser = browser;

    /**
     * A page in a fresh context. Options: width/height (viewport, default 1280x800). The page
     * collects console errors and uncaught exceptions in page.errors (tests assert it stays empty).
     */
    stack.newPage = async ({ width = 1280, height = 800, bypassCSP = false } = {}) => {
      const context = await browser.newContext({ viewport: { width, height }, bypassCSP });
      const page = await context.newPage();
      page.errors = [];
      page.on('console', (msg) => {
        if (msg.type() === 'error') page.errors.push(`console: ${msg.text()}`);
      });
      page.on('pageerror', (err) => page.errors.push(`pageerror: ${err.message}`));
      return page;
    };
    /**
     * Runs axe-core (WCAG 2.1 A and AA rules) on the page as it is and returns the violations as
     * strings ("rule: selector, ..."). The page must come from newPage({bypassCSP: true}): axe is
     * injected as a script, which the console's Content-Security-Policy forbids otherwise.
     */
    stack.axe = async (page) => {
      // Once per document: the console changes pages by hash, so axe stays loaded.
      if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.addScriptTag({ path: AXE_PATH });
      const violations = await page.evaluate(async () => {
        const result = await window.axe.run(document, {
          runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
        });
        return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
      });
      return violations;
    };
    /** Saves a full-page PNG as ARTIFACTS/<name>.png and returns its path. */
    stack.screenshot = async (page, name) => {
      await mkdir(ARTIFACTS, { recursive: true });
      const file = path.join(ARTIFACTS, `${name.replace(/[^A-Za-z0-9._-]+/g, '-')}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    };
    /**
     * Signs a person in through the sign-in page (and the second step when totpSecret is given).
     * Waits until the sign-in page is gone.
     */
    stack.signIn = async (page, userName, password, totpSecret) => {
      await page.goto(`${stack.consoleUrl}#/sign-in`);
      await page.getByRole('textbox', { name: 'User name or email' }).fill(userName);
      await page.getByLabel('Password', { exact: true }).fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      if (totpSecret) {
        await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
        await page.getByRole('textbox', { name: 'Verification code' }).fill(await freshTotp(totpSecret));
        await page.getByRole('button', { name: 'Verify' }).click();
      }
      await page.waitForFunction(() => !/^#\/sign-in/.test(location.hash) && location.hash !== '', null, { timeout: 15000 });
    };
    return stack;
  } catch (err) {
    await stop();
    throw err;
  }
}
