// What a reload of this tab must not lose, and how to come back after the
// server went away.
//
// sessionStorage is per tab (and gone when the tab closes): the room, the
// name, the password, the relay-only choice and the session token. A
// reloaded tab joins again with the token, so within the server's
// sig-grace it gets its old id back (docs/signaling.md).

const KEY = 'turnpike.session';

export function load() {
  try {
    const v = JSON.parse(sessionStorage.getItem(KEY));
    return v && typeof v.room === 'string' && typeof v.name === 'string' ? v : null;
  } catch {
    return null;
  }
}

export function save(s) {
  try {
    sessionStorage.setItem(KEY, JSON.stringify(s));
  } catch {
    // private mode or full: a reload starts afresh, nothing else breaks
  }
}

export function clear() {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // as above
  }
}

// Reconnect delays: 0.5 s doubling to 5 s, each with ±25 % jitter so the
// pages of a restarted server do not all come back in the same instant.
// After `tries` attempts (about 5 minutes) next() gives null: give up.
export class Backoff {
  constructor(first = 500, max = 5000, tries = 60) {
    Object.assign(this, { first, max, tries, n: 0 });
  }

  next() {
    if (this.n >= this.tries) return null;
    const base = Math.min(this.max, this.first * 2 ** this.n);
    this.n++;
    return Math.round(base * (0.75 + Math.random() * 0.5));
  }

  reset() {
    this.n = 0;
  }
}
