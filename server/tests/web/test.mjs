// The web app and the MCP Apps views in a real browser (Debian's chromium,
// headless, driven by playwright-core), against a running `teetrack serve`:
//   node test.mjs BASE_URL OUT_DIR WORK_DIR
// TEETRACK_BIN and TEETRACK_DATABASE_URL name the binary and the database
// the server uses (run.sh sets them, with users ada and bob and their
// passwords). Each check prints one line; the last line counts them.
import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const [base, outDir, workDir] = process.argv.slice(2);
const BIN = process.env.TEETRACK_BIN;
const PASSWORDS = { ada: 'ada-passphrase-1', bob: 'bob-passphrase-2' };
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
const UI = 'io.modelcontextprotocol/ui';
const MIME = 'text/html;profile=mcp-app';
mkdirSync(outDir, { recursive: true });

let passed = 0;
let failed = 0;
async function check(name, body) {
  const started = Date.now();
  try {
    await body();
    passed++;
    console.log(`ok ${passed + failed} - ${name} (${Date.now() - started} ms)`);
  } catch (err) {
    failed++;
    console.log(`not ok ${passed + failed} - ${name}: ${err.stack || err}`);
  }
}
function assert(condition, message) {
  if (!condition) throw new Error(message);
}

// The official TypeScript MCP client over stdio: `teetrack mcp` with a token.
async function stdioClient(token) {
  const client = new Client({ name: 'web-test', version: '1.0.0' });
  await client.connect(new StdioClientTransport({
    command: BIN,
    args: ['mcp'],
    env: { ...process.env, TEETRACK_MCP_TOKEN: token },
    stderr: 'ignore',
  }));
  return client;
}

// Over HTTP, declaring MCP Apps (or not).
async function httpClient(token, apps) {
  const client = new Client(
    { name: apps ? 'apps-host' : 'plain-host', version: '1.0.0' },
    { capabilities: apps ? { extensions: { [UI]: { mimeTypes: [MIME] } } } : {} },
  );
  await client.connect(new StreamableHTTPClientTransport(new URL('/api/mcp', base), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  }));
  return client;
}

