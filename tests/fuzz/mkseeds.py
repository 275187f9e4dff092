#!/usr/bin/env python3
"""Write the seed corpora of fuzz_chandata, fuzz_frame and fuzz_turn.

Messages are the ones turnutils_uclient and browsers send (RFC 8656
§7.2 Allocate with REQUESTED-TRANSPORT, Refresh, CreatePermission,
ChannelBind, Send, ChannelData), plus the RFC 5769 / RFC 8489 vectors
from tests/vectors/stun_vectors.h. fuzz_turn's records ask the harness
to sign (ctl bit 3), so no seed holds a key. Run from the repository
root: python3 tests/fuzz/mkseeds.py (deterministic; files are rewritten).
"""
import os
import re
import struct

CORPUS = "tests/fuzz/corpus"
MAGIC = 0x2112A442
REQ, IND = 0x0000, 0x0010
BINDING, ALLOCATE, REFRESH, SEND = 0x001, 0x003, 0x004, 0x006
CREATE_PERM, CHANNEL_BIND, CONNECT, CONNECTION_BIND = 0x008, 0x009, 0x00A, 0x00B
_tid = [0]


def mtype(method, cls):
    return ((method & 0xF80) << 2) | ((method & 0x070) << 1) | (method & 0xF) | cls


def attr(t, v):
    return struct.pack("!HH", t, len(v)) + v + b"\0" * (-len(v) % 4)


def msg(method, cls=REQ, *attrs):
    _tid[0] += 1
    body = b"".join(attrs)
    tid = struct.pack("!I", MAGIC) + b"fuzz" + struct.pack("!Q", _tid[0])[:8][-4:] + b"seed"
    return struct.pack("!HH", mtype(method, cls), len(body)) + tid[:16] + body


def xaddr(t, ip4, port):
    a = bytes(int(x) for x in ip4.split("."))
    x = bytes(b ^ m for b, m in zip(a, struct.pack("!I", MAGIC)))
    return attr(t, struct.pack("!BBH", 0, 1, port ^ (MAGIC >> 16)) + x)


def u32(t, v):
    return attr(t, struct.pack("!I", v))


def fingerprint(m):
    import zlib
    m = m[:2] + struct.pack("!H", len(m) - 20 + 8) + m[4:]
    return m + attr(0x8028, struct.pack("!I", (zlib.crc32(m) ^ 0x5354554E) & 0xFFFFFFFF))


UDP, TCP = u32(0x0019, 17 << 24), u32(0x0019, 6 << 24)
PEER = xaddr(0x0012, "127.0.0.1", 60000)
PEER2 = xaddr(0x0012, "127.0.0.1", 60001)


def chandata(ch, data, pad=False):
    d = struct.pack("!HH", ch, len(data)) + data
    return d + b"\0" * (-len(d) % 4) if pad else d


def vectors():
    text = open("tests/vectors/stun_vectors.h").read()
    out = {}
    for name, body in re.findall(r"#define (\w+) \\\n((?:\t.*\\\n)*\t.*\n)", text):
        out[name] = bytes.fromhex("".join(re.findall(r'"([0-9a-f]+)"', body)))
    return out


def write(sub, name, data):
    d = os.path.join(CORPUS, sub)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def rec(ctl, m):
    return struct.pack("!BH", ctl, len(m)) + m


def peer_rec(ctl, payload, relay=0):
    return rec(ctl, bytes([relay, 0]) + bytes([127, 0, 0, 1]) + struct.pack("!H", 60000) + payload)


SIGN, TCPC, REST = 8, 4, 16
PEER_DGRAM, PEER_ACCEPT, CONN_OK, CONN_FAIL = 0x80, 0x90, 0xA0, 0xB0
PIPE_CLOSED, CONN_CLOSED, TICK, LATER = 0xC0, 0xD0, 0xE0, 0xF0


def login(c=0, extra=b""):
    """The first round trip (401) and the signed Allocate."""
    return rec(c, msg(ALLOCATE, REQ, UDP, extra)) + rec(c | SIGN, msg(ALLOCATE, REQ, UDP, extra))


