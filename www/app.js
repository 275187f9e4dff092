// The turnpike demo call: join a room over the signaling WebSocket, then a
// mesh of RTCPeerConnections (one per other participant) using the TURN
// credential the server put in its welcome. No build step, no libraries.
//
// window.turnpikeDemo is a small read-only hook for tests and curious
// admins: me(), peers(), stats() (a Promise), chatLog(), ice(), status(),
// link().
//
// When the WebSocket goes (a server restart sends close 1001), the page
// stays in the call: the peer connections carry media without the server,
// and it reconnects with backoff (session.js) and joins again with its
// token. The welcome says who is there: a connection to a peer that is
// gone, or whose id changed, is closed; a new peer gets a new one.
//
// URL parameters: room, name, relay=1 (tick "relay only"), and
// transports=turns (a comma-separated list of URL schemes: stun, turn,
// turns) to keep only those iceServers URLs from the welcome, e.g. to
// prove that TURN over TLS works on its own.

import { Peer, fingerprint } from './peer.js';
import * as session from './session.js';
import { Signal } from './signal.js';
import * as ui from './ui.js';
import * as words from './words.js';

const $ = (id) => document.getElementById(id);
const ABSENT_MS = 15000; // a peer missing from our welcome, to rejoin too

const state = {
  signal: null,
  me: null,          // {id, name, room, token, audio, video} once welcomed
  iceServers: [],
  relayOnly: false,
  schemes: null,     // from ?transports=: the iceServers URL schemes kept, or null (all)
  stream: null,      // local camera/microphone, or null
  mediaNote: '',     // why there is no local media, if there is none
  peers: new Map(),  // id -> {id, name, audio, video, conn: Peer}
  chat: [],          // {from, name, text, ts}
  lastToken: null,   // to resume our identity after a drop {room, token}
  form: null,        // {room, name, password} of the join, for rejoins
  link: 'idle',      // idle | connecting | joined | reconnecting
  backoff: new session.Backoff(),
  retry: null,       // the reconnect timer
  lastClose: null,   // {code, reason} of the last WebSocket close
};

function init() {
  const params = new URLSearchParams(location.search);
  const saved = session.load();
  $('room').value = params.get('room') || (saved && saved.room) || 'demo';
  $('name').value = params.get('name') || (saved && saved.name) ||
    `guest-${Math.floor(Math.random() * 9000 + 1000)}`;
  $('relay-only').checked = params.has('relay') ? params.get('relay') === '1' : !!(saved && saved.relay);
  const t = (params.get('transports') || '').split(',').map((x) => x.trim().toLowerCase())
    .filter((x) => ['stun', 'turn', 'turns'].includes(x));
  state.schemes = t.length ? t : null;
  $('join-form').addEventListener('submit', (e) => { e.preventDefault(); join(); });
  $('chat-form').addEventListener('submit', (e) => { e.preventDefault(); sendChat(); });
  $('leave').onclick = () => leave('You left the room.');
  $('mute').onclick = () => toggle('audio');
  $('camera').onclick = () => toggle('video');
  setInterval(refreshIce, 1000);
  ui.setJoined(false);
  // A reloaded tab: back to its room, resuming its session.
  if (saved && saved.room === $('room').value && saved.name === $('name').value) {
    $('password').value = saved.password || '';
    state.lastToken = saved.token ? { room: saved.room, token: saved.token } : null;
    join(true);
  }
}

// --- joining and leaving

// resuming: a reloaded tab, which keeps trying if the server is away.
async function join(resuming = false) {
  state.form = {
    room: $('room').value.trim(),
    name: $('name').value.trim(),
    password: $('password').value,
  };
  state.relayOnly = $('relay-only').checked;
  ui.setJoining(true);
  ui.status('Starting camera and microphone…');
  state.stream = await openMedia();
  ui.status(state.mediaNote || 'Connecting…', state.mediaNote ? 'warn' : 'info');
  state.link = resuming ? 'reconnecting' : 'connecting';
  state.backoff.reset();
  connect();
}

