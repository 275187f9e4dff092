// Browser scenarios about sessions: a server restart during a call, a
// reloaded tab, and the words of a refused join. Run by test.js (RESTART,
// RELOAD, ERRORS) as test_browser.sh says.
'use strict';
const fs = require('fs');
const path = require('path');
const {
  ROOM, pass, fail, sleep, until, check, hook, openPage, joinAs, allConnected,
  describe, framesGrow, names,
} = require('./lib.js');

const link = (p) => hook(p, 'link()');
const me = (p) => hook(p, 'me()');

async function allLinks(pages, want) {
  for (const p of pages) if ((await link(p)).state !== want) return false;
  return true;
}

async function links(pages) {
  const out = [];
  for (const p of pages) out.push(`${p.who}: ${JSON.stringify(await link(p))} ${await hook(p, 'status()')}`);
  return out.join('\n');
}

// test_browser.sh restarts the server when SYNC/stop appears and writes
// SYNC/up once it answers again (TURN and HTTP). Bounded wait.
async function serverRestart() {
  const dir = process.env.SYNC;
  fs.writeFileSync(path.join(dir, 'stop'), '');
  return until(() => fs.existsSync(path.join(dir, 'up')), 60000);
}

// A direct call (not relay only: media goes host to host, the server
// only signals). The server stops (SIGTERM) and comes back 4 s later: the
// pages keep the call while it is away, and rejoin by themselves.
async function restart(browser) {
  const two = [await joinAs(browser, 'fred', false), await joinAs(browser, 'gina', false)];
  await check('restart: a direct call connects and video flows',
    async () => (await allConnected(two)) && framesGrow(two), () => describe(two));
  const before = await Promise.all(two.map(me));
  const conns = async () => JSON.stringify(await Promise.all(two.map((p) => hook(p, 'peers()')
    .then((l) => l.map((x) => `${x.id}@${x.since}`)))));
  const connsBefore = await conns();
  const restarted = serverRestart();
  await check('restart: both pages see close 1001 (going away) and reconnect by themselves',
    async () => {
      for (const p of two) {
        const l = await link(p);
        if (l.state !== 'reconnecting' || !l.lastClose || l.lastClose.code !== 1001) return false;
      }
      return true;
    }, () => links(two), 10000);
  await check('restart: video still decoded and growing while the server is down',
    async () => (await allLinks(two, 'reconnecting')) && (await framesGrow(two)) &&
      allLinks(two, 'reconnecting'),
    async () => `${await links(two)}\n${await describe(two)}`, 3000);
  if (!(await restarted)) {
    fail('restart: the server came back (test_browser.sh wrote SYNC/up)');
    return;
  }
  const t0 = Date.now();
  await check('restart: both pages back in the room, seeing each other, within 10 s of the server\'s return',
    async () => (await allLinks(two, 'joined')) && (await names(two[0])) === 'gina' &&
      (await names(two[1])) === 'fred',
    () => links(two), 10000);
  console.log(`# rejoined ${((Date.now() - t0) / 1000).toFixed(1)} s after the server's return`);
  const after = await Promise.all(two.map(me));
  const ids = (l) => l.map((m) => m.id).join(',');
  console.log(`# ids before ${ids(before)}, after ${ids(after)} (resumed: ${after.map((m) => m.resumed)})`);
  // The config has an auth secret: tokens are signed and survive the
  // restart (docs/signaling.md), so ids and connections stay.
  await check('restart: both resumed their sessions (same ids: signed tokens)',
    async () => ids(before) === ids(after) && after.every((m) => m.resumed),
    async () => `${ids(before)} -> ${ids(after)}`, 1000);
  await check('restart: the call connects again and video flows',
    async () => (await allConnected(two)) && framesGrow(two), () => describe(two));
  await check('restart: the same peer connections as before (kept through the restart)',
    async () => (await conns()) === connsBefore, async () => `${connsBefore} -> ${await conns()}`, 1000);
}

// A tab reloads in the middle of a call: it comes back by itself to the
// same room, name and relay-only choice, with the same id (its token,
// within sig-grace), and the call connects again.
async function reload(browser) {
  const two = [await joinAs(browser, 'hana', false), await joinAs(browser, 'ivan', false)];
  const [, ivan] = two;
  await check('reload: a call connects', () => allConnected(two), () => describe(two));
  const id = (await me(ivan)).id;
  await ivan.reload({ timeout: 30000 });
  await check('reload: the tab rejoins by itself with the same id, room and name',
    async () => {
      const m = await me(ivan);
      return m && m.id === id && m.room === ROOM && m.name === 'ivan' && m.resumed;
    }, async () => `${JSON.stringify(await me(ivan))} ${await hook(ivan, 'status()')}`, 10000);
  await check('reload: relay-only choice and the URL (room, name) kept',
    () => ivan.evaluate(() => {
      const q = new URLSearchParams(location.search);
      return !document.getElementById('relay-only').checked && !window.turnpikeDemo.ice().relayOnly &&
        q.get('name') === 'ivan' && q.get('room') !== null;
    }));
  await check('reload: the call connects again and video flows',
    async () => (await allConnected(two)) && framesGrow(two), () => describe(two));
}

// Refused joins say what to do, in plain words.
async function refused(browser, name, opts) {
  const page = await openPage(browser, name, { relayOnly: false, ...opts });
  await page.click('#join');
  return page;
}

async function joinErrors(browser) {
  const locked = `${ROOM}-locked`;
  await joinAs(browser, 'jack', false, { room: locked, password: 'right' });
  const kim = await refused(browser, 'kim', { room: locked, password: 'wrong' });
  await check('wrong password: the page says so and what to do, and shows the join form again',
    async () => /Wrong password for room .*Check it .* join again/.test(await hook(kim, 'status()')) &&
      (await kim.isVisible('#join-form')),
    () => hook(kim, 'status()'), 10000);
  // room-capacity is 2 in this run: a third is refused.
  await joinAs(browser, 'lea', false);
  await joinAs(browser, 'max', false);
  const ned = await refused(browser, 'ned', {});
  await check('room full: the page says so and what to do',
    async () => /is full\. Try again when someone leaves, or pick another room/.test(await hook(ned, 'status()')),
    () => hook(ned, 'status()'), 10000);
  if (process.env.SHOT) {
    await sleep(2000);
    for (const [p, f] of [[kim, 'bad-password'], [ned, 'room-full']])
      await p.screenshot({ path: `${process.env.SHOT}/${f}.png` });
  }
}

module.exports = { restart, reload, joinErrors };
