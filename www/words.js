// What the page tells people, in plain words: what happened and what to
// do about it. The server's error codes are in docs/signaling.md.

const JOIN = {
  'bad-password': (r) => `Wrong password for room “${r}”. Check it with whoever opened the room, then join again.`,
  'room-full': (r) => `Room “${r}” is full. Try again when someone leaves, or pick another room.`,
  'bad-ticket': () => 'Your invitation has expired or is not for this room and name. Ask for a new link.',
  'too-many-joins': () => 'Too many joins from your network in the last minute. Wait a minute, then join again.',
  'too-many-rooms': () => 'The server has all the rooms it allows right now. Join an existing room, or try again later.',
  'bad-room': () => 'Room names are 1 to 64 letters, digits, “_”, “.” or “-”. Fix the room name, then join.',
  'bad-name': () => 'Names are 1 to 64 characters, not blank, without control characters. Fix your name, then join.',
  'already-joined': () => 'This tab is already in a room. Leave first.',
  'server-error': () => 'The server is out of resources. Try again in a moment.',
};

// A join the server refused (m: its error message).
export function joinRefused(m, room) {
  const f = JOIN[m.code];
  return f ? f(room) : `Could not join: ${m.message || m.code} (${m.code}).`;
}

// The WebSocket closed while we were in a room (or resuming): we try
// again in delayMs.
export function reconnecting(info, delayMs, attempt) {
  const secs = (delayMs / 1000).toFixed(1);
  const why = info.code === 1001
    ? 'The server is restarting.'
    : info.opened ? `Lost the connection to the server (code ${info.code}).`
      : 'The server cannot be reached.';
  return `${why} Your call goes on; reconnecting in ${secs} s (attempt ${attempt})…`;
}

export function gaveUp() {
  return 'Could not reach the server for several minutes. Check your network, then join again.';
}

// The first connection could not be made, or closed before the welcome.
export function cannotConnect(info) {
  if (info.code === 1001) return 'The server is restarting. Join again in a few seconds.';
  if (info.opened) return `The server closed the connection (code ${info.code}${info.reason ? ': ' + info.reason : ''}). Join again.`;
  return `Cannot reach the signaling server at ${info.url}. Is turnpike running with its HTTP listener on? Then join again.`;
}

// The welcome carried no turn:/turns: URL: the server hands out no TURN
// credential (anonymous-relay "off", or no HTTP secret): say what that
// means for this call.
export function noTurn(relayOnly) {
  const what = relayOnly
    ? 'With “relay only” on, the call cannot connect.'
    : 'Calls between networks that block direct connections will not connect.';
  return `This server gives this page no TURN relay. ${what} The server's log says why when it starts.`;
}