function connect() {
  state.retry = null;
  state.signal = new Signal({
    open: sendJoin,
    message: onMessage,
    closed: onClosed,
  });
}

function sendJoin() {
  const { room, name, password } = state.form;
  const msg = { type: 'join', room, name, audio: state.audio, video: state.video };
  if (password) msg.password = password;
  if (state.lastToken && state.lastToken.room === room) msg.token = state.lastToken.token;
  state.signal.send(msg);
}

// The WebSocket closed. In a room (or resuming one): the calls go on,
// and we try again after a backoff. Otherwise the join failed.
function onClosed(info) {
  state.signal = null;
  state.lastClose = { code: info.code, reason: info.reason };
  if (state.link !== 'joined' && state.link !== 'reconnecting') {
    leave(words.cannotConnect(info), 'error');
    return;
  }
  state.link = 'reconnecting';
  const delay = state.backoff.next();
  if (delay === null) {
    leave(words.gaveUp(), 'error');
    return;
  }
  ui.status(words.reconnecting(info, delay, state.backoff.n), 'warn');
  state.retry = setTimeout(connect, delay);
  render();
}

async function openMedia() {
  state.mediaNote = '';
  state.audio = state.video = false;
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    state.mediaNote = 'No camera access: this page is not a secure context (use https:// or http://localhost). You can still watch and chat.';
    return null;
  }
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
    state.audio = stream.getAudioTracks().length > 0;
    state.video = stream.getVideoTracks().length > 0;
    ui.setLocal(stream, 'you');
    return stream;
  } catch (err) {
    state.mediaNote = mediaError(err);
    ui.setLocal(null, 'you (no camera)');
    return null;
  }
}

function mediaError(err) {
  const watch = ' You can still watch and chat; allow access and rejoin to send video.';
  if (err.name === 'NotAllowedError' || err.name === 'SecurityError')
    return 'Camera/microphone permission was refused.' + watch;
  if (err.name === 'NotFoundError' || err.name === 'OverconstrainedError')
    return 'No camera or microphone found.' + watch;
  if (err.name === 'NotReadableError')
    return 'The camera or microphone is in use by another program.' + watch;
  return `Camera/microphone unavailable (${err.name}: ${err.message}).` + watch;
}

// The iceServers with only the URLs whose scheme ?transports= lists (all
// when it lists none); a server left without URLs is dropped.
function keepSchemes(servers) {
  if (!state.schemes) return servers;
  const keep = (u) => state.schemes.includes(String(u).split(':')[0].toLowerCase());
  return servers.map((s) => ({ ...s, urls: [].concat(s.urls || []).filter(keep) }))
    .filter((s) => s.urls.length > 0);
}

function welcome(m) {
  const sameMe = !!state.me && state.me.id === m.id;
  const here = new Set((m.peers || []).map((p) => p.id));
  // Keep connections only if we kept our id (the others know us by it).
  // A peer not back yet (after a restart everyone rejoins) has
  // ABSENT_MS to come back before its connection is closed.
  for (const id of [...state.peers.keys()]) {
    if (!sameMe) removePeer(id);
    else if (!here.has(id)) awaitReturn(id);
  }
  state.me = { id: m.id, name: state.form.name, room: m.room, token: m.token,
    audio: state.audio, video: state.video, resumed: !!m.resumed };
  state.lastToken = { room: m.room, token: m.token };
  state.link = 'joined';
  state.backoff.reset();
  state.iceServers = keepSchemes(Array.isArray(m.iceServers) ? m.iceServers : []);
  remember();
  ui.setJoining(false);
  ui.setJoined(true, `Room ${m.room} as ${state.me.name}`);
  ui.mediaButtons(state.audio, state.video, state.stream);
  const hasTurn = state.iceServers.some((s) => [].concat(s.urls || []).some((u) => /^turns?:/.test(u)));
  const note = [state.mediaNote || (m.resumed ? 'Rejoined.' : ''),
    hasTurn ? '' : words.noTurn(state.relayOnly)].filter(Boolean).join(' ');
  ui.status(note, 'warn');
  state.chat = [];
  ui.clearChat();
  for (const c of m.history || []) chatArrived(c);
  for (const p of m.peers || []) addPeer(p, true); // we offer first
  render();
}

