// One RTCPeerConnection to one remote participant, negotiated with the
// "perfect negotiation" pattern: both sides may offer at any time; on a
// collision the polite side (the larger peer id) rolls back and answers,
// the impolite side ignores the incoming offer. Candidates trickle through
// the signaling server as they are gathered.
//
// To keep the first exchange free of collisions, the newcomer (who learns
// of the others from its welcome) makes the first offer; the others hold
// theirs until that offer came, or for HOLD_MS at most.

const HOLD_MS = 3000;

// The a=fingerprint of an SDP: which RTCPeerConnection (its DTLS
// certificate) made it. A new one on the other side means a new connection.
export function fingerprint(sdp) {
  const m = /^a=fingerprint:(.*)$/m.exec(String(sdp));
  return m ? m[1].trim() : null;
}

export class Peer {
  // id: the remote peer's id; myId: ours; send(msg): to the server;
  // stream: our local MediaStream (may have no tracks); config: for
  // RTCPeerConnection; on: {track(stream), change()} callbacks.
  // initiator: we make the first offer (else we wait for theirs).
  constructor({ id, myId, send, stream, config, on, initiator }) {
    this.id = id;
    this.polite = myId > id;
    this.send = send;
    this.on = on;
    this.makingOffer = false;
    this.ignoreOffer = false;
    this.gathered = { host: 0, srflx: 0, prflx: 0, relay: 0 };
    this.iceErrors = [];
    this.events = [];  // a short history of negotiation, for debugging
    this.holding = !initiator;
    this.offerHeld = false;
    this.remoteFingerprint = null; // of the description applied last
    this.created = Math.round(performance.now()); // tells connections apart
    this.pc = new RTCPeerConnection(config);
    this.wire();
    if (stream) for (const t of stream.getTracks()) this.pc.addTrack(t, stream);
    if (initiator) this.addReceivers();
    else this.holdTimer = setTimeout(() => this.release('no offer came'), HOLD_MS);
  }

  // Without a camera or microphone we still want to receive both.
  addReceivers() {
    const kinds = this.pc.getTransceivers().map((t) => t.receiver.track.kind);
    for (const kind of ['audio', 'video'])
      if (!kinds.includes(kind)) this.pc.addTransceiver(kind, { direction: 'recvonly' });
  }

  // Stop holding our offers: theirs came, or it did not in time.
  release(why) {
    if (!this.holding) return;
    this.holding = false;
    clearTimeout(this.holdTimer);
    this.note(`release: ${why}`);
    if (why === 'their offer') return; // the answer covers our tracks
    this.addReceivers();
    if (this.offerHeld) this.offer();
  }

  wire() {
    const pc = this.pc;
    pc.onnegotiationneeded = () => {
      this.note(this.holding ? 'negotiationneeded, held' : 'negotiationneeded');
      if (this.holding) this.offerHeld = true;
      else this.offer();
    };
    pc.onsignalingstatechange = () => this.note(`signaling ${pc.signalingState}`);
    pc.onicegatheringstatechange = () => this.note(`gathering ${pc.iceGatheringState}`);
    pc.onicecandidate = ({ candidate }) => this.localCandidate(candidate);
    pc.onicecandidateerror = (e) => this.candidateError(e);
    pc.ontrack = ({ track, streams }) =>
      this.on.track(streams[0] || new MediaStream([track]));
    pc.onconnectionstatechange = () => this.on.change();
    pc.oniceconnectionstatechange = () => {
      if (pc.iceConnectionState === 'failed') pc.restartIce();
      this.on.change();
    };
  }

  note(what) {
    this.events.push(`${(performance.now() / 1000).toFixed(2)} ${what}`);
    if (this.events.length > 40) this.events.shift();
  }

  async offer() {
    try {
      this.makingOffer = true;
      await this.pc.setLocalDescription();
      this.send({ type: 'offer', to: this.id, sdp: this.pc.localDescription.sdp });
      this.note('offer sent');
    } catch (err) {
      this.note(`offer failed: ${err}`);
      console.warn('offer to', this.id, err);
    } finally {
      this.makingOffer = false;
    }
  }

  // An offer or an answer from the remote side.
  async description(type, sdp) {
    const pc = this.pc;
    const collision = type === 'offer' &&
      (this.makingOffer || pc.signalingState !== 'stable');
    this.ignoreOffer = !this.polite && collision;
    this.note(`${type} in${collision ? ' (collision)' : ''}${this.ignoreOffer ? ', ignored' : ''}`);
    if (this.ignoreOffer) return;
    if (type === 'offer') this.release('their offer');
    try {
      await pc.setRemoteDescription({ type, sdp }); // rolls back if needed
      this.remoteFingerprint = fingerprint(sdp);
      if (type === 'offer') {
        await pc.setLocalDescription();
        this.send({ type: 'answer', to: this.id, sdp: pc.localDescription.sdp });
        this.note('answer sent');
      }
    } catch (err) {
      this.note(`${type} failed: ${err}`);
      console.warn(type, 'from', this.id, err);
    }
  }

  async remoteCandidate(candidate) {
    if (!candidate || !candidate.candidate) return; // end of candidates
    try {
      await this.pc.addIceCandidate(candidate);
    } catch (err) {
      if (!this.ignoreOffer) console.warn('candidate from', this.id, err);
    }
  }

  localCandidate(candidate) {
    if (candidate && candidate.type in this.gathered)
      this.gathered[candidate.type]++;
    this.send({
      type: 'candidate', to: this.id,
      candidate: candidate ? candidate.toJSON() : null,
    });
    this.on.change();
  }

  // 701 and friends: the TURN server could not be reached or refused us.
  candidateError(e) {
    this.iceErrors.push({ url: e.url, code: e.errorCode, text: e.errorText });
    if (this.iceErrors.length > 10) this.iceErrors.shift();
    this.on.change();
  }

  // What an admin wants to see: the selected pair and whether media flows.
  async stats() {
    const out = {
      id: this.id,
      connectionState: this.pc.connectionState,
      iceConnectionState: this.pc.iceConnectionState,
      gathered: { ...this.gathered },
      iceErrors: this.iceErrors.slice(),
      events: this.events.slice(),
      pair: null,
      framesDecoded: 0,
      bytesReceived: 0,
    };
    const report = await this.pc.getStats();
    let pairId = null;
    report.forEach((s) => {
      if (s.type === 'transport' && s.selectedCandidatePairId)
        pairId = s.selectedCandidatePairId;
      if (s.type === 'inbound-rtp') {
        out.bytesReceived += s.bytesReceived || 0;
        if (s.kind === 'video') out.framesDecoded += s.framesDecoded || 0;
      }
    });
    const pair = pairId && report.get(pairId);
    if (pair) out.pair = describePair(report, pair);
    return out;
  }

  close() {
    clearTimeout(this.holdTimer);
    this.pc.close();
  }
}

function describePair(report, pair) {
  const local = report.get(pair.localCandidateId) || {};
  const remote = report.get(pair.remoteCandidateId) || {};
  return {
    state: pair.state,
    localType: local.candidateType,
    remoteType: remote.candidateType,
    relayProtocol: local.relayProtocol || null,
    protocol: local.protocol,
    local: `${local.address}:${local.port}`,
    remote: `${remote.address}:${remote.port}`,
    rttMs: pair.currentRoundTripTime != null
      ? Math.round(pair.currentRoundTripTime * 1000) : null,
  };
}