async function call(client, name, args = {}) {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError) throw new Error(`${name}: ${result.content[0].text}`);
  return result.structuredContent;
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const axeSource = readFileSync(new URL('./node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');

// A page with every console error and every request outside this server
// counted as a failure: nothing may be fetched from elsewhere.
async function newPage(context, label) {
  const page = await context.newPage();
  page.problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/status of 40[13]/.test(msg.text())) page.problems.push(`${label}: console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => page.problems.push(`${label}: ${err.message}`));
  page.on('request', (req) => {
    const url = new URL(req.url());
    if (!['data:', 'about:'].includes(url.protocol) && url.origin !== new URL(base).origin) {
      page.problems.push(`${label}: fetched from outside: ${req.url()}`);
    }
  });
  return page;
}

async function signIn(page, who) {
  await page.goto(new URL('/signin', base).href);
  await page.fill('#email', `${who}@example.com`);
  await page.fill('#password', PASSWORDS[who]);
  await Promise.all([page.waitForNavigation(), page.click('form:has(#password) button[type=submit]')]);
}

// An empty section or an unformatted value must not leak into a page as
// the text "null", "undefined", "[object …]" or raw JSON (outside the code
// blocks that show configuration on purpose).
async function assertNoLeak(page, label) {
  const main = await page.$eval('main', (node) => {
    const copy = node.cloneNode(true);
    copy.querySelectorAll('pre, code').forEach((c) => c.remove());
    return copy.textContent;
  });
  // Unanchored: such text lands glued to its neighbours ("0:00:00null").
  const leak = main.match(/null|undefined|\[object |\{"/);
  assert(!leak, `${label} shows "${leak && leak[0]}" in: ${leak ? main.slice(Math.max(0, leak.index - 60), leak.index + 60) : ''}`);
}

async function axe(page, label) {
  // Evaluated over the DevTools protocol: the pages' CSP allows no inline script.
  // `page` may be a frame (a view inside the host).
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
  const problems = result.violations.map((v) =>
    `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  assert(problems.length === 0, `${label}: ${problems.join('\n  ')}`);
}

const ada = await browser.newContext({ viewport: DESKTOP });
const page = await newPage(ada, 'ada');
let mcp; // ada's `teetrack mcp`, with the token made in settings
let token;

await check('the sign-in page loads and a wrong password is refused', async () => {
  await page.goto(new URL('/', base).href);
  assert(page.url().endsWith('/signin'), `/ without a session went to ${page.url()}`);
  await page.fill('#email', 'ada@example.com');
  await page.fill('#password', 'not-the-password');
  const [response] = await Promise.all([
    page.waitForNavigation(),
    page.click('form:has(#password) button[type=submit]'),
  ]);
  assert(response.status() === 401, `status ${response.status()}`);
  const alert = await page.textContent('[role=alert]');
  assert(/do not match/.test(alert), alert);
  const cookies = await ada.cookies();
  assert(!cookies.some((c) => c.name.includes('teetrack_session')), 'a failed sign-in set a session cookie');
});

await check('sign-in with email and password opens the dashboard; the cookie is HttpOnly and SameSite=Lax', async () => {
  await signIn(page, 'ada');
  assert(new URL(page.url()).pathname === '/', page.url());
  await page.waitForSelector('text=Running timers');
  const cookie = (await ada.cookies()).find((c) => c.name === 'teetrack_session');
  assert(cookie && cookie.httpOnly && cookie.sameSite === 'Lax', JSON.stringify(cookie));
  const visible = await page.evaluate(() => document.cookie);
  assert(!visible.includes('teetrack_session'), 'the session is readable by scripts');
});

await check('a token created in settings is shown once and then works for `teetrack mcp`', async () => {
  await page.goto(new URL('/settings', base).href);
  await page.fill('#token-name', 'laptop');
  await Promise.all([page.waitForNavigation(), page.click('form[action="/settings/tokens"] button')]);
  token = (await page.textContent('#new-token')).trim();
  assert(/^tt_[A-Za-z0-9]{40}$/.test(token), token);
  const config = await page.textContent('#config-claude-code');
  assert(config.includes(token), 'the Claude Code configuration does not hold the new token');
  mcp = await stdioClient(token);
  const context = await call(mcp, 'get_context');
  assert(context.user.email === 'ada@example.com', JSON.stringify(context.user));
  await page.reload();
  assert(!(await page.content()).includes(token), 'the token is shown again after a reload');
  assert((await page.textContent('main')).includes('laptop'), 'the token is not listed');
});

await check('seed: a client, a project and tracks made over MCP', async () => {
  await call(mcp, 'create_client', { name: 'Nordwind GmbH', email: 'billing@nordwind.example' });
  await call(mcp, 'create_project', { name: 'Website redesign', client: 'Nordwind GmbH', hourly_rate: '95' });
  await call(mcp, 'log_track', { description: 'Wireframes', project: 'Website redesign', start: 'yesterday', duration: '2h' });
  await call(mcp, 'log_track', { description: 'Landing page copy', project: 'Website redesign', start: '00:10', duration: '45m' });
  // Inside the one before, on purpose: the timesheet review always has an
  // overlap to show (others come and go with the hour the suite runs at).
  await call(mcp, 'log_track', { description: 'Design sync', project: 'Website redesign', start: '00:20', duration: '15m' });
});

await check('a timer started over MCP appears on the open dashboard without a reload, and Stop there stops it', async () => {
  await page.goto(new URL('/', base).href);
  await page.waitForSelector('text=No timer is running.');
  const started = await call(mcp, 'start_timer', { description: 'Started by the assistant', project: 'Website redesign' });
  const t0 = Date.now();
  await page.waitForSelector('text=Started by the assistant', { timeout: 10000 });
  console.log(`    (the timer appeared after ${Date.now() - t0} ms)`);
  const before = await page.textContent(`[data-timer-id="${started.timer.id}"] .elapsed`);
  await page.waitForTimeout(1200);
  const after = await page.textContent(`[data-timer-id="${started.timer.id}"] .elapsed`);
  assert(before !== after, `the timer does not tick: ${before} then ${after}`);
  await Promise.all([
    page.waitForNavigation(),
    page.click('button[aria-label="Stop timer: Started by the assistant"]'),
  ]);
  const active = await call(mcp, 'list_active_timers');
  assert(active.timers.length === 0, `still running: ${JSON.stringify(active.timers)}`);
  await page.waitForSelector('text=No timer is running.');
  assert((await page.textContent('main')).includes('Started by the assistant'), 'the stopped track is not listed');
});

await check('keyboard only: Tab to the Start form, type, Enter starts a timer; Switch moves to another task', async () => {
  await page.goto(new URL('/', base).href);
  await page.waitForSelector('#start-description');
  let focused = '';
  for (let i = 0; i < 60 && focused !== 'start-description'; i++) {
    await page.keyboard.press('Tab');
    focused = await page.evaluate(() => document.activeElement && document.activeElement.id);
  }
  assert(focused === 'start-description', 'Tab never reached the Start form');
  await page.keyboard.type('Typed at the keyboard');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  await page.waitForSelector('text=Typed at the keyboard');
  const active = await call(mcp, 'list_active_timers');
  const typed = active.timers.find((t) => t.description === 'Typed at the keyboard');
  assert(typed, JSON.stringify(active));
  // Switch, from the timer's own card.
  await page.click(`[data-timer-id="${typed.id}"] summary`);
  await page.fill(`#switch-d-${typed.id}`, 'Switched task');
  await Promise.all([page.waitForNavigation(), page.click(`[data-timer-id="${typed.id}"] form button[type=submit]`)]);
  await page.waitForSelector('text=Switched task');
  const switched = await call(mcp, 'list_active_timers');
  assert(switched.timers.length === 1 && switched.timers[0].description === 'Switched task', JSON.stringify(switched));
  await call(mcp, 'stop_timer', {});
});

await check('log-time form: a tool refusal is shown with its words, a good entry is listed', async () => {
  await page.goto(new URL('/', base).href);
  await page.fill('#log-description', 'Bad one');
  await page.fill('#log-start', 'not a time');
  await page.fill('#log-duration', '30m');
  await page.click('form[data-tool=log_track] button[type=submit]');
  await page.waitForSelector('form[data-tool=log_track] [role=alert]:not(:empty)');
  const message = await page.textContent('form[data-tool=log_track] [role=alert]');
  assert(/cannot read "not a time" as a time/.test(message), message);
  await page.fill('#log-description', 'Code review');
  await page.fill('#log-start', '01:00');
  await page.fill('#log-project', 'Website redesign');
  await Promise.all([page.waitForNavigation(), page.click('form[data-tool=log_track] button[type=submit]')]);
  assert((await page.textContent('main')).includes('Code review'), 'the logged track is not listed');
});

await check('CSRF: a tool call without the token, from another origin, or a form without it is refused', async () => {
  const outcomes = await page.evaluate(async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'start_timer', arguments: { description: 'forged' } } });
    const noToken = await fetch('/app/rpc', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const wrongToken = await fetch('/app/rpc', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': 'guess' }, body });
    return [noToken.status, wrongToken.status];
  });
  assert(outcomes[0] === 403 && outcomes[1] === 403, `statuses ${outcomes}`);
  const csrf = await page.getAttribute('meta[name=csrf-token]', 'content');
  const foreign = await page.request.post(new URL('/app/rpc', base).href, {
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrf, origin: 'https://evil.example' },
    data: { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'start_timer', arguments: { description: 'forged' } } },
  });
  assert(foreign.status() === 403, `cross-origin status ${foreign.status()}`);
  const form = await page.request.post(new URL('/settings/tokens', base).href, { form: { name: 'forged' } });
  assert(form.status() === 403, `form without a token: ${form.status()}`);
  const active = await call(mcp, 'list_active_timers');
  assert(active.timers.length === 0, 'a forged request started a timer');
  const tokens = await page.goto(new URL('/settings', base).href);
  assert(tokens.ok() && !(await page.textContent('main')).includes('forged'), 'a forged form made a token');
});