function awaitReturn(id) {
  const p = state.peers.get(id);
  clearTimeout(p.absent);
  p.absent = setTimeout(() => { removePeer(id); render(); }, ABSENT_MS);
}

// For a reload: sessionStorage, and the URL (room, name, relay).
function remember() {
  const { room, name, password } = state.form;
  session.save({ room, name, password, relay: state.relayOnly, token: state.me.token });
  const u = new URL(location.href);
  u.searchParams.set('room', room);
  u.searchParams.set('name', name);
  if (state.relayOnly) u.searchParams.set('relay', '1');
  else u.searchParams.delete('relay');
  history.replaceState(null, '', u);
}

// A signed token is refreshed with each pong (it expires a while after
// the last one): what a reload or a restart resumes with.
function newToken(token) {
  state.me.token = token;
  state.lastToken = { room: state.me.room, token };
  remember();
}

// Leave on purpose, or after the server refused us (why says which).
function leave(why, kind = 'info') {
  clearTimeout(state.retry);
  state.retry = null;
  if (state.signal) {
    if (state.me && state.link === 'joined') state.signal.send({ type: 'leave' });
    state.signal.close();
    state.signal = null;
  }
  state.link = 'idle';
  if (kind === 'info') state.lastToken = null; // a chosen leave ends the session
  session.clear();
  for (const id of [...state.peers.keys()]) removePeer(id);
  if (state.stream) state.stream.getTracks().forEach((t) => t.stop());
  state.stream = null;
  state.me = null;
  state.chat = [];
  ui.setLocal(null, 'you');
  ui.clearChat();
  ui.clearIce();
  ui.setJoining(false);
  ui.setJoined(false);
  ui.status(why, kind);
  render();
}

// --- messages from the server

function onMessage(m) {
  const from = m.from && state.peers.get(m.from);
  switch (m.type) {
  case 'welcome': welcome(m); break;
  case 'peer-joined': addPeer(m.peer, false); render(); break;
  case 'peer-left': removePeer(m.id); render(); break;
  case 'peer-state': peerState(m); break;
  case 'offer': offered(m); break;
  case 'answer': if (from) from.conn.description(m.type, m.sdp); break;
  case 'candidate': if (from) from.conn.remoteCandidate(m.candidate); break;
  case 'chat': chatArrived(m); break;
  case 'error': serverError(m); break;
  case 'pong': if (m.token && state.me) newToken(m.token); break;
  default: break; // anything newer than this page
  }
}

function serverError(m) {
  if (m.re === 'join' || state.link !== 'joined')
    leave(words.joinRefused(m, state.form ? state.form.room : ''), 'error');
  else ui.status(`Server: ${m.message || m.code} (${m.code})`, 'warn');
}

// An offer from a connection other than the one we have to that peer
// (another DTLS fingerprint: it reloaded, or dropped the old one when we
// were away and came back with our id): start a new one to answer it.
function offered(m) {
  let p = state.peers.get(m.from);
  if (!p) return;
  const fp = p.conn.remoteFingerprint;
  if (fp && fp !== fingerprint(m.sdp)) {
    removePeer(p.id);
    addPeer({ id: p.id, name: p.name, state: { audio: p.audio, video: p.video } }, false);
    p = state.peers.get(m.from);
  }
  p.conn.description('offer', m.sdp);
}

