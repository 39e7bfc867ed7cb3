// The generated reference in a real browser (Debian's chromium, headless):
//   node test.mjs BASE_URL DOCS_DIR OUT_DIR
// BASE_URL serves docs/ (e.g. http://127.0.0.1:8000/docs/). Checks that every
// page reachable from the index loads with no console error and no failed
// request, that every internal link and #anchor resolves, that no page is
// wider than a phone, that the search finds tools by a word of their
// description (over HTTP and from file://), and writes screenshots to OUT_DIR.

import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [base, docsDir, outDir] = process.argv.slice(2);
if (!base || !docsDir || !outDir) {
  console.error('usage: node test.mjs BASE_URL DOCS_DIR OUT_DIR');
  process.exit(2);
}
const baseUrl = new URL(base);
mkdirSync(outDir, { recursive: true });

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

const failures = [];
function fail(message) {
  failures.push(message);
  console.error(`FAIL ${message}`);
}

const userDataDir = mkdtempSync(join(tmpdir(), 'teetrack-docs-chromium-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  viewport: DESKTOP,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});

try {
  const page = context.pages()[0] || (await context.newPage());
  // Everything that goes wrong on a page, tagged with the page being checked.
  let current = '';
  page.on('console', (msg) => {
    if (msg.type() === 'error') {
      fail(`${current}: console ${msg.type()}: ${msg.text()}`);
    }
  });
  page.on('pageerror', (err) => fail(`${current}: uncaught ${err.message}`));
  page.on('requestfailed', (req) =>
    fail(`${current}: request failed ${req.url()} (${req.failure()?.errorText})`),
  );
  page.on('response', (res) => {
    if (res.status() >= 400) {
      fail(`${current}: ${res.status()} for ${res.url()}`);
    }
  });

  // 1. Crawl from the index: every page, every internal link and anchor.
  const inSite = (url) => url.origin === baseUrl.origin && url.pathname.startsWith(baseUrl.pathname);
  const pageKey = (url) => url.origin + url.pathname;
  const queue = [new URL('index.html', baseUrl).href];
  const visited = new Map(); // page -> ids on it
  const anchors = []; // [from, target url with hash]
  while (queue.length > 0) {
    const href = queue.shift();
    const url = new URL(href);
    if (visited.has(pageKey(url))) {
      continue;
    }
    current = url.pathname.slice(baseUrl.pathname.length) || 'index.html';
    const response = await page.goto(pageKey(url), { waitUntil: 'load' });
    if (!response || !response.ok()) {
      fail(`${current}: status ${response && response.status()}`);
      visited.set(pageKey(url), new Set());
      continue;
    }
    const { ids, links, title } = await page.evaluate(() => ({
      ids: [...document.querySelectorAll('[id]')].map((e) => e.id),
      links: [...document.querySelectorAll('a[href]')].map((a) => a.href),
      title: document.title,
    }));
    if (!title) {
      fail(`${current}: no <title>`);
    }
    visited.set(pageKey(url), new Set(ids));
    for (const link of links) {
      const target = new URL(link);
      if (target.protocol === 'file:' || !inSite(target)) {
        if (target.origin === baseUrl.origin) {
          fail(`${current}: link outside the site: ${link}`);
        }
        continue;
      }
      if (target.hash) {
        anchors.push([current, target]);
      }
      if (!visited.has(pageKey(target))) {
        queue.push(pageKey(target));
      }
    }
  }
  for (const [from, target] of anchors) {
    const ids = visited.get(pageKey(target));
    const id = decodeURIComponent(target.hash.slice(1));
    if (ids && ids.size > 0 && !ids.has(id)) {
      fail(`${from}: link to a missing anchor ${target.pathname}${target.hash}`);
    }
  }
  const pages = [...visited.keys()];
  const toolPages = pages.filter((p) => p.includes('/tools/'));
  console.log(`crawled ${pages.length} pages (${toolPages.length} tool pages), ${anchors.length} anchors`);
  if (toolPages.length === 0) {
    fail('index.html: links to no tool page');
  }

  // 2. On a phone, nothing is wider than the screen.
  await page.setViewportSize(PHONE);
  for (const p of pages) {
    current = `${p.slice(baseUrl.origin.length)} (phone)`;
    await page.goto(p, { waitUntil: 'load' });
    const wide = await page.evaluate(() => {
      const max = document.documentElement.clientWidth;
      if (document.documentElement.scrollWidth <= max) {
        return null;
      }
      const culprit = [...document.querySelectorAll('main *')].find(
        (e) => e.getBoundingClientRect().right > max + 1 && !e.closest('pre, .table-wrap'),
      );
      return `${document.documentElement.scrollWidth}px > ${max}px` +
        (culprit ? ` (${culprit.tagName.toLowerCase()}.${culprit.className})` : '');
    });
    if (wide) {
      fail(`${current}: wider than the screen: ${wide}`);
    }
  }
  await page.setViewportSize(DESKTOP);

  // 3. The search finds tools by a word of their description.
  const index = JSON.parse(
    readFileSync(join(docsDir, 'search-index.js'), 'utf8')
      .replace(/^\/\/.*\n/, '')
      .replace(/^window\.TEETRACK_SEARCH_INDEX = /, '')
      .replace(/;\s*$/, ''),
  );
  const words = (t) => t.toLowerCase().split(/[^a-z0-9_]+/).filter(Boolean);
  // For each tool, the rarest word of its description that is not in its
  // name or title: what a reader remembers of a tool they cannot name.
  const frequency = new Map();
  for (const entry of index) {
    for (const w of new Set(words(entry.text))) {
      frequency.set(w, (frequency.get(w) || 0) + 1);
    }
  }
  const probes = [];
  for (const entry of index) {
    const own = new Set([...words(entry.name), ...words(entry.title)]);
    const candidates = [...new Set(words(entry.text))]
      .filter((w) => w.length >= 5 && !own.has(w) && !/^\d/.test(w))
      .sort((a, b) => frequency.get(a) - frequency.get(b) || (a < b ? -1 : 1));
    if (candidates.length > 0) {
      probes.push([entry, candidates[0]]);
    }
  }
  if (probes.length === 0) {
    fail('search: no tool has a description word to search for');
  }
  async function searchFor(query) {
    await page.fill('#search', query);
    await page.waitForSelector('#search-results:not([hidden])');
    return page.$$eval('#search-results a', (as) =>
      as.map((a) => ({ name: a.querySelector('code').textContent, href: a.href })),
    );
  }
  current = 'index.html (search)';
  await page.goto(new URL('index.html', baseUrl).href);
  for (const [entry, word] of probes) {
    const results = await searchFor(word);
    if (!results.some((r) => r.name === entry.name)) {
      fail(`search for "${word}" (from ${entry.name}'s description) did not list ${entry.name}: ${results.map((r) => r.name).join(', ')}`);
    }
  }
  console.log(`search: ${probes.length} tools found by a word of their description`);
  const none = await searchFor('zzzzqqq');
  if (none.length !== 0) {
    fail('search for nonsense listed tools');
  }

  // From a tool page (one directory down), a result opens the right page.
  const [probeEntry, probeWord] = probes[probes.length - 1];
  current = `${toolPages[0]} (search)`;
  await page.goto(toolPages[0]);
  const fromToolPage = await searchFor(probeWord);
  if (!fromToolPage.some((r) => r.name === probeEntry.name)) {
    fail(`${current}: search for "${probeWord}" did not list ${probeEntry.name}`);
  }
  await Promise.all([page.waitForNavigation(), page.press('#search', 'Enter')]);
  if (page.url() !== fromToolPage[0].href || !visited.has(page.url())) {
    fail(`${current}: Enter led to ${page.url()}, not the first result ${fromToolPage[0].href}`);
  }
  console.log(`search from a tool page: "${probeWord}" + Enter → ${page.url().split('/').pop()}`);

  // 4. The same from file://: pages, assets and the search all load.
  for (const relative of ['index.html', `tools/${probeEntry.name}.html`]) {
    current = `file://…/${relative}`;
    await page.goto(pathToFileURL(resolve(docsDir, relative)).href);
    const results = await searchFor(probeWord);
    if (!results.some((r) => r.name === probeEntry.name)) {
      fail(`${current}: search for "${probeWord}" did not list ${probeEntry.name}`);
    }
    const styled = await page.evaluate(() => getComputedStyle(document.querySelector('main')).maxWidth);
    if (styled === 'none') {
      fail(`${current}: the stylesheet did not load`);
    }
    const target = await page.evaluate(() => document.querySelector('#search-results a').href);
    if (!target.startsWith('file://') || !target.endsWith('.html')) {
      fail(`${current}: a result links to ${target}`);
    }
  }
  console.log('file://: pages, stylesheet and search work');

  // 5. Screenshots: the index and one tool page, desktop and phone.
  const shotTool =
    index.find((e) => e.name === 'log_track')?.name || probeEntry.name;
  const shots = [];
  for (const [label, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    await page.setViewportSize(viewport);
    for (const [name, relative] of [['index', 'index.html'], [`tool-${shotTool}`, `tools/${shotTool}.html`]]) {
      current = `${relative} (screenshot)`;
      await page.goto(new URL(relative, baseUrl).href, { waitUntil: 'load' });
      const file = join(outDir, `${name}-${label}.png`);
      await page.screenshot({ path: file, fullPage: true });
      shots.push(file);
      const top = join(outDir, `${name}-${label}-top.png`);
      await page.screenshot({ path: top });
      shots.push(top);
    }
    // The search box open, as a reader sees it.
    current = 'index.html (search screenshot)';
    await page.goto(new URL('index.html', baseUrl).href);
    await searchFor(index.some((e) => e.text.includes('timer')) ? 'timer' : probeWord);
    const file = join(outDir, `search-${label}.png`);
    await page.screenshot({ path: file });
    shots.push(file);
  }
  console.log(`screenshots:\n  ${shots.join('\n  ')}`);
} finally {
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}

if (failures.length > 0) {
  console.error(`\n${failures.length} problem(s) in the reference site`);
  process.exit(1);
}
console.log('the reference site passes in chromium');
