// DOM rendering for the demo page. Everything that came from the network
// (names, chat text, addresses) goes in with textContent, never as HTML.

const $ = (id) => document.getElementById(id);

export function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = String(text);
  return e;
}

export function status(text, kind = 'info') {
  const s = $('status');
  s.textContent = text || '';
  s.className = kind;
  s.hidden = !text;
}

// The join form or the in-call controls.
export function setJoined(joined, where = '') {
  $('join-form').hidden = joined;
  $('controls').hidden = !joined;
  $('where').textContent = where;
  $('chat-text').disabled = !joined;
  $('chat-send').disabled = !joined;
}

export function setJoining(busy) {
  for (const e of $('join-form').elements) e.disabled = busy;
}

export function setLocal(stream, caption) {
  const v = $('local-video');
  if (v.srcObject !== stream) {
    v.srcObject = stream;
    showOnFirstFrame($('local-tile'), v);
  }
  $('local-caption').textContent = caption;
}

export function mediaButtons(audio, video, stream) {
  const hasA = !!stream && stream.getAudioTracks().length > 0;
  const hasV = !!stream && stream.getVideoTracks().length > 0;
  $('mute').textContent = !hasA ? 'No microphone' : audio ? 'Mute' : 'Unmute';
  $('mute').disabled = !hasA;
  $('camera').textContent = !hasV ? 'No camera' : video ? 'Camera off' : 'Camera on';
  $('camera').disabled = !hasV;
  $('local-tile').classList.toggle('off', hasV && !video);
}

// --- video tiles: one per peer, labelled with the peer's name. A tile
// shows its video from the first frame on; until then (and while the
// camera is off) a placeholder with the name's initial, never a black box.
export function addTile(id, name) {
  const fig = el('figure', 'tile');
  fig.dataset.peer = id;
  const video = el('video');
  video.autoplay = true;
  video.playsInline = true;
  fig.append(placeholder(name), video, el('figcaption', null, name));
  $('videos').append(fig);
  layout();
}

function placeholder(name) {
  const ph = el('div', 'ph');
  ph.append(el('span', 'initial', initial(name)));
  return ph;
}

function initial(name) {
  const c = [...String(name).trim()][0];
  return c ? c.toUpperCase() : '?';
}

// "live" once the video has a frame with a size (loadeddata, resize).
function showOnFirstFrame(fig, video) {
  fig.classList.remove('live');
  const check = () => {
    if (video.srcObject && video.videoWidth > 0) fig.classList.add('live');
  };
  video.onloadeddata = check;
  video.onresize = check;
  check();
}

// The grid's columns follow the number of tiles (style.css, data-n).
function layout() {
  $('videos').dataset.n = String(Math.min($('videos').children.length, 9));
}

function tile(id) {
  return [...$('videos').children].find((f) => f.dataset.peer === id);
}

export function setTileStream(id, stream) {
  const t = tile(id);
  const v = t && t.querySelector('video');
  if (v && v.srcObject !== stream) {
    v.srcObject = stream;
    showOnFirstFrame(t, v);
  }
}

export function updateTile(id, name, video) {
  const t = tile(id);
  if (!t) return;
  t.querySelector('figcaption').textContent = video ? name : `${name} (camera off)`;
  t.querySelector('.initial').textContent = initial(name);
  t.classList.toggle('off', !video);
}

export function removeTile(id) {
  const t = tile(id);
  if (t) t.remove();
  layout();
}

export function clearTiles() {
  for (const f of [...$('videos').children]) if (f.dataset.peer) f.remove();
  layout();
}

// --- participants: name, microphone, camera, and our connection to them
export function renderParticipants(me, peers) {
  const ul = $('participants');
  ul.replaceChildren();
  if (me) ul.append(participant(me.id, `${me.name} (you)`, me.audio, me.video, 'self'));
  for (const p of peers)
    ul.append(participant(p.id, p.name, p.audio, p.video, p.conn.pc.connectionState));
}

function participant(id, name, audio, video, conn) {
  const li = el('li');
  li.dataset.peer = id;
  li.append(
    el('span', 'name', name),
    el('span', audio ? 'on' : 'off', audio ? 'mic' : 'mic off'),
    el('span', video ? 'on' : 'off', video ? 'cam' : 'cam off'),
    el('span', `conn ${conn}`, conn),
  );
  return li;
}

// --- chat
export function addChat(entry, mine) {
  const li = el('li', mine ? 'mine' : null);
  const time = new Date(entry.ts).toLocaleTimeString();
  li.append(el('time', null, time), el('b', null, entry.name), el('span', null, entry.text));
  const log = $('chat-log');
  log.append(li);
  log.scrollTop = log.scrollHeight;
}

export function clearChat() {
  $('chat-log').replaceChildren();
}

// --- ICE: what we gathered, by type, and the pair each connection uses
export function renderIce(info) {
  const box = $('ice');
  box.replaceChildren();
  box.append(el('p', null, `Policy: ${info.relayOnly ? 'relay only' : 'all'}; servers: ${info.urls.join(' ') || 'none'}`));
  if (!info.hasCredential)
    box.append(el('p', 'warn', 'No TURN credential from the server: only STUN (and direct) paths.'));
  const g = info.gathered;
  box.append(el('p', null, `Gathered: host ${g.host}, srflx ${g.srflx}, relay ${g.relay}`));
  for (const s of info.stats) box.append(pairLine(s));
  for (const e of info.errors)
    box.append(el('p', 'warn', `ICE error ${e.code} ${e.text || ''} (${e.url || ''})`));
}

export function clearIce() {
  $('ice').replaceChildren(el('p', 'muted', 'Join a room to see candidates.'));
}

function pairLine(s) {
  const p = el('p', 'pair');
  p.append(el('b', null, s.name), el('span', null, ` ${s.connectionState}: `));
  if (!s.pair) {
    p.append(el('span', 'muted', 'no pair selected yet'));
    return p;
  }
  const x = s.pair;
  const proto = x.relayProtocol ? ` over ${x.relayProtocol}` : '';
  const relayed = x.localType === 'relay' || x.remoteType === 'relay';
  p.append(el('span', relayed ? 'relay' : null, `${x.localType}${proto} ↔ ${x.remoteType}`),
    el('span', 'muted', ` ${x.local} → ${x.remote}` +
      (x.rttMs != null ? `, rtt ${x.rttMs} ms` : '') + `, ${s.framesDecoded} frames`));
  return p;
}
