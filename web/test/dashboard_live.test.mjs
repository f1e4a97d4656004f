// The dashboard end to end: a real `heimdall up` (with an API token), the
// page in headless chromium. Waits for live readings, injects a fault from
// the page (refused without the token, accepted with it), and checks that
// the page shows the breach, the heal, the new generation and the incident;
// uses the other controls; a stuck sensor gives a stale_reading incident
// with a time to detect; then stops the controller (the status light must
// leave the green for "disconnected" and stay off every health level while
// the link is down), restarts it and checks that the page reconnects,
// recovers and still shows the incident. Screenshots go to the artifacts
// directory.
import fs from 'node:fs';
import path from 'node:path';

import {assert, freePort, launchChromium, parseArgs, run, startUp, tail,
        tempDir, writeConfig} from './harness.mjs';

const TOKEN = 'e2e-secret-token';

const args = parseArgs(process.argv);
await run('dashboard shows a fault, its heal and the incident live', async (defer) => {
  const browser = await launchChromium();
  defer(() => browser.close());
  const dir = tempDir('heimdall-dash-');
  defer(() => fs.rmSync(dir, {recursive: true, force: true}));
  const logPath = path.join(args.artifacts, 'dashboard_live-up.log');
  fs.rmSync(logPath, {force: true});
  // A fixed port, so the restarted controller is where the page looks.
  const config = writeConfig(dir, {port: await freePort()});
  const env = {HEIMDALL_TOKEN: TOKEN};
  let up = await startUp(args.heimdall, config, logPath, env);
  defer(() => up.stop());

  const page = await browser.newPage({viewport: {width: 1280, height: 1000}});
  const pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.setDefaultTimeout(30000);
  try {
    // The model summary fails at first (as it would mid-heal); the page must
    // ask again once a new generation is live.
    await page.route('**/api/model', (route) => route.fulfill(
        {status: 409, contentType: 'application/json',
         body: '{"error": "test: no live generation"}'}));
    await page.goto(up.url + '/');
    await page.locator('#model dd', {hasText: 'unavailable'}).waitFor();
    await page.unroute('**/api/model');

    // Live readings, pushed: the link is up and a probability is shown.
    await page.locator('#link[data-state="live"]').waitFor();
    await page.waitForFunction(() =>
        /^\d+\.\d{3}$/.test(document.getElementById('value-probability').textContent) &&
        /^\d+\.\d$/.test(document.getElementById('value-heart_rate').textContent));
    assert(/^#\d+$/.test(await page.locator('#generation').textContent()),
           'the live generation is shown');
    await page.locator('#status[data-level="nominal"]').waitFor();

    // Without the token the controller refuses, and the page says why.
    await page.click('#inject-acute');
    await page.locator('#control-result.error', {hasText: '401'}).waitFor();
    assert((await page.locator('#control-result').textContent()).includes('token'),
           'the 401 message points at the token');

    await page.fill('#token', TOKEN);
    await page.click('#token-form button[type="submit"]');
    // The generation the fault goes into (a heal before this point, from a
    // false alarm, would not disturb what follows).
    const faulty = (await page.locator('#generation').textContent()).slice(1);
    await page.click('#inject-acute');
    await page.locator('#control-result', {hasText: 'inject acute: done'}).waitFor();

    // The breach, the heal, a new generation, the incident.
    await page.locator('#log li[data-kind="breach"]',
                       {hasText: `on generation ${faulty} `}).first().waitFor();
    assert((await page.locator('#last-breach').textContent()).startsWith('last breach'),
           'the readings card shows the breach');
    const heal = page.locator('#heals li', {hasText: `generation ${faulty} → `})
        .filter({has: page.locator('.phase[data-phase="done"]')});
    await heal.first().waitFor();
    await page.waitForFunction((old) => {
      const now = document.getElementById('generation').textContent;
      return /^#\d+$/.test(now) && Number(now.slice(1)) > Number(old);
    }, faulty);
    await page.locator('#model dt', {hasText: 'support vectors'}).waitFor();
    const row = page.locator('#incidents tbody tr', {
      has: page.locator(`td:nth-child(3)`, {hasText: new RegExp(`^${faulty}$`)}),
    }).filter({hasText: 'threshold'}).first();
    await row.waitFor();
    const cells = await row.locator('td').allTextContents();
    assert(cells[3] === 'threshold' && cells[4] === 'heal',
           `incident reason and action: ${cells}`);
    assert(Number(cells[5]) > 0.9, `incident probability: ${cells[5]}`);
    assert(/HR \d+/.test(cells[6]), `incident readings: ${cells[6]}`);
    assert(/\d+(\.\d)? (ms|s)$/.test(cells[7]), `time to detect: ${cells[7]}`);
    const incidentId = cells[0];
    await page.waitForFunction((id) => {
      const cell = document.querySelector(
          `#incidents tbody tr[data-incident="${id}"] td:nth-child(9)`);
      return cell && /\d+(\.\d)? (ms|s)$/.test(cell.textContent);
    }, incidentId);
    await page.waitForFunction(() =>
        parseInt(document.getElementById('mttr-count').textContent, 10) >= 1);
    assert(Number(await page.locator('#mttr-window').textContent()) >= 1,
           'MTTR is over the heal');
    const [window1, unit1] = await page.evaluate(() => ['mttr-window', 'mttr-window-unit']
        .map((id) => document.getElementById(id).textContent));
    assert(unit1 === (window1 === '1' ? 'heal' : 'heals'), `MTTR over ${window1} ${unit1}`);
    assert(await page.locator('#log li[data-kind="heal"]').count() > 0, 'heal logged');
    assert(await page.locator('#log li[data-kind="incident"]').count() > 0,
           'incident logged');
    // The fault stayed with the old generation: the new one reads nominal.
    await page.locator('#status[data-level="nominal"]').waitFor();
    await page.screenshot({path: path.join(args.artifacts, 'dashboard-live.png'),
                           fullPage: true});

    // The other controls reach the controller and show what they did.
    await page.click('#pause');
    await page.locator('#auto-heal', {hasText: /^paused$/}).waitFor();
    await page.locator('#status-text', {hasText: 'auto-heal paused'}).waitFor();
    await page.click('#resume');
    await page.locator('#auto-heal', {hasText: /^on$/}).waitFor();
    await page.click('#clear-faults');
    await page.locator('#control-result', {hasText: 'clear faults: done (200)'}).waitFor();
    const healsBefore = await page.locator('#heals li').count();
    const doneBefore = await page.locator('#heals .phase[data-phase="done"]').count();
    await page.click('#force-heal');
    await page.locator('#incidents tbody tr', {hasText: 'forced'}).first().waitFor();
    await page.waitForFunction(
        (n) => document.querySelectorAll('#heals li').length > n, healsBefore);

    // A stuck sensor: readings that stop changing are healed after
    // stale_after, and the incident says how long that took to detect. The
    // forced heal must be over first: a fault goes to the live generation.
    await page.waitForFunction((n) => document.querySelectorAll(
        '#heals .phase[data-phase="done"]').length > n, doneBefore);
    // At least two heals done: the MTTR median is that of the durations the
    // store has (the mean of the two middle ones for an even count).
    const mttr = await page.evaluate(async () => {
      const heals = await (await fetch('/api/heals')).json();
      return {
        durations: heals.filter((h) => h.outcome === 'ok')
            .map((h) => h.duration_ms),
        window: document.getElementById('mttr-window').textContent,
        unit: document.getElementById('mttr-window-unit').textContent,
        median: Number(document.getElementById('mttr-median').dataset.ms),
      };
    });
    const sorted = mttr.durations.sort((a, b) => a - b);
    const half = sorted.length >> 1;
    const expected = sorted.length % 2 ? sorted[half] : (sorted[half - 1] + sorted[half]) / 2;
    assert(sorted.length >= 2 && mttr.window === String(sorted.length) &&
           mttr.unit === 'heals', `MTTR window: ${JSON.stringify(mttr)}`);
    assert(Math.abs(mttr.median - expected) < 1e-9,
           `MTTR median: ${JSON.stringify(mttr)}, expected ${expected}`);
    const doneBeforeStale = await page.locator('#heals .phase[data-phase="done"]').count();
    await page.click('#inject-sensor_stuck');
    await page.locator('#control-result', {hasText: 'inject sensor_stuck: done'}).waitFor();
    const stale = page.locator('#incidents tbody tr', {hasText: 'stale_reading'}).first();
    await stale.waitFor();
    const detect = await stale.locator('td:nth-child(8)').textContent();
    assert(/^(≥ )?\d+(\.\d)? (ms|s)$/.test(detect), `stale time to detect: ${detect}`);
    // While that heal runs, faults are refused (409): they would go to the
    // generation being replaced. Its successor takes them.
    await page.waitForFunction((n) => document.querySelectorAll(
        '#heals .phase[data-phase="done"]').length > n, doneBeforeStale);
    await page.click('#clear-faults');
    await page.locator('#control-result', {hasText: 'clear faults: done (200)'}).waitFor();

    // A controller restart: the page notices, reconnects, reloads history.
    // Every status the page shows meanwhile is recorded: none may be a
    // health level while the link is not live.
    await page.evaluate(() => {
      window.statusSeen = [];
      const status = document.getElementById('status');
      const link = document.getElementById('link');
      new MutationObserver(() => window.statusSeen.push(
          [link.dataset.state, status.dataset.level,
           document.getElementById('status-text').textContent]))
          .observe(document.querySelector('header'),
                   {attributes: true, subtree: true, childList: true,
                    characterData: true});
    });
    await up.stop();
    await page.locator('#link[data-state="down"]').waitFor();
    await page.locator('#status[data-level="disconnected"]').waitFor();
    const downText = await page.locator('#status-text').textContent();
    assert(/unreachable|stopped|refused|closed/.test(downText),
           `status while the controller is down: ${downText}`);
    await page.screenshot({path: path.join(args.artifacts, 'dashboard-down.png')});
    up = await startUp(args.heimdall, config, logPath, env);
    await page.locator('#link[data-state="live"]').waitFor();
    await page.locator('#status[data-level="nominal"]').waitFor();
    const seen = await page.evaluate(() => window.statusSeen);
    const wrong = seen.filter(([link, level]) => link !== 'live' &&
        ['nominal', 'warning', 'critical', 'healing', 'breaker'].includes(level));
    assert(seen.length > 0 && wrong.length === 0,
           `health shown without a live link: ${JSON.stringify(wrong)}`);
    await page.waitForFunction(
        () => document.querySelectorAll('#log li').length > 0 &&
              [...document.querySelectorAll('#log li')]
                  .filter((li) => li.textContent.includes('history loaded')).length >= 2);
    await page.locator(`#incidents tbody tr[data-incident="${incidentId}"]`).waitFor();
    assert(await page.locator('#log li').count() <= 200, 'the event log is bounded');
    await page.screenshot({path: path.join(args.artifacts, 'dashboard-restarted.png')});
    assert(pageErrors.length === 0, `no script errors: ${pageErrors}`);
  } catch (error) {
    await page.screenshot({path: path.join(args.artifacts, 'dashboard-live-failed.png'),
                           fullPage: true}).catch(() => {});
    error.message += `\n--- heimdall up log ---\n${tail(logPath)}`;
    throw error;
  }
});