function addPeer(p, initiator) {
  const known = p && state.peers.get(p.id);
  if (known) { // back (a restart, our welcome came first): keep the call
    clearTimeout(known.absent);
    known.absent = null;
    return;
  }
  if (!p || !p.id || !state.me) return;
  const entry = {
    id: p.id, name: String(p.name), audio: !!(p.state && p.state.audio),
    video: !!(p.state && p.state.video),
  };
  entry.conn = new Peer({
    id: p.id, myId: state.me.id, stream: state.stream, initiator,
    send: (msg) => state.signal && state.signal.send(msg),
    config: { iceServers: state.iceServers, iceTransportPolicy: state.relayOnly ? 'relay' : 'all' },
    on: { track: (s) => ui.setTileStream(p.id, s), change: render },
  });
  state.peers.set(p.id, entry);
  ui.addTile(p.id, entry.name);
  ui.updateTile(p.id, entry.name, entry.video);
}

function removePeer(id) {
  const p = state.peers.get(id);
  if (!p) return;
  clearTimeout(p.absent);
  p.conn.close();
  state.peers.delete(id);
  ui.removeTile(id);
}

function peerState(m) {
  const p = state.peers.get(m.id);
  if (!p) return;
  p.name = String(m.name);
  p.audio = !!m.audio;
  p.video = !!m.video;
  ui.updateTile(p.id, p.name, p.video);
  render();
}

// --- our own state: mute, camera, chat

function toggle(kind) {
  if (!state.stream || !state.me) return;
  state[kind] = !state[kind];
  const tracks = kind === 'audio' ? state.stream.getAudioTracks() : state.stream.getVideoTracks();
  tracks.forEach((t) => { t.enabled = state[kind]; });
  state.me[kind] = state[kind];
  if (state.signal) state.signal.send({ type: 'peer-state', audio: state.audio, video: state.video });
  ui.mediaButtons(state.audio, state.video, state.stream);
  render();
}

function sendChat() {
  const input = $('chat-text');
  const text = input.value.trim();
  if (!text || !state.signal) return;
  state.signal.send({ type: 'chat', text });
  input.value = '';
}

function chatArrived(m) {
  const entry = { from: String(m.from), name: String(m.name), text: String(m.text), ts: Number(m.ts) };
  state.chat.push(entry);
  if (state.chat.length > 500) state.chat.shift();
  ui.addChat(entry, state.me && entry.from === state.me.id);
}

// --- rendering and the ICE panel

function render() {
  ui.renderParticipants(state.me, [...state.peers.values()]);
}

async function peerStats() {
  const peers = [...state.peers.values()];
  const all = await Promise.all(peers.map((p) => p.conn.stats()));
  return all.map((s, i) => ({ ...s, name: peers[i].name }));
}

async function refreshIce() {
  if (!state.me) return;
  const stats = await peerStats();
  if (!state.me) return; // left while the stats were coming
  const gathered = { host: 0, srflx: 0, prflx: 0, relay: 0 };
  for (const s of stats) for (const k in gathered) gathered[k] += s.gathered[k];
  ui.renderIce({
    relayOnly: state.relayOnly,
    urls: state.iceServers.flatMap((s) => [].concat(s.urls || [])),
    hasCredential: state.iceServers.some((s) => s.credential),
    gathered, stats,
    errors: stats.flatMap((s) => s.iceErrors),
  });
  render();
}

window.turnpikeDemo = Object.freeze({
  me: () => (state.me ? { ...state.me, token: undefined } : null),
  peers: () => [...state.peers.values()].map((p) => ({
    id: p.id, name: p.name, audio: p.audio, video: p.video,
    connectionState: p.conn.pc.connectionState,
    iceConnectionState: p.conn.pc.iceConnectionState,
    since: p.conn.created,
  })),
  stats: peerStats,
  chatLog: () => state.chat.map((c) => ({ ...c })),
  ice: () => ({ relayOnly: state.relayOnly, schemes: state.schemes,
    urls: state.iceServers.flatMap((s) => [].concat(s.urls || [])) }),
  status: () => $('status').textContent,
  link: () => ({ state: state.link, attempts: state.backoff.n, lastClose: state.lastClose }),
});

init();
