// Drives the reel dashboard in headless Chromium (Debian's chromium through
// playwright-core): start an edit from the form, watch it reach completed
// live, open the trace waterfall, play the render. Screenshots go to
// $ARTIFACTS. Env: BASE, KEY, FILES (the files to upload, ':'-separated),
// BRIEF, SCRIPT (a file whose text goes in the form's script field), WAIT_MS (how long the job may take, default 180000), PROFILE.
'use strict';
const { chromium } = require('playwright-core');
const path = require('path');

const env = k => { if (!process.env[k]) throw new Error(`${k} is not set`); return process.env[k]; };
const BASE = env('BASE'), KEY = env('KEY'), FILES = env('FILES').split(':'), ART = env('ARTIFACTS');
const WAIT_MS = Number(process.env.WAIT_MS || 180000);

function check(cond, what) {
  if (!cond) throw new Error('check failed: ' + what);
  console.log('ok - ' + what);
}

(async () => {
  const ctx = await chromium.launchPersistentContext(env('PROFILE'), {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync',
           '--autoplay-policy=no-user-gesture-required'],
    viewport: { width: 1280, height: 900 },
  });
  const page = ctx.pages()[0] || await ctx.newPage();
  const errors = [];
  page.on('pageerror', e => errors.push(String(e)));
  const statuses = [];
  page.on('response', r => { if (r.url().includes('/renders/')) statuses.push(r.status()); });
  try {
    await page.goto(`${BASE}/?key=${KEY}#/new`);
    await page.waitForSelector('#newjob');
    await page.fill('textarea[name=brief]', process.env.BRIEF || 'A short punchy edit of the test clip');
    if (process.env.SCRIPT) await page.fill('textarea[name=script]', require('fs').readFileSync(process.env.SCRIPT, 'utf8'));
    await page.setInputFiles('input[name=files]', FILES);
    await page.screenshot({ path: path.join(ART, '1-new-edit.png') });
    await page.click('#newjob button[type=submit]');
    await page.waitForURL(/#\/jobs\/[0-9a-f-]{36}$/, { timeout: 15000 });
    const id = page.url().split('/').pop();
    check(/^[0-9a-f-]{36}$/.test(id), 'the form created job ' + id);
    // Live: no reload from here until completed; the page follows the event stream.
    const seen = new Set();
    const t0 = Date.now();
    while (Date.now() - t0 < WAIT_MS) {
      const s = await page.getAttribute('h2 .status', 'data-status');
      seen.add(s);
      if (s === 'completed' || s === 'failed' || s === 'review_required') break;
      await page.waitForTimeout(200);
    }
    check(seen.has('completed'), 'the job page showed completed live (saw ' + [...seen].join(', ') + ')');
    check(seen.size >= 2, 'the status changed on the page without a reload');
    const nev = await page.$$eval('#events div', d => d.length);
    check(nev >= 3, `the live event list shows ${nev} events`);
    await page.screenshot({ path: path.join(ART, '2-completed-live.png'), fullPage: true });

    // Trace waterfall: spans written by the worker; open one.
    await page.waitForSelector('#waterfall .row');
    const rows = await page.$$eval('#waterfall .row', d => d.length);
    check(rows >= 1, `the waterfall shows ${rows} spans`);
    // A locator, not an element handle: the page may redraw the trace while
    // the last events arrive, and the opened span must stay open through it.
    await page.locator('#waterfall .row').first().click();
    await page.waitForSelector('#span-0', { state: 'visible', timeout: 5000 });
    await page.waitForTimeout(800);
    check(await page.isVisible('#span-0'), 'a span opens with its details and stays open');
    await page.screenshot({ path: path.join(ART, '3-trace-waterfall.png'), fullPage: true });

    // The worker's golden render plays, with its six scores.
    await page.reload();
    await page.waitForSelector('#player video', { timeout: 10000 });
    const played = await page.evaluate(async () => {
      const v = document.querySelector('#player video');
      v.muted = true;
      await v.play();
      await new Promise(r => setTimeout(r, 800));
      return { t: v.currentTime, err: v.error && v.error.code };
    });
    check(played.t > 0.1 && !played.err, `the render plays (currentTime ${played.t.toFixed(2)})`);
    check(statuses.includes(206), 'the player used range requests (206)');
    const metrics = await page.$$eval('#report .metric', d => d.length);
    check(metrics === 6, 'the six scores are shown with their evidence');
    await page.screenshot({ path: path.join(ART, '4-render-and-scores.png'), fullPage: true });
    check(errors.length === 0, 'no script errors on the page ' + errors.join('; '));
  } catch (e) {
    await page.screenshot({ path: path.join(ART, 'failure.png'), fullPage: true }).catch(() => {});
    console.error(e.stack || String(e));
    process.exitCode = 1;
  } finally {
    await ctx.close();
  }
})();
