// Helpers of the browser tests (test.js, session.js): the Chromium
// arguments, PASS/FAIL lines, bounded polling, joining the demo page and
// reading its state through window.turnpikeDemo.
'use strict';

const URL = process.env.DEMO_URL;
const WAIT_MS = Number(process.env.WAIT_MS || 30000);
const ROOM = `room-${process.pid}`;
const TAG = process.env.TAG ? `${process.env.TAG}: ` : '';
const origin = new globalThis.URL(URL).origin;
const ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
  // Only "lo" exists in the test's namespace: without this Chromium
  // gathers no candidates at all and ICE never starts.
  '--allow-loopback-in-peer-connection',
  `--unsafely-treat-insecure-origin-as-secure=${origin}`,
];
if (process.env.IGNORE_CERT_ERRORS) ARGS.push('--ignore-certificate-errors');

const result = { failed: 0 };
const pass = (d) => console.log(`PASS ${TAG}${d}`);
const fail = (d, why) => {
  result.failed++;
  console.log(`FAIL ${TAG}${d}`);
  if (why) console.log(`# ${String(why).split('\n').join('\n# ')}`);
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Poll fn() until it returns a truthy value or ms pass.
async function until(fn, ms = WAIT_MS) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    last = await fn();
    if (last) return last;
    await sleep(250);
  }
  return null;
}

async function check(desc, fn, explain, ms = WAIT_MS) {
  try {
    if (await until(fn, ms)) pass(desc);
    else fail(desc, explain ? await explain() : 'timed out');
  } catch (err) {
    fail(desc, err.stack || err);
  }
}

const hook = (page, expr) => page.evaluate(`window.turnpikeDemo.${expr}`);

// A new tab with the page, the join form filled in; not joined yet.
async function openPage(browser, name, { relayOnly = true, room = ROOM, password = '' } = {}) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.log(`# ${name} page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'warning' || m.type() === 'error') console.log(`# ${name} console: ${m.text()}`);
  });
  await page.goto(URL, { timeout: WAIT_MS });
  await page.fill('#room', room);
  await page.fill('#name', name);
  await page.fill('#password', password);
  if (relayOnly) await page.check('#relay-only');
  else await page.uncheck('#relay-only');
  page.who = name;
  return page;
}

async function joinAs(browser, name, relayOnly = true, opts = {}) {
  const page = await openPage(browser, name, { relayOnly, ...opts });
  await page.click('#join');
  await page.waitForFunction(() => window.turnpikeDemo.me() !== null, null, { timeout: WAIT_MS });
  return page;
}

// Every peer connection of every page connected, with n-1 peers each.
async function allConnected(pages) {
  for (const p of pages) {
    const peers = await hook(p, 'peers()');
    if (peers.length !== pages.length - 1) return false;
    if (!peers.every((x) => x.connectionState === 'connected')) return false;
  }
  return true;
}

async function describe(pages) {
  const out = [];
  for (const p of pages) out.push(`${p.who}: ${JSON.stringify(await hook(p, 'stats()'))}`);
  return out.join('\n');
}

// Video frames decoded from every peer, and still growing.
async function framesGrow(pages) {
  const sum = async () => {
    const m = new Map();
    for (const p of pages)
      for (const s of await hook(p, 'stats()')) m.set(`${p.who}<-${s.name}`, s.framesDecoded);
    return m;
  };
  const a = await sum();
  await sleep(1000);
  const b = await sum();
  for (const [k, v] of b) if (!(v > 0 && v > (a.get(k) || 0))) return false;
  return b.size === pages.length * (pages.length - 1);
}

async function names(page) {
  return (await hook(page, 'peers()')).map((x) => x.name).sort().join(',');
}

// The ICE candidate errors of every connection of pages, once gathering
// is complete on all of them (null until then).
async function iceErrorsOnceGathered(pages) {
  const errs = [];
  for (const p of pages) {
    for (const s of await hook(p, 'stats()')) {
      if (!s.events.some((e) => e.endsWith('gathering complete'))) return null;
      errs.push(...s.iceErrors.map((e) => `${p.who}->${s.name}: ${e.code} ${e.text} (${e.url})`));
    }
  }
  return errs;
}

// No ICE error 440 (Address Family not Supported) on any connection: a
// page opened as http://localhost gets turn:localhost URLs, which Chromium
// tries over IPv6 (::1) as well as IPv4.
async function checkNo440(pages, what) {
  const errs = await until(() => iceErrorsOnceGathered(pages));
  if (errs === null) {
    fail(`${what}: ICE gathering completes (to look for error 440)`, await describe(pages));
    return;
  }
  const bad = errs.filter((e) => /: 440 /.test(e));
  if (bad.length === 0) pass(`${what}: no ICE error 440 on any connection`);
  else fail(`${what}: no ICE error 440 on any connection`, bad.join('\n'));
  if (errs.length > bad.length) console.log(`# other ICE errors: ${errs.join('; ')}`);
}

async function launch(chromium) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true, args: ARGS, timeout: WAIT_MS,
  });
}

module.exports = {
  URL, WAIT_MS, ROOM, result, pass, fail, sleep, until, check, hook,
  openPage, joinAs, allConnected, describe, framesGrow, names, checkNo440, launch,
};
