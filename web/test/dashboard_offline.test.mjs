// The dashboard with every request to anything but 127.0.0.1 blocked: it
// must render fully (styles, uPlot charts, live readings) and must not even
// try to reach another host. Checked at laptop and desktop widths, where
// each chart must fit its box as first drawn (no resize), and at phone
// width, where the page must not scroll sideways. Also: a page refused the
// event stream (too many subscribers) says why and connects once a slot
// frees, and a command that gets no answer is given up on with a message.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

import {assert, launchChromium, parseArgs, run, startUp, tail, tempDir,
        writeConfig} from './harness.mjs';

const args = parseArgs(process.argv);

// Opens the page with routing that aborts (and records) any request whose
// host is not 127.0.0.1, and records every request made.
async function openGuarded(browser, url, viewport, record) {
  const context = await browser.newContext({viewport});
  await context.route('**/*', (route) => {
    const target = new URL(route.request().url());
    if (target.hostname === '127.0.0.1') return route.continue();
    record.blocked.push(route.request().url());
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  record.pages.push(page);
  page.setDefaultTimeout(30000);
  page.on('request', (request) => record.requests.push(request.url()));
  // A timeline of the page's requests, printed if the test fails.
  const note = (what, request, detail = '') => record.timeline.push(
      `${(Date.now() - record.start) / 1000}s page ${record.pages.length - 1} ` +
      `${what} ${request.method()} ${new URL(request.url()).pathname} ${detail}`);
  page.on('request', (request) => note('request', request));
  page.on('response', (response) =>
      note('response', response.request(), response.status()));
  page.on('requestfailed', (request) =>
      note('failed', request, request.failure()?.errorText));
  page.on('requestfinished', (request) => note('finished', request));
  page.on('pageerror', (error) => record.errors.push(error.message));
  const response = await page.goto(url + '/');
  return {context, page, response};
}

async function checkRendered(page) {
  await page.locator('#link[data-state="live"]').waitFor();
  await page.waitForFunction(() =>
      /^\d+\.\d{3}$/.test(document.getElementById('value-probability').textContent));
  assert(await page.evaluate(() => typeof uPlot === 'function'), 'uPlot loaded');
  assert(await page.locator('#charts .uplot canvas').count() === 4,
         'four charts drawn');
  const background = await page.evaluate(
      () => getComputedStyle(document.body).backgroundColor);
  assert(background === 'rgb(14, 19, 32)', `style.css applied: ${background}`);
  await page.locator('#model dt', {hasText: 'support vectors'}).waitFor();
}

// Each chart's plot and canvas within its box, and no two plots over each
// other, as the page first lays them out: nothing here resizes the page (a
// fullPage screenshot would).
async function checkChartsFit(page, what) {
  const charts = await page.evaluate(() =>
      [...document.querySelectorAll('#charts .chart')].map((box) => {
        const rect = (node) => {
          const {left, right, top, bottom, width} = node.getBoundingClientRect();
          return {left, right, top, bottom, width};
        };
        return {id: box.id, box: rect(box), plot: rect(box.querySelector('.uplot')),
                canvas: rect(box.querySelector('canvas'))};
      }));
  assert(charts.length === 4, `${what}: four chart boxes (${charts.length})`);
  for (const {id, box, plot, canvas} of charts) {
    for (const [name, r] of [['plot', plot], ['canvas', canvas]]) {
      assert(r.width <= box.width && r.left >= box.left && r.right <= box.right,
             `${what}: ${id} ${name} (${r.left}..${r.right}, ${r.width} px) ` +
             `outside its box (${box.left}..${box.right}, ${box.width} px)`);
    }
  }
  const overlap = (a, b) => a.left < b.right && b.left < a.right &&
                            a.top < b.bottom && b.top < a.bottom;
  for (let i = 0; i < charts.length; ++i) {
    for (let j = i + 1; j < charts.length; ++j) {
      assert(!overlap(charts[i].plot, charts[j].plot),
             `${what}: ${charts[i].id} and ${charts[j].id} overlap`);
    }
  }
}

// Opens event streams from here until the controller refuses one; resolves
// with the granted ones (to close later) and the refusal's status and body.
async function fillEventSlots(url) {
  const granted = [];
  for (let i = 0; i < 100; ++i) {
    const answer = await new Promise((resolve, reject) => {
      const request = http.get(`${url}/api/events`, (response) => {
        if (response.statusCode === 200) return resolve({request});
        let body = '';
        response.on('data', (chunk) => { body += chunk; });
        response.on('end', () => resolve({status: response.statusCode, body}));
      });
      request.on('error', reject);
    });
    if (answer.request) {
      granted.push(answer.request);
      continue;
    }
    return {granted, refusal: answer};
  }
  throw new Error('100 event streams granted: no subscriber limit?');
}

await run('dashboard renders with the network beyond 127.0.0.1 blocked', async (defer) => {
  const browser = await launchChromium();
  defer(() => browser.close());
  const dir = tempDir('heimdall-offline-');
  defer(() => fs.rmSync(dir, {recursive: true, force: true}));
  const logPath = path.join(args.artifacts, 'dashboard_offline-up.log');
  fs.rmSync(logPath, {force: true});
  const up = await startUp(args.heimdall, writeConfig(dir), logPath);
  defer(() => up.stop());

  const record = {blocked: [], requests: [], errors: [], pages: [], timeline: [],
                  start: Date.now()};
  try {
    // Every event-stream slot taken: a new page says why it has no stream,
    // not green, and goes live once slots free up. First, while no page
    // holds a stream that could free a slot when its tab closes.
    const {granted, refusal} = await fillEventSlots(up.url);
    defer(() => granted.forEach((request) => request.destroy()));
    assert(refusal.status === 503, `refusal status: ${refusal.status}`);
    const message = JSON.parse(refusal.body).error;
    const crowded = await openGuarded(
        browser, up.url, {width: 1366, height: 768}, record);
    await crowded.page.locator('#status[data-level="disconnected"]').waitFor();
    await crowded.page.locator('#status-text', {hasText: message}).waitFor();
    assert(!(await crowded.page.locator('#link').textContent()).includes('live'),
           'the link is not shown live');
    await crowded.page.screenshot(
        {path: path.join(args.artifacts, 'dashboard-offline-refused.png')});
    for (const request of granted.splice(0)) request.destroy();
    await crowded.page.locator('#link[data-state="live"]').waitFor();
    await crowded.page.waitForFunction(() =>
        document.getElementById('status').dataset.level !== 'disconnected');
    await crowded.context.close();

    const laptop = await openGuarded(
        browser, up.url, {width: 1366, height: 768}, record);
    const policy = laptop.response.headers()['content-security-policy'] || '';
    assert(policy.includes("default-src 'self'"), `CSP on the page: ${policy}`);
    await checkRendered(laptop.page);
    await checkChartsFit(laptop.page, '1366x768');
    await laptop.page.screenshot(
        {path: path.join(args.artifacts, 'dashboard-offline-laptop-viewport.png')});
    await laptop.page.screenshot(
        {path: path.join(args.artifacts, 'dashboard-offline-laptop.png'), fullPage: true});
    for (const viewport of [{width: 1920, height: 1080}, {width: 1200, height: 800}]) {
      const other = await openGuarded(browser, up.url, viewport, record);
      await checkRendered(other.page);
      await checkChartsFit(other.page, `${viewport.width}x${viewport.height}`);
      await other.context.close();
    }

    const phone = await openGuarded(
        browser, up.url, {width: 390, height: 844}, record);
    await checkRendered(phone.page);
    const overflow = await phone.page.evaluate(
        () => document.documentElement.scrollWidth - window.innerWidth);
    assert(overflow <= 0, `no sideways scrolling at phone width (${overflow} px over)`);
    await phone.page.screenshot(
        {path: path.join(args.artifacts, 'dashboard-offline-phone.png'), fullPage: true});

    const elsewhere = record.requests.filter(
        (url) => /^(https?|wss?):/.test(url) && new URL(url).hostname !== '127.0.0.1');
    assert(record.blocked.length === 0, `requests blocked: ${record.blocked}`);
    assert(elsewhere.length === 0, `requests elsewhere: ${elsewhere}`);
    assert(record.requests.some((url) => url.endsWith('/api/events')),
           'the page subscribed to /api/events');
    await phone.context.close();

    // A command the controller never answers is given up on, visibly.
    await laptop.page.route('**/api/resume', () => {});
    await laptop.page.click('#resume');
    await laptop.page.locator('#control-result', {hasText: 'resume: sent'}).waitFor();
    await laptop.page.locator('#control-result.error',
                              {hasText: 'resume failed: no answer in 10 s'})
        .waitFor({timeout: 20000});
    await laptop.page.locator('#log li[data-kind="error"]',
                              {hasText: 'resume failed'}).waitFor();
    await laptop.context.close();

    assert(record.errors.length === 0, `no script errors: ${record.errors}`);
  } catch (error) {
    // What each page still open logged, and what it asked for: which step
    // of a reconnect stalled, if one did.
    for (const [i, page] of record.pages.entries()) {
      if (page.isClosed()) continue;
      const lines = await page.locator('#log li').allTextContents().catch(() => []);
      error.message += `\n--- page ${i} log ---\n${lines.join('\n')}`;
    }
    error.message += `\n--- requests ---\n${record.timeline.slice(-60).join('\n')}`;
    error.message += `\n--- heimdall up log ---\n${tail(logPath)}`;
    throw error;
  }
});
