// The signaling WebSocket (/ws on the server that served this page):
// JSON messages in and out (docs/signaling.md), a ping every 25 s so the
// server's idle timeout does not close us, and one callback for the end.
// One Signal is one connection; reconnecting (app.js) makes a new one.

export class Signal {
  // on: {open(), message(msg), closed({opened, code, reason, url})}
  constructor(on) {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    this.url = `${scheme}//${location.host}/ws`;
    this.on = on;
    this.opened = false;
    this.done = false;
    this.ws = new WebSocket(this.url);
    this.ws.onopen = () => this.opened_();
    this.ws.onmessage = (e) => this.message_(e.data);
    this.ws.onerror = () => {}; // always followed by onclose, which says more
    this.ws.onclose = (e) => this.closed_(e);
  }

  send(msg) {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  close() {
    this.done = true;
    clearInterval(this.pinger);
    this.ws.close(1000, 'bye');
  }

  opened_() {
    this.opened = true;
    this.pinger = setInterval(() => this.send({ type: 'ping' }), 25000);
    this.on.open();
  }

  message_(data) {
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      return;
    }
    if (msg && typeof msg.type === 'string') this.on.message(msg);
  }

  closed_(e) {
    clearInterval(this.pinger);
    if (this.done) return; // we closed it
    this.done = true;
    this.on.closed({ opened: this.opened, code: e.code, reason: e.reason, url: this.url });
  }
}
