"""Send the RFC 4475 SIP torture messages to a SIP stack and see what comes back.

A helper module for the Offhook integration tests, not a test by itself.

    import rfc4475
    for msg in rfc4475.load_messages():
        got = rfc4475.send_and_collect("127.0.0.1", 5060, msg.data, timeout=1.0)
        print(msg.name, got.transport, got.summary())
        assert rfc4475.options_alive("127.0.0.1", 5060, timeout=2.0)

The messages are sent byte for byte as stored in the corpus
(/work/shared/testdata/rfc4475: INDEX.tsv plus one .dat file per message):
nothing is rewritten, no line ending is added or removed.

Where do responses go?  The torture messages carry their own Via headers with
sent-by addresses such as 192.0.2.x or host.example.com, not ours.  A
compliant stack sends the response of an unreliable (UDP) request to the top
Via's sent-by (RFC 3261 18.2.2), or to the source address only when the Via
has `rport` (RFC 3581; one message of the corpus, mpart01, has it) or when the
stack is configured to always behave as if it had (Kamailio's force_rport()).
Over TCP the response goes back on the connection the request came in on.

We deliberately do not rewrite the Vias to point at us: that would test a
different message.  So send_and_collect() reports what came back to the
sending socket (UDP) or connection (TCP), and an empty list ("none") is a
legitimate outcome; it does not tell a crash from a response sent elsewhere.
That is what options_alive() is for: after each torture message, a fresh,
well-formed OPTIONS from a fresh socket, with our own Via and rport, shows
that the stack still answers.

Run the torture messages only inside a network namespace of your own where
just `lo` is up (unshare --net): responses to 192.0.2.x or example.com are
then unroutable and never leave the machine.  network_is_isolated() checks
that there is no default route (IPv4 and IPv6) in the current namespace.

Transport: all 49 messages fit in one UDP datagram (the largest, longreq, is
3515 octets; the limit is 65507 for IPv4).  With transport="auto" a message
longer than that is sent over TCP instead; the transport used is reported in
the result (`.transport`).  transport="tcp" forces TCP.  Over TCP the stack
frames messages by Content-Length, so a message whose Content-Length promises
more than is sent (clerr) leaves the stack waiting: expect "none" and a
timeout there; over UDP the same message should get a 400.

Module API:
    load_index(dir)        -> {name: IndexEntry(name, section, kind, expected, source)}
    load_messages(dir)     -> [Message(name, data, expected)]   (3-tuples)
    send_and_collect(host, port, data, timeout, transport="auto")
                           -> Responses (a list of Response, plus .transport,
                              .error, .final, .summary())
    options_alive(host, port, timeout, transport="udp")
                           -> status code of the final response (int), or None
    network_is_isolated()  -> True if no default route in this namespace
    run_corpus(host, port, ...) -> list of dict rows (message, responses, alive)

Run as a script to print a table:
    /usr/bin/python3 rfc4475.py 127.0.0.1 5060 [--timeout 1.0] [--tcp] [NAME ...]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import select
import socket
import string
import sys
import time
from typing import NamedTuple

DEFAULT_DIR = "/work/shared/testdata/rfc4475"

# Largest UDP payload over IPv4 (65535 - 20 IP - 8 UDP); IPv6 allows 65527
# without jumbograms, 65507 is the safe bound for both.
UDP_MAX_PAYLOAD = 65507

# Safety bounds: no call waits longer than this, whatever the caller asks.
MAX_TIMEOUT = 60.0
MAX_RESPONSES = 32
MAX_TCP_BUFFER = 1 << 20


class IndexEntry(NamedTuple):
    name: str
    section: str
    kind: str
    expected: str
    source: str


class Message(NamedTuple):
    """One torture message: unpacks as (name, data, expected)."""

    name: str
    data: bytes
    expected: str


class Response(NamedTuple):
    status: int | None       # None if the first line is not a status line
    status_line: str         # first line, decoded as UTF-8 with replacement
    call_id: str | None
    cseq: str | None
    source: tuple            # (host, port) it came from
    raw: bytes


class Responses(list):
    """The responses collected for one message, in arrival order.

    Attributes:
      transport  "udp" or "tcp": how the message was sent
      sent       number of octets sent
      error      None, or a short text if sending or receiving failed
                 (e.g. "connection refused", "closed by peer")
      elapsed    seconds from sending to the end of collection
    """

    def __init__(self, transport: str):
        super().__init__()
        self.transport = transport
        self.sent = 0
        self.error: str | None = None
        self.elapsed = 0.0

    @property
    def final(self) -> Response | None:
        """The first final (>= 200) response, if any."""
        for r in self:
            if r.status is not None and r.status >= 200:
                return r
        return None

    @property
    def statuses(self) -> list:
        return [r.status for r in self]

    def summary(self) -> str:
        """'none', or the status lines joined with ' | '."""
        if not self:
            text = "none"
        else:
            text = " | ".join(r.status_line for r in self)
        if self.error:
            text += f" [{self.error}]"
        return text


# --------------------------------------------------------------------------
# Corpus


def load_index(directory: str = DEFAULT_DIR) -> dict:
    """Parse INDEX.tsv: {name: IndexEntry}, in file order."""
    path = os.path.join(directory, "INDEX.tsv")
    entries = {}
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        if header[:5] != ["name", "section", "kind", "expected", "source"]:
            raise ValueError(f"{path}: unexpected header {header!r}")
        for lineno, line in enumerate(f, start=2):
            line = line.rstrip("\n")
            if not line.strip():
                continue
            cols = line.split("\t")
            if len(cols) < 5:
                raise ValueError(f"{path}:{lineno}: {len(cols)} columns, want 5")
            e = IndexEntry(*cols[:5])
            entries[e.name] = e
    return entries


def load_messages(directory: str = DEFAULT_DIR) -> list:
    """[Message(name, data, expected)] for every row of INDEX.tsv, in order.

    name is the file name (e.g. "wsinv.dat"), data the exact bytes of the
    file, expected the "expected" column (what RFC 4475 asks of a receiver).
    """
    out = []
    for e in load_index(directory).values():
        with open(os.path.join(directory, e.name), "rb") as f:
            out.append(Message(e.name, f.read(), e.expected))
    return out


# --------------------------------------------------------------------------
# Minimal SIP parsing (enough to classify what came back)

_HDR_END = re.compile(rb"\r?\n\r?\n")
_STATUS = re.compile(rb"^SIP/2\.0[ \t]+(\d{3})(?:[ \t]|$)")


def _header_block(data: bytes) -> bytes:
    m = _HDR_END.search(data)
    return data[: m.start()] if m else data


def _headers(data: bytes, names: tuple) -> list:
    """Values of the headers called any of `names` (lower case, compact forms
    included by the caller), unfolded, in order."""
    lines = re.split(rb"\r?\n", _header_block(data))[1:]
    unfolded = []
    for line in lines:
        if line[:1] in (b" ", b"\t") and unfolded:
            unfolded[-1] += b" " + line.strip()
        else:
            unfolded.append(line)
    values = []
    for line in unfolded:
        name, sep, value = line.partition(b":")
        if sep and name.strip().lower().decode("latin-1") in names:
            values.append(value.strip().decode("utf-8", "replace"))
    return values


def call_id_of(data: bytes) -> str | None:
    v = _headers(data, ("call-id", "i"))
    return v[0] if v else None


def _parse_response(data: bytes, source) -> Response:
    first = re.split(rb"\r?\n", data, maxsplit=1)[0]
    m = _STATUS.match(first)
    cseq = _headers(data, ("cseq",))
    return Response(
        status=int(m.group(1)) if m else None,
        status_line=first.decode("utf-8", "replace"),
        call_id=call_id_of(data),
        cseq=cseq[0] if cseq else None,
        source=tuple(source[:2]) if source else (),
        raw=data,
    )


def _is_done(r: Response, call_id: str | None) -> bool:
    """A final response to our message ends the collection."""
    if r.status is None or r.status < 200:
        return False
    return call_id is None or r.call_id is None or r.call_id == call_id


def _split_stream(buf: bytearray) -> list:
    """Take complete SIP messages off the front of a TCP byte stream."""
    out = []
    while True:
        # skip keep-alive CRLFs between messages
        while buf[:2] == b"\r\n":
            del buf[:2]
        m = _HDR_END.search(buf)
        if not m:
            return out
        head = bytes(buf[: m.start()])
        cl = _headers(head, ("content-length", "l"))
        try:
            length = int(cl[0]) if cl else 0
        except ValueError:
            length = 0
        length = max(length, 0)
        end = m.end() + length
        if len(buf) < end:
            return out
        out.append(bytes(buf[:end]))
        del buf[:end]


# --------------------------------------------------------------------------
# Sending


def _clamp(timeout: float) -> float:
    return max(0.0, min(float(timeout), MAX_TIMEOUT))


def _resolve(host: str, port: int, socktype: int):
    infos = socket.getaddrinfo(host, port, 0, socktype)
    if not infos:
        raise OSError(f"cannot resolve {host}")
    family, _, proto, _, addr = infos[0]
    return family, proto, addr


def _local_addr_for(family: int, addr) -> str:
    """The local address the kernel would use to reach addr."""
    probe = socket.socket(family, socket.SOCK_DGRAM)
    try:
        probe.connect(addr)
        return probe.getsockname()[0]
    finally:
        probe.close()


def send_and_collect(host: str, port: int, msg_bytes: bytes,
                     timeout: float = 1.0, transport: str = "auto",
                     max_responses: int = MAX_RESPONSES) -> Responses:
    """Send msg_bytes once, as is, and collect the SIP messages that come back.

    UDP: from a fresh socket bound to an ephemeral port; every datagram that
    arrives on that socket counts, whatever its source. TCP: on a fresh
    connection. Collection stops at the first final response (>= 200) with
    the message's Call-ID (any final response if the message has none or the
    response has none), at `max_responses`, when the TCP peer closes, or
    when `timeout` seconds (at most 60) have passed since sending.

    transport: "auto" (UDP unless the message exceeds 65507 octets, then
    TCP), "udp" or "tcp". The transport used is in the result's .transport.
    Never raises for network errors: they end up in the result's .error.
    """
    if transport not in ("auto", "udp", "tcp"):
        raise ValueError(f"transport must be auto, udp or tcp, not {transport!r}")
    if transport == "auto":
        transport = "udp" if len(msg_bytes) <= UDP_MAX_PAYLOAD else "tcp"
    if transport == "udp" and len(msg_bytes) > UDP_MAX_PAYLOAD:
        raise ValueError(f"{len(msg_bytes)} octets do not fit in a UDP datagram")
    timeout = _clamp(timeout)
    max_responses = max(1, min(int(max_responses), MAX_RESPONSES))
    call_id = call_id_of(msg_bytes)
    result = Responses(transport)
    if transport == "udp":
        _collect_udp(host, port, msg_bytes, timeout, max_responses, call_id, result)
    else:
        _collect_tcp(host, port, msg_bytes, timeout, max_responses, call_id, result)
    return result


def _collect_udp(host, port, data, timeout, max_responses, call_id, result):
    start = time.monotonic()
    try:
        family, _, addr = _resolve(host, port, socket.SOCK_DGRAM)
        sock = socket.socket(family, socket.SOCK_DGRAM)
    except OSError as e:
        result.error = f"socket: {e}"
        return
    try:
        sock.bind((_local_addr_for(family, addr), 0))
        try:
            result.sent = sock.sendto(data, addr)
        except OSError as e:
            result.error = f"send: {os.strerror(e.errno) if e.errno else e}"
            return
        deadline = start + timeout
        while len(result) < max_responses:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            ready, _, _ = select.select([sock], [], [], left)
            if not ready:
                break
            try:
                pkt, src = sock.recvfrom(65535)
            except ConnectionRefusedError:
                # ICMP port unreachable for our datagram: nobody listens
                result.error = "connection refused (ICMP port unreachable)"
                break
            except OSError as e:
                result.error = f"recv: {e}"
                break
            if not pkt.strip():
                continue            # keep-alive CRLFs
            r = _parse_response(pkt, src)
            result.append(r)
            if _is_done(r, call_id):
                break
    finally:
        sock.close()
        result.elapsed = time.monotonic() - start


def _collect_tcp(host, port, data, timeout, max_responses, call_id, result):
    start = time.monotonic()
    deadline = start + timeout
    try:
        family, _, addr = _resolve(host, port, socket.SOCK_STREAM)
        sock = socket.socket(family, socket.SOCK_STREAM)
    except OSError as e:
        result.error = f"socket: {e}"
        return
    try:
        sock.settimeout(max(0.1, timeout))
        try:
            sock.connect(addr)
            sock.sendall(data)
            result.sent = len(data)
        except ConnectionRefusedError:
            result.error = "connection refused"
            return
        except OSError as e:
            result.error = f"connect/send: {e}"
            return
        buf = bytearray()
        done = False
        while not done and len(result) < max_responses:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            ready, _, _ = select.select([sock], [], [], left)
            if not ready:
                break
            try:
                chunk = sock.recv(65536)
            except OSError as e:
                result.error = f"recv: {e}"
                break
            if not chunk:
                result.error = "closed by peer"
                break
            buf += chunk
            if len(buf) > MAX_TCP_BUFFER:
                result.error = "too much data"
                break
            for m in _split_stream(buf):
                r = _parse_response(m, addr)
                result.append(r)
                if _is_done(r, call_id) or len(result) >= max_responses:
                    done = True
                    break
    finally:
        sock.close()
        result.elapsed = time.monotonic() - start


# --------------------------------------------------------------------------
# Liveness


def _token(n: int = 12) -> str:
    return "".join(random.choice(string.ascii_lowercase + string.digits)
                   for _ in range(n))


def build_options(local_host: str, local_port: int, host: str, port: int,
                  transport: str = "UDP") -> tuple:
    """A well-formed OPTIONS with our own Via (with rport). -> (bytes, call_id)"""
    def hostport(h, p):
        return f"[{h}]:{p}" if ":" in h else f"{h}:{p}"
    call_id = f"ohtest-{_token()}@{local_host}"
    target = hostport(host, port)
    msg = (
        f"OPTIONS sip:{target} SIP/2.0\r\n"
        f"Via: SIP/2.0/{transport} {hostport(local_host, local_port)}"
        f";branch=z9hG4bK{_token()};rport\r\n"
        f"Max-Forwards: 70\r\n"
        f"From: <sip:ohtest@{hostport(local_host, local_port)}>;tag={_token(8)}\r\n"
        f"To: <sip:{target}>\r\n"
        f"Call-ID: {call_id}\r\n"
        f"CSeq: 1 OPTIONS\r\n"
        f"Contact: <sip:ohtest@{hostport(local_host, local_port)}"
        f";transport={transport.lower()}>\r\n"
        f"Accept: application/sdp\r\n"
        f"User-Agent: offhook-rfc4475-probe\r\n"
        f"Content-Length: 0\r\n"
        f"\r\n"
    )
    return msg.encode("ascii"), call_id


def options_alive(host: str, port: int, timeout: float = 2.0,
                  transport: str = "udp") -> int | None:
    """Send a fresh OPTIONS and return the status of the final response.

    Any final response (200, or e.g. 404/405 from a picky stack) proves the
    stack is alive: the result is that status code (truthy); None if no final
    response came within `timeout` (at most 60 s). Over UDP the request is
    retransmitted at 0.5 s, 1 s, 2 s... until the timeout, as a client
    transaction would; provisional responses are skipped.
    """
    timeout = _clamp(timeout)
    if transport == "tcp":
        return _options_tcp(host, port, timeout)
    start = time.monotonic()
    deadline = start + timeout
    try:
        family, _, addr = _resolve(host, port, socket.SOCK_DGRAM)
        sock = socket.socket(family, socket.SOCK_DGRAM)
    except OSError:
        return None
    try:
        local = _local_addr_for(family, addr)
        sock.bind((local, 0))
        data, call_id = build_options(local, sock.getsockname()[1], host, port)
        interval, next_send = 0.5, start
        while True:
            now = time.monotonic()
            if now >= deadline:
                return None
            if now >= next_send:
                try:
                    sock.sendto(data, addr)
                except OSError:
                    pass
                next_send = now + interval
                interval = min(interval * 2, 4.0)
            wait = min(deadline, next_send) - time.monotonic()
            ready, _, _ = select.select([sock], [], [], max(0.0, wait))
            if not ready:
                continue
            try:
                pkt, src = sock.recvfrom(65535)
            except OSError:
                # ICMP unreachable: keep trying until the deadline, the
                # stack may be (re)starting
                continue
            r = _parse_response(pkt, src)
            if r.status is not None and r.status >= 200 and r.call_id == call_id:
                return r.status
    finally:
        sock.close()


def _options_tcp(host, port, timeout):
    try:
        family, _, addr = _resolve(host, port, socket.SOCK_STREAM)
        sock = socket.socket(family, socket.SOCK_STREAM)
    except OSError:
        return None
    deadline = time.monotonic() + timeout
    try:
        sock.settimeout(max(0.1, timeout))
        try:
            sock.connect(addr)
            local_host, local_port = sock.getsockname()[:2]
            data, call_id = build_options(local_host, local_port, host, port, "TCP")
            sock.sendall(data)
        except OSError:
            return None
        buf = bytearray()
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([sock], [], [], left)
            if not ready:
                return None
            chunk = sock.recv(65536)
            if not chunk:
                return None
            buf += chunk
            for m in _split_stream(buf):
                r = _parse_response(m, addr)
                if r.status is not None and r.status >= 200 and r.call_id == call_id:
                    return r.status
    finally:
        sock.close()


# --------------------------------------------------------------------------
# Isolation check and a whole-corpus run


def network_is_isolated() -> bool:
    """True if this network namespace has no default route (IPv4 or IPv6)."""
    try:
        with open("/proc/net/route") as f:
            next(f, None)
            for line in f:
                cols = line.split()
                # Destination 00000000 with Mask 00000000 is a default route
                if len(cols) > 7 and cols[1] == "00000000" and cols[7] == "00000000":
                    return False
    except OSError:
        pass
    try:
        with open("/proc/net/ipv6_route") as f:
            for line in f:
                cols = line.split()
                # ::/0 not on the loopback device ("lo" carries unreachable
                # routes only)
                if (len(cols) > 9 and cols[0] == "0" * 32 and cols[1] == "00"
                        and cols[9] != "lo"):
                    return False
    except OSError:
        pass
    return True


def run_corpus(host: str, port: int, timeout: float = 1.0,
               alive_timeout: float = 2.0, transport: str = "auto",
               names=None, directory: str = DEFAULT_DIR,
               require_isolation: bool = True) -> list:
    """Send every message (or those in `names`), each followed by
    options_alive(). Returns one dict per message:
      {"name", "kind", "expected", "transport", "responses" (Responses),
       "alive" (status or None)}
    Refuses to run (RuntimeError) outside an isolated namespace unless
    require_isolation is False.
    """
    if require_isolation and not network_is_isolated():
        raise RuntimeError("refusing to send torture messages: this network "
                           "namespace has a default route (use unshare --net)")
    index = load_index(directory)
    rows = []
    for msg in load_messages(directory):
        if names and msg.name not in names and msg.name[:-4] not in names:
            continue
        got = send_and_collect(host, port, msg.data, timeout, transport)
        alive = options_alive(host, port, alive_timeout)
        rows.append({
            "name": msg.name,
            "kind": index[msg.name].kind,
            "expected": msg.expected,
            "transport": got.transport,
            "responses": got,
            "alive": alive,
        })
    return rows


def _main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("names", nargs="*", help="message names (default: all)")
    p.add_argument("--timeout", type=float, default=1.0)
    p.add_argument("--alive-timeout", type=float, default=2.0)
    p.add_argument("--tcp", action="store_true", help="send over TCP")
    p.add_argument("--dir", default=DEFAULT_DIR)
    p.add_argument("--no-isolation-check", action="store_true")
    a = p.parse_args(argv)
    rows = run_corpus(a.host, a.port, a.timeout, a.alive_timeout,
                      "tcp" if a.tcp else "auto", a.names, a.dir,
                      not a.no_isolation_check)
    dead = 0
    print(f"{'message':16} {'kind':11} {'tx':3}  {'alive':5}  response")
    for r in rows:
        alive = r["alive"] if r["alive"] is not None else "DEAD"
        dead += r["alive"] is None
        print(f"{r['name']:16} {r['kind']:11} {r['transport']:3}  {alive!s:5}  "
              f"{r['responses'].summary()}")
    print(f"{len(rows)} messages, {dead} without an OPTIONS answer afterwards")
    return 1 if dead else 0


if __name__ == "__main__":
    sys.exit(_main())