await check('pages render: projects (budget bars), clients, tags, reports, invoices, settings', async () => {
  await call(mcp, 'update_project', { project: 'Website redesign', budget: { hours: '10', period: 'total' } });
  for (const [path, text] of [['/projects', '10 h'], ['/clients', 'Nordwind GmbH'], ['/tags', 'New tag'],
    ['/reports', 'Top projects'], ['/reports?period=this_year', 'Top projects'], ['/reports?period=last_week', 'Timesheet'], ['/reports?period=this_week', 'Budgets'], ['/invoices', 'Preview an invoice'], ['/settings', 'Connect an assistant']]) {
    const response = await page.goto(new URL(path, base).href);
    assert(response.status() === 200, `${path}: ${response.status()}`);
    assert((await page.textContent('main')).includes(text), `${path} lacks ${text}`);
    const alerts = await page.$$eval('[role=alert]', (nodes) => nodes.map((n) => n.textContent.trim()).filter(Boolean));
    assert(alerts.length === 0, `${path} shows an error: ${alerts.join(' | ')}`);
    await assertNoLeak(page, path);
  }
  await page.goto(new URL('/reports', base).href);
  const overlaps = await page.textContent('main');
  assert(/Overlaps \(\d+, [0-9:]+\)/.test(overlaps), 'the timesheet shows no overlap');
  assert(/“Landing page copy” and “Design sync” · \d{4}-\d\d-\d\d 00:20–00:35 · 0:15:00/.test(overlaps),
    `the overlap is not told in words: ${overlaps.slice(overlaps.indexOf('Overlaps'), overlaps.indexOf('Overlaps') + 300)}`);
});