def turn_seeds():
    s = {}
    s["allocate_401"] = rec(0, msg(ALLOCATE, REQ, UDP))
    s["allocate_ok"] = login()
    s["allocate_rest"] = rec(0, msg(ALLOCATE, REQ, UDP)) + rec(SIGN | REST, msg(ALLOCATE, REQ, UDP))
    s["allocate_v6"] = login(3, u32(0x0017, 0x02 << 24))
    s["allocate_dual"] = login(0, u32(0x8000, 0x02 << 24))
    s["allocate_even_reserve"] = login(0, attr(0x0018, b"\x80")) + login(1, attr(0x0022, b"\0" * 8))
    s["allocate_lifetime_df"] = login(0, u32(0x000D, 3600) + attr(0x001A, b""))
    s["allocate_fp_sha256"] = rec(0, fingerprint(msg(ALLOCATE, REQ, UDP))) + \
        rec(SIGN, msg(ALLOCATE, REQ, UDP, attr(0x001C, b"\0" * 32)))
    s["allocate_twice_437"] = login() + rec(SIGN, msg(ALLOCATE, REQ, UDP))
    s["perm_send_data"] = login() + rec(SIGN, msg(CREATE_PERM, REQ, PEER)) + \
        rec(0, msg(SEND, IND, PEER, attr(0x0013, b"hello peer"))) + \
        peer_rec(PEER_DGRAM, b"hello client")
    s["perm_denied"] = login() + rec(SIGN, msg(CREATE_PERM, REQ, xaddr(0x0012, "10.0.0.1", 1)))
    s["chan_bind_data"] = login() + rec(SIGN, msg(CHANNEL_BIND, REQ, u32(0x000C, 0x4000 << 16), PEER)) + \
        rec(0, chandata(0x4000, b"to peer")) + peer_rec(PEER_DGRAM, b"to client") + \
        rec(0x20, chandata(0x4000, b"x" * 100))
    s["chan_rebind_refresh"] = login() + rec(SIGN, msg(CHANNEL_BIND, REQ, u32(0x000C, 0x4001 << 16), PEER)) + \
        rec(SIGN | 0x60, msg(CHANNEL_BIND, REQ, u32(0x000C, 0x4001 << 16), PEER)) + \
        rec(SIGN, msg(CHANNEL_BIND, REQ, u32(0x000C, 0x4002 << 16), PEER))
    s["refresh_delete"] = login() + rec(SIGN, msg(REFRESH, REQ, u32(0x000D, 600))) + \
        rec(SIGN, msg(REFRESH, REQ, u32(0x000D, 0)))
    s["refresh_unauth"] = rec(0, msg(REFRESH, REQ, u32(0x000D, 600)))
    s["expire_tick"] = login() + rec(SIGN, msg(CREATE_PERM, REQ, PEER)) + rec(LATER, b"") + \
        peer_rec(PEER_DGRAM, b"late")
    s["stale_nonce_438"] = login() + rec(LATER, b"") + rec(SIGN, msg(REFRESH, REQ)) + \
        rec(SIGN, msg(REFRESH, REQ))
    s["two_clients"] = login(0) + login(2) + rec(SIGN | 2, msg(CREATE_PERM, REQ, PEER)) + \
        rec(SIGN | 1, msg(REFRESH, REQ))
    s["tcp_alloc_closed"] = login(TCPC) + rec(CONN_CLOSED | TCPC, b"")
    s["tcp_relay_connect"] = rec(TCPC, msg(ALLOCATE, REQ, TCP)) + rec(TCPC | SIGN, msg(ALLOCATE, REQ, TCP)) + \
        rec(TCPC | SIGN, msg(CONNECT, REQ, PEER)) + rec(CONN_OK, b"\0") + \
        rec(TCPC | 1 | SIGN, msg(CONNECTION_BIND, REQ, u32(0x002A, 1))) + rec(PIPE_CLOSED, b"\0")
    s["tcp_relay_accept"] = rec(TCPC, msg(ALLOCATE, REQ, TCP)) + rec(TCPC | SIGN, msg(ALLOCATE, REQ, TCP)) + \
        rec(TCPC | SIGN, msg(CREATE_PERM, REQ, PEER)) + peer_rec(PEER_ACCEPT, b"") + \
        rec(TCPC | SIGN, msg(CONNECT, REQ, PEER2)) + rec(CONN_FAIL, b"\0") + rec(TICK | 0x0, b"")
    s["binding_mix"] = rec(0, msg(BINDING)) + rec(3, fingerprint(msg(BINDING))) + \
        rec(0, msg(BINDING, REQ, attr(0x0026, b"\0" * 64))) + rec(1, msg(BINDING, REQ, attr(0x7777, b"?")))
    s["unknown_method"] = rec(0, msg(0x0FF, REQ)) + rec(0, msg(BINDING, IND))
    return s


def main():
    v = vectors()
    samples = {
        "binding": msg(BINDING),
        "allocate": msg(ALLOCATE, REQ, UDP, u32(0x000D, 600), attr(0x8022, b"Coturn-4.6.1")),
        "create_perm": msg(CREATE_PERM, REQ, PEER),
        "send_ind": msg(SEND, IND, PEER, attr(0x0013, b"payload")),
        "rfc5769_request": v["RFC5769_REQUEST"],
        "rfc5769_long_term": v["RFC5769_LONG_TERM"],
        "rfc8489_b1": v["RFC8489_B1"],
    }
    cds = {
        "empty": chandata(0x4000, b""),
        "small": chandata(0x4001, b"abc"),
        "padded": chandata(0x4FFF, b"abcde", pad=True),
        "old_range": chandata(0x7FFF, b"rtp!"),
        "udp_trailing": chandata(0x4000, b"12") + b"\0\0\0\0\0\0",
        "too_long": struct.pack("!HH", 0x4000, 100) + b"short",
        "not_chan": chandata(0x8000, b"x"),
        "rtp_160": chandata(0x4002, bytes(range(160))),
    }
    for k, d in cds.items():
        write("chandata", k, d)
    seed = b"\x01\x02\x03\x04\x05\x06\x07\x08"
    frames = {
        "one_binding": seed + samples["binding"],
        "stun_then_chandata": seed + samples["allocate"] + chandata(0x4000, b"abcde", pad=True),
        "many": b"\xff" * 8 + b"".join(samples.values()) + chandata(0x4001, b"x" * 33, pad=True),
        "partial_tail": seed + samples["create_perm"] + samples["send_ind"][:13],
        "not_stun": seed + samples["binding"] + b"\xc0\x00\x00\x00junk",
        "bad_length": seed + b"\x00\x01\x00\x03" + b"\0" * 16,
        "chandata_odd": b"\0" * 8 + chandata(0x4003, b"odd", pad=True) * 5,
    }
    for k in ("rfc5769_request", "rfc5769_long_term", "rfc8489_b1"):
        frames[k] = seed + samples[k]
    for k, d in frames.items():
        write("frame", k, d)
    for k, d in turn_seeds().items():
        write("turn", k, d)


if __name__ == "__main__":
    main()
