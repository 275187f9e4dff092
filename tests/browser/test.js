// The demo page in real Chromium, through turnpike's signaling and TURN.
// Run by tests/integ/test_browser.sh inside a network namespace (see the
// comment there). Prints "PASS desc", "FAIL desc" and "# notes"; the
// driver turns them into TAP. Every wait is bounded.
//
//   DEMO_URL=http://127.0.0.1:8080/ node test.js
//   ONLY_TWO=1 ...: stop after the two-participant checks
//   TURNS=1 DEMO_URL=https://127.0.0.1:8080/?transports=turns ...: two
//     participants over turns: URLs only; the relay must be TURN over TLS
//   IGNORE_CERT_ERRORS=1: pass --ignore-certificate-errors (only when the
//     test CA could not be trusted through an NSS database)
//   RESTART=1 SYNC=DIR, RELOAD=1, ERRORS=1: the scenarios of session.js
//     (a server restart during a call, a reloaded tab, join errors)
'use strict';
const { chromium } = require('playwright-core');
const {
  result, check, hook, joinAs, allConnected, describe, framesGrow, names, checkNo440, launch,
} = require('./lib.js');
const session = require('./session.js');

// Selected pair relay/relay on every connection. The page gets turn: URLs
// for UDP and TCP; whichever allocation answered first may carry the pair
// (TCP now and then under ASan), so the relay protocol is only reported
// (unless protos names the only ones allowed: ['tls'] with turns: only).
async function allRelay(pages, allowed = ['udp', 'tcp']) {
  const protos = [];
  for (const p of pages) {
    for (const s of await hook(p, 'stats()')) {
      if (!s.pair || s.pair.localType !== 'relay' || s.pair.remoteType !== 'relay') return false;
      if (!allowed.includes(s.pair.relayProtocol)) return false;
      protos.push(`${p.who}->${s.name} ${s.pair.relayProtocol}`);
    }
  }
  console.log(`# relay protocols (browser to TURN): ${protos.join(', ')}`);
  return true;
}

// Two participants, relay only, the page told to keep only turns: URLs
// (?transports=turns): the call must go through TURN over TLS, the page
// itself coming over HTTPS with the same certificate.
async function turnsOnly(browser) {
  const alice = await joinAs(browser, 'alice');
  const bob = await joinAs(browser, 'bob');
  const two = [alice, bob];
  await check('turns: only: the page is served over https and keeps only turns: URLs',
    async () => {
      const i = await hook(alice, 'ice()');
      const proto = await alice.evaluate(() => location.protocol);
      return proto === 'https:' && i.relayOnly && i.urls.length > 0 &&
        i.urls.every((u) => u.startsWith('turns:'));
    }, async () => JSON.stringify(await hook(alice, 'ice()')));
  await check('turns: only: both peer connections reach connected (relay only)',
    () => allConnected(two), () => describe(two));
  await check('turns: only: selected pair relay/relay, local relayProtocol tls on both sides',
    () => allRelay(two, ['tls']), () => describe(two));
  await check('turns: only: remote video frames decoded and growing on both sides',
    () => framesGrow(two), () => describe(two));
}

// Two participants without relay-only: any pair may win (host pairs on
// loopback here); the call connects and video flows.
async function normalCall(browser) {
  const two = [await joinAs(browser, 'dora', false), await joinAs(browser, 'eve', false)];
  await check('normal call: both peer connections reach connected',
    () => allConnected(two), () => describe(two));
  await check('normal call: remote video frames decoded and growing on both sides',
    () => framesGrow(two), () => describe(two));
  await checkNo440(two, 'normal call');
}

// A server that gives the page no TURN credential (anonymous-relay off):
// the page says so in plain words once it has joined.
async function noTurn(browser) {
  const p = await joinAs(browser, 'olga', true);
  await check('no TURN credential: the page says so, and what it means for relay only',
    async () => /gives this page no TURN relay\. With “relay only” on, the call cannot connect/
      .test(await hook(p, 'status()')),
    () => hook(p, 'status()'), 10000);
}

async function main() {
  const t0 = Date.now();
  const browser = await launch(chromium);
  try {
    if (process.env.TURNS) return await turnsOnly(browser);
    if (process.env.NORMAL) return await normalCall(browser);
    if (process.env.NOTURN) return await noTurn(browser);
    if (process.env.RESTART) return await session.restart(browser);
    if (process.env.RELOAD) return await session.reload(browser);
    if (process.env.ERRORS) return await session.joinErrors(browser);
    const alice = await joinAs(browser, 'alice');
    const bob = await joinAs(browser, 'bob');
    const two = [alice, bob];
    await check('two participants: both peer connections reach connected (relay only)',
      () => allConnected(two), () => describe(two));
    await check('two participants: selected pair is relay/relay on both sides',
      () => allRelay(two), () => describe(two));
    await check('two participants: remote video frames decoded and growing on both sides',
      () => framesGrow(two), () => describe(two));
    await check('ICE config from welcome: relay policy and a turn: URL',
      async () => { const i = await hook(alice, 'ice()'); return i.relayOnly && i.urls.some((u) => u.startsWith('turn:')); });
    await checkNo440(two, 'two participants');
    if (process.env.ONLY_TWO) return;

    const text = 'hello <img src=x onerror=alert(1)> from alice';
    await alice.fill('#chat-text', text);
    await alice.press('#chat-text', 'Enter');
    await check('chat from alice arrives at bob with her name',
      async () => (await hook(bob, 'chatLog()')).some((c) => c.text === text && c.name === 'alice'));
    await check('chat text is shown as text, not parsed as HTML',
      () => bob.evaluate((t) => !document.querySelector('#chat-log img') &&
        document.querySelector('#chat-log').textContent.includes(t), text));
    await alice.click('#mute');
    await check('mute broadcasts peer-state: bob sees alice muted',
      async () => (await hook(bob, 'peers()')).some((x) => x.name === 'alice' && !x.audio && x.video));

    const carol = await joinAs(browser, 'carol');
    const three = [alice, bob, carol];
    await check('three participants: all six peer connections reach connected',
      () => allConnected(three), () => describe(three));
    await check('three participants: every selected pair is relay/relay',
      () => allRelay(three), () => describe(three));
    await check('three participants: video decoded on every connection',
      () => framesGrow(three), () => describe(three));
    await check('carol got the chat history in her welcome',
      async () => (await hook(carol, 'chatLog()')).some((c) => c.text === text));
    await check('participant lists and remote tiles name the others',
      async () => (await names(alice)) === 'bob,carol' && (await names(carol)) === 'alice,bob' &&
        (await carol.locator('#videos figure[data-peer]').count()) === 2);
    await check('tiles show video once frames arrive (placeholder until then): both of carol\'s remote tiles live',
      async () => (await carol.locator('#videos figure.live[data-peer] video').count()) === 2 &&
        carol.evaluate(() => [...document.querySelectorAll('#videos figure[data-peer] .ph')]
          .every((e) => getComputedStyle(e).display === 'none')));

    await carol.click('#leave');
    await check('carol leaves: alice and bob drop her from their participant lists',
      async () => (await names(alice)) === 'bob' && (await names(bob)) === 'alice' &&
        (await alice.locator('#participants li').count()) === 2 &&
        (await bob.locator('#videos figure[data-peer]').count()) === 1);
    await check('after carol left: alice and bob still connected',
      () => allConnected(two), () => describe(two));
  } finally {
    await browser.close();
  }
  console.log(`# browser part took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

main().then(() => process.exit(result.failed ? 1 : 0), (err) => {
  require('./lib.js').fail('browser test ran to the end', err.stack || err);
  process.exit(1);
});