await check('invoices: preview, generate, send, CSV download (pro tier)', async () => {
  await page.goto(new URL('/invoices/preview?client=Nordwind+GmbH&period=this_month', base).href);
  await page.waitForSelector('text=Invoice preview');
  await assertNoLeak(page, page.url());
  await Promise.all([page.waitForNavigation(), page.click('button:has-text("Generate invoice")')]);
  assert(/\/invoices\/\d+$/.test(page.url()), page.url());
  await page.waitForSelector('text=(draft)');
  await Promise.all([page.waitForNavigation(), page.click('button:has-text("Send (mark as sent)")')]);
  await page.waitForSelector('text=(sent)');
  await assertNoLeak(page, page.url());
  const id = page.url().split('/').pop();
  const csv = await page.request.get(new URL(`/invoices/${id}.csv`, base).href);
  assert(csv.status() === 200 && (await csv.text()).startsWith('invoice_number,'), `csv ${csv.status()}`);
});

await check('axe-core (WCAG 2.1 A and AA, contrast included) finds nothing on any page', async () => {
  for (const path of ['/', '/projects', '/clients', '/tags', '/reports', '/invoices', '/settings', '/account/password']) {
    await page.goto(new URL(path, base).href);
    await page.waitForLoadState('networkidle');
    await axe(page, path);
  }
  const anonymous = await newPage(await browser.newContext({ viewport: PHONE }), 'anonymous');
  await anonymous.goto(new URL('/signin', base).href);
  await axe(anonymous, '/signin');
  // The dark scheme has its own colours: their contrast too.
  const dark = await newPage(await browser.newContext({ viewport: PHONE, colorScheme: 'dark' }), 'dark');
  await signIn(dark, 'ada');
  for (const path of ['/', '/reports', '/settings', '/invoices']) {
    await dark.goto(new URL(path, base).href);
    await dark.waitForLoadState('networkidle');
    await axe(dark, `${path} (dark)`);
  }
});

await check('server render time of every page (time to the first byte, 5 loads each)', async () => {
  const lines = [];
  for (const path of ['/', '/projects', '/clients', '/tags', '/reports', '/reports?period=this_year', '/invoices', '/settings']) {
    const times = [];
    for (let i = 0; i < 5; i++) {
      await page.goto(new URL(path, base).href);
      times.push(await page.evaluate(() => {
        const nav = performance.getEntriesByType('navigation')[0];
        return nav.responseStart - nav.requestStart;
      }));
    }
    times.sort((a, b) => a - b);
    lines.push(`${path}: median ${times[2].toFixed(1)} ms, max ${times[4].toFixed(1)} ms`);
  }
  writeFileSync(join(outDir, 'page-times.txt'), `${lines.join('\n')}\n`);
  for (const line of lines) console.log(`    ${line}`);
});

await check('screenshots of every page at desktop and phone widths', async () => {
  const pages = ['/', '/projects', '/clients', '/tags', '/reports', '/invoices', '/settings'];
  for (const [name, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    await page.setViewportSize(viewport);
    for (const path of pages) {
      await page.goto(new URL(path, base).href);
      await page.waitForLoadState('networkidle');
      const file = `${path === '/' ? 'dashboard' : path.slice(1)}-${name}.png`;
      await page.screenshot({ path: join(outDir, file), fullPage: true });
      const wide = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
      assert(!wide, `${path} is wider than the ${name} viewport`);
    }
  }
  await page.setViewportSize(DESKTOP);
  const anonymous = await newPage(await browser.newContext({ viewport: PHONE }), 'signin');
  await anonymous.goto(new URL('/signin', base).href);
  await anonymous.screenshot({ path: join(outDir, 'signin-phone.png'), fullPage: true });
});

await check('one user never sees another\'s data: bob\'s pages hold nothing of ada\'s', async () => {
  const bob = await newPage(await browser.newContext({ viewport: DESKTOP }), 'bob');
  await signIn(bob, 'bob');
  for (const path of ['/', '/projects', '/clients', '/tags', '/reports', '/invoices', '/settings']) {
    await bob.goto(new URL(path, base).href);
    await bob.waitForLoadState('networkidle');
    const text = await bob.textContent('body');
    for (const secret of ['Website redesign', 'Nordwind', 'Started by the assistant', 'Code review', 'laptop', 'ada@example.com']) {
      assert(!text.includes(secret), `${path} shows bob "${secret}"`);
    }
  }
  const adaInvoice = await bob.goto(new URL('/invoices/1', base).href);
  assert(!(await bob.textContent('main')).includes('Nordwind'), `bob reads ada's invoice (${adaInvoice.status()})`);
  const csv = await bob.request.get(new URL('/invoices/1.csv', base).href);
  assert(!(await csv.text()).includes('Nordwind'), 'bob downloads ada\'s CSV');
  // A view's tool call as bob cannot stop ada's timer.
  const running = await call(mcp, 'start_timer', { description: 'Ada only' });
  const outcome = await bob.evaluate(async (id) => {
    const csrf = document.querySelector('meta[name=csrf-token]').content;
    const answer = await fetch('/app/rpc', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'stop_timer', arguments: { id } } }) });
    return answer.json();
  }, running.timer.id);
  assert(outcome.result && outcome.result.isError, `bob stopped ada's timer: ${JSON.stringify(outcome)}`);
  const still = await call(mcp, 'list_active_timers');
  assert(still.timers.some((t) => t.id === running.timer.id), 'ada\'s timer stopped');
  await call(mcp, 'stop_timer', { id: running.timer.id });
});

await check('change password: the old one stops working, the new one signs in', async () => {
  await page.goto(new URL('/account/password', base).href);
  await page.fill('#current', PASSWORDS.ada);
  await page.fill('#new', 'a-brand-new-passphrase');
  await Promise.all([page.waitForNavigation(), page.click('form[action="/account/password"] button[type=submit]')]);
  assert((await page.textContent('[role=status]')).includes('changed'), 'no confirmation');
  const old = await newPage(await browser.newContext({ viewport: DESKTOP }), 'old-password');
  await old.goto(new URL('/signin', base).href);
  await old.fill('#email', 'ada@example.com');
  await old.fill('#password', PASSWORDS.ada);
  const [refused] = await Promise.all([old.waitForNavigation(), old.click('form:has(#password) button[type=submit]')]);
  assert(refused.status() === 401, `the old password still signs in (${refused.status()})`);
  PASSWORDS.ada = 'a-brand-new-passphrase';
});

await check('sign-out ends the session: the dashboard asks to sign in again', async () => {
  await page.goto(new URL('/', base).href);
  await Promise.all([page.waitForNavigation(), page.click('header form[action="/signout"] button')]);
  assert(page.url().endsWith('/signin'), page.url());
  await page.goto(new URL('/', base).href);
  assert(page.url().endsWith('/signin'), `after sign-out / is ${page.url()}`);
  const rpc = await page.request.post(new URL('/app/rpc', base).href, { data: {} });
  assert(rpc.status() === 401, `rpc after sign-out: ${rpc.status()}`);
  await signIn(page, 'ada');
  assert(new URL(page.url()).pathname === '/', 'the new password does not sign in');
});

await check('MCP Apps: a host without the extension sees no views; one with it gets _meta.ui and ui:// resources', async () => {
  const plain = await httpClient(token, false);
  const plainTools = (await plain.listTools()).tools;
  assert(plainTools.every((t) => !t._meta || !t._meta.ui), 'a plain host sees _meta.ui');
  const plainResources = (await plain.listResources()).resources;
  assert(plainResources.every((r) => !r.uri.startsWith('ui://')), 'a plain host sees ui:// resources');
  await plain.close();
  const host = await httpClient(token, true);
  const caps = host.getServerCapabilities();
  assert(caps.extensions && caps.extensions[UI], `no extension in ${JSON.stringify(caps)}`);
  const tools = (await host.listTools()).tools;
  const withUi = tools.filter((t) => t._meta && t._meta.ui).map((t) => t.name).sort();
  for (const name of ['get_invoice', 'get_time_totals', 'list_active_timers', 'preview_invoice', 'review_timesheet', 'start_timer']) {
    assert(withUi.includes(name), `${name} has no view (${withUi})`);
  }
  const resources = (await host.listResources()).resources.filter((r) => r.uri.startsWith('ui://'));
  assert(resources.length === 4 && resources.every((r) => r.mimeType === MIME), JSON.stringify(resources));
  await host.close();
});

await check('MCP Apps: the timer view in the ext-apps AppBridge host stops the timer with its Stop button', async () => {
  const host = await httpClient(token, true);
  const tool = (await host.listTools()).tools.find((t) => t.name === 'start_timer');
  const read = await host.readResource({ uri: tool._meta.ui.resourceUri });
  const view = read.contents[0];
  assert(view.mimeType === MIME, view.mimeType);
  const csp = view._meta.ui.csp;
  assert(['connectDomains', 'resourceDomains', 'frameDomains', 'baseUriDomains'].every((k) => csp[k].length === 0), JSON.stringify(csp));
  const input = { description: 'From the host', project: 'Website redesign' };
  const result = await host.callTool({ name: 'start_timer', arguments: input });
  const hostPage = await newPage(await browser.newContext({ viewport: { width: 480, height: 700 } }), 'host');
  await hostPage.exposeFunction('mcpCallTool', async (params) => host.callTool(params));
  await hostPage.setContent('<!doctype html><html><head><title>Test host</title></head><body></body></html>');
  await hostPage.addScriptTag({ content: readFileSync(join(workDir, 'host.js'), 'utf8') });
  await hostPage.evaluate((args) => window.startHost(args),
    { html: view.text, toolInput: input, toolResult: result, theme: 'dark', width: 420 });
  const frame = hostPage.frameLocator('iframe');
  await frame.locator('text=From the host').waitFor({ timeout: 10000 });
  await hostPage.screenshot({ path: join(outDir, 'mcp-app-timer-narrow-dark.png') });
  const theme = await frame.locator('html').getAttribute('data-theme');
  assert(theme === 'dark', `the view ignored the host's theme (${theme})`);
  const viewFrame = hostPage.frames().find((f) => f !== hostPage.mainFrame());
  await axe(viewFrame, 'the timer view in the host (dark)');
  await frame.locator('button[aria-label="Stop timer: From the host"]').click();
  await frame.locator('text=No timer is running.').waitFor({ timeout: 10000 });
  const active = await call(host, 'list_active_timers');
  assert(active.timers.length === 0, `still running: ${JSON.stringify(active.timers)}`);
  // The totals view, too: the chart draws from the tool's result.
  const totalsUri = (await host.listTools()).tools.find((t) => t.name === 'get_time_totals')._meta.ui.resourceUri;
  const totalsHtml = (await host.readResource({ uri: totalsUri })).contents[0].text;
  const totals = await host.callTool({ name: 'get_time_totals', arguments: { period: 'this_week' } });
  const chartPage = await newPage(await browser.newContext({ viewport: { width: 480, height: 700 } }), 'host-totals');
  await chartPage.exposeFunction('mcpCallTool', async (params) => host.callTool(params));
  await chartPage.setContent('<!doctype html><html><head><title>Test host</title></head><body></body></html>');
  await chartPage.addScriptTag({ content: readFileSync(join(workDir, 'host.js'), 'utf8') });
  await chartPage.evaluate((args) => window.startHost(args),
    { html: totalsHtml, toolInput: { period: 'this_week' }, toolResult: totals, theme: 'light', width: 360 });
  await chartPage.frameLocator('iframe').locator('svg[role=img]').waitFor({ timeout: 10000 });
  await chartPage.screenshot({ path: join(outDir, 'mcp-app-totals-narrow-light.png') });
  for (const p of [hostPage, chartPage]) assert(p.problems.length === 0, p.problems.join('\n'));
  await host.close();
});

await check('no page logged an error or fetched anything from outside', async () => {
  assert(page.problems.length === 0, page.problems.join('\n'));
});

if (mcp) await mcp.close();
await browser.close();
writeFileSync(join(outDir, 'RESULT'), `${passed} passed, ${failed} failed\n`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
