# SPDX-License-Identifier: LGPL-2.1-or-later
"""netns -- hosts in private network namespaces, for ohtest scripts.

ohtest runs everything on 127.0.0.1 inside the test's own namespace.  Tests
that need several hosts (a phone, a primary and a backup proxy, a far end)
build a small LAN with this module::

    import ohtest, netns
    ohtest.isolate()

    with ohtest.Fixture('failover') as fx:
        lan = netns.Lan(fx, {'phone': 10, 'primary': 1, 'backup': 2})
        prim = netns.Kamailio(fx, lan['primary'])   # on 10.77.0.1:5060
        phone = ohtest.Phone(fx, 'a', bus, pulse, 5060,
                             exe=lan['phone'].argv([os.environ['OFFHOOKD']]),
                             extra_config={'sip': {'address':
                                                   lan['phone'].address}})

Every namespace gets a unique name per run (``oh<pid><random>-<role>``) and
is deleted by a Fixture cleanup registered right after it was created, so it
goes away on success, on failure and on the Fixture's time bound.  Addresses
(10.77.0.0/24 by default) exist only inside these namespaces.

After ohtest.isolate() (own network + mount namespace) the names live in a
tmpfs mounted on /run/netns inside the test's private mount namespace: the
host never sees them, parallel tests cannot collide, and even a SIGKILLed
test leaves nothing behind (the mount namespace, and with it every
namespace reference, dies with the test's processes).  From outside,
enter them with ``nsenter -t <pid of a process inside> -n``.

Lan(fx, hosts, subnet='10.77.0')
    hosts: {role: last octet}.  A bridge ``br0`` in its own namespace
    (``lan.bridge``), one namespace per role with ``eth0`` (a veth whose
    peer is a port of br0) at ``subnet.octet/24`` and ``lo`` up.
    lan[role] -> Netns; lan.address(role) -> str.
Netns(fx, name)         ``ip netns add``; .name .address (set by Lan)
    .argv(argv) -> ['ip', 'netns', 'exec', name, ...] (an argv prefix for
        fx.spawn, Phone(exe=...), ...)
    .ip(*args)          ``ip -n name ...`` (TestFailure when it fails)
    .exec(*argv, input=None) -> stdout
    .nft(script)        ``nft -f -`` inside the namespace
    .socket(family, type) -> socket.socket created inside the namespace
        (setns(2) on the calling thread, then back); usable from anywhere.
    .delete()
sip_options(ns, host, port=5060, timeout=1.0) -> int | None | 'unreachable'
    One OPTIONS from a connected UDP socket in ns: the status code, None
    when nothing came back, 'unreachable' when an ICMP error did.
Kamailio(fx, ns, port=5060, domain=..., users=..., debug=2, name=...)
    ohtest's kamailio.cfg.in bound to ns.address instead of 127.0.0.1 and
    run inside ns; returns once it answers OPTIONS.  .uri .address .port
    .proc .cfg .log_text().
Capture(fx, ns, iface, filter='udp port 5060', name=..., marker=None)
    tshark inside ns (e.g. on ``br0`` of lan.bridge: a promiscuous bridge
    sees every frame between hosts).  marker=(src_ns, address): stop()
    sends a datagram from src_ns to address:9 and waits until tshark saw
    it, so nothing sent before stop() is missing from the pcap.
    .pcap, .stop(), .packets(display_filter, fields) -> [{field: value}]
    (first occurrence of each field).
Sipp(fx, ns, scenario, args=(), remote=None, name=None, calls=1,
     timeout=30, port=5060, transport='u1')
    ohtest.Sipp running inside ns, bound to ns.address:port.
"""

import ctypes
import errno
import os
import re
import signal
import socket
import subprocess
import uuid

import ohtest

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def _run(argv, input=None):
    r = subprocess.run([str(a) for a in argv], input=input,
                       capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        raise ohtest.TestFailure(f'{" ".join(map(str, argv))} failed with '
                                 f'status {r.returncode}: '
                                 f'{(r.stderr or r.stdout).strip()}')
    return r.stdout


def _setns(fd):
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f'setns: {os.strerror(err)}')


_RUN_NETNS = '/run/netns'
_private_run_netns = False


def _isolated():
    """Whether ohtest.isolate() put us in our own net + mount namespace."""
    parent = os.environ.get('OHTEST_PARENT_NETNS')
    return bool(parent) and os.readlink('/proc/self/ns/net') != parent


def _use_private_run_netns():
    """Mount a tmpfs on /run/netns in the test's own mount namespace
    (isolate() runs unshare --mount, whose mounts are private: nothing
    propagates to the host)."""
    global _private_run_netns
    if _private_run_netns or not _isolated():
        return
    os.makedirs(_RUN_NETNS, exist_ok=True)
    _run(['mount', '-t', 'tmpfs', '-o', 'mode=0755,size=64k',
          'ohtest-netns', _RUN_NETNS])
    _private_run_netns = True


class Netns:
    """A named network namespace, deleted at the Fixture's teardown."""

    def __init__(self, fx, name):
        self.name = name
        self.path = f'{_RUN_NETNS}/{name}'
        self.address = None
        self._deleted = False
        _use_private_run_netns()
        _run(['ip', 'netns', 'add', name])
        fx.cleanup(self.delete)
        self.ip('link', 'set', 'lo', 'up')

    def delete(self):
        if self._deleted:
            return
        self._deleted = True
        _run(['ip', 'netns', 'delete', self.name])

    def argv(self, argv):
        return ['ip', 'netns', 'exec', self.name] + [str(a) for a in argv]

    def ip(self, *args):
        return _run(['ip', '-n', self.name] + list(args))

    def exec(self, *argv, input=None):
        return _run(self.argv(argv), input)

    def nft(self, script):
        return self.exec('nft', '-f', '-', input=script)

    def socket(self, family=socket.AF_INET, type=socket.SOCK_DGRAM):
        own = os.open('/proc/thread-self/ns/net', os.O_RDONLY)
        try:
            target = os.open(self.path, os.O_RDONLY)
            try:
                _setns(target)
                try:
                    return socket.socket(family, type)
                finally:
                    _setns(own)
            finally:
                os.close(target)
        finally:
            os.close(own)

    def __repr__(self):
        return f'<Netns {self.name} {self.address}>'


class Lan:
    """Hosts in their own namespaces on one bridge (in its own namespace)."""

    def __init__(self, fx, hosts, subnet='10.77.0'):
        tag = f'oh{os.getpid()}{uuid.uuid4().hex[:4]}'
        self.bridge = Netns(fx, f'{tag}-br')
        self.bridge.ip('link', 'add', 'br0', 'type', 'bridge')
        self.bridge.ip('link', 'set', 'br0', 'up')
        self.hosts = {}
        for i, (role, octet) in enumerate(hosts.items()):
            ns = Netns(fx, f'{tag}-{role}')
            port = f'p{i}-{role}'[:15]
            self.bridge.ip('link', 'add', port, 'type', 'veth', 'peer',
                           'name', 'eth0', 'netns', ns.name)
            self.bridge.ip('link', 'set', port, 'master', 'br0', 'up')
            ns.address = f'{subnet}.{octet}'
            ns.ip('addr', 'add', f'{ns.address}/24', 'dev', 'eth0')
            ns.ip('link', 'set', 'eth0', 'up')
            self.hosts[role] = ns

    def __getitem__(self, role):
        return self.hosts[role]

    def address(self, role):
        return self.hosts[role].address


def sip_options(ns, host, port=5060, timeout=1.0):
    """One OPTIONS from inside ns: status, None (silence) or 'unreachable'."""
    sock = ns.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(timeout)
    try:
        sock.connect((host, port))
        lhost, lport = sock.getsockname()
        tag = uuid.uuid4().hex
        msg = (f'OPTIONS sip:{host}:{port} SIP/2.0\r\n'
               f'Via: SIP/2.0/UDP {lhost}:{lport};branch=z9hG4bK{tag[:16]};'
               'rport\r\n'
               'Max-Forwards: 70\r\n'
               f'From: <sip:probe@{lhost}:{lport}>;tag={tag[:8]}\r\n'
               f'To: <sip:{host}:{port}>\r\n'
               f'Call-ID: {tag}@netns-probe\r\n'
               'CSeq: 1 OPTIONS\r\n'
               'Content-Length: 0\r\n\r\n').encode()
        sock.send(msg)
        data = sock.recv(65535)
    except socket.timeout:
        return None
    except OSError as e:
        if e.errno in (errno.ECONNREFUSED, errno.EHOSTUNREACH,
                       errno.ENETUNREACH):
            return 'unreachable'
        raise
    finally:
        sock.close()
    m = re.match(rb'SIP/2\.0 (\d{3}) ', data)
    return int(m.group(1)) if m else None


class Kamailio:
    """ohtest's Kamailio configuration, bound to a namespace's address."""

    def __init__(self, fx, ns, port=5060, domain='offhook.test', users=None,
                 debug=2, name=None):
        self.fx = fx
        self.ns = ns
        self.address = ns.address
        self.port = port
        self.domain = domain
        self.users = dict(users if users is not None
                          else {'1001': 'pw1001', '1002': 'pw1002'})
        self.host_port = f'{ns.address}:{port}'
        self.uri = f'sip:{self.host_port}'
        name = fx.unique(name or f'kamailio-{ns.address}')
        self.rundir = fx.path(f'{name}-run')
        os.makedirs(self.rundir)
        self.cfg = fx.path(f'{name}.cfg')
        self.pidfile = fx.path(f'{name}.pid')
        text = ohtest.Kamailio.render(port=port, domain=domain,
                                      users=self.users, debug=debug,
                                      rundir=self.rundir)
        text, n = re.subn(r'^(listen=(?:udp|tcp):|alias=")127\.0\.0\.1',
                          lambda m: m.group(1) + ns.address, text,
                          flags=re.M)
        if n != 3:
            raise ohtest.TestFailure(f'kamailio.cfg.in: expected 2 listen '
                                     f'lines and 1 address alias, replaced {n}')
        with open(self.cfg, 'w') as f:
            f.write(text)
        r = subprocess.run(ns.argv(['kamailio', '-c', '-f', self.cfg]),
                           capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            raise ohtest.TestFailure(f'kamailio -c {self.cfg} failed:\n'
                                     f'{(r.stdout + r.stderr)[-2000:]}')
        self.proc = fx.spawn(name, ns.argv([
            'kamailio', '-f', self.cfg, '-P', self.pidfile, '-DD', '-E',
            '-m', '64', '-M', '8', '-Y', self.rundir]), env=ohtest.base_env(),
            reserved=True)

        def ready():
            if not self.proc.alive():
                raise ohtest.TestFailure(f'{name} exited with status '
                                         f'{self.proc.returncode}')
            return sip_options(ns, ns.address, port, 0.2) == 200
        ohtest.wait_until(ready, 15, 0.05, f'{name} to answer OPTIONS')

    def log_text(self):
        return self.proc.log_text()


class Capture:
    """tshark inside a namespace, writing fx.tmp/<name>.pcap.

    marker=(ns, address): stop() first sends a datagram from ns to
    address:9 and waits until tshark has seen it, so that every packet sent
    before stop() is in the pcap."""

    def __init__(self, fx, ns, iface, filter='udp port 5060',
                 name='capture', marker=None):
        self.fx = fx
        name = fx.unique(name)
        self.pcap = fx.path(f'{name}.pcap')
        self.marker = marker
        bpf = filter
        if marker:
            bpf = f'({filter}) or (udp dst port 9)'
        # -P: a summary line per packet in the log (for the marker)
        self.proc = fx.spawn(name, ns.argv([
            'tshark', '-n', '-l', '-P', '-i', iface, '-f', bpf,
            '-w', self.pcap]), env=ohtest.base_env(), watch=True,
            reserved=True)
        self.proc.wait_output(r'Capturing on', 15)
        self.stopped = False

    def stop(self):
        if self.stopped:
            return
        self.stopped = True
        if self.marker and self.proc.alive():
            src, address = self.marker
            sock = src.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                sock.bind((src.address, 0))
                sport = sock.getsockname()[1]
                sock.sendto(b'netns-capture-marker', (address, 9))
            finally:
                sock.close()
            self.proc.wait_output(rf'\b{sport}\s+(\u2192|->)\s+9\b', 10)
        self.proc.stop(timeout=10, sig=signal.SIGINT)

    def packets(self, display_filter, fields):
        """[{field: value}] of the packets matching display_filter (stops
        the capture first)."""
        self.stop()
        argv = ['tshark', '-n', '-r', self.pcap, '-Y', display_filter,
                '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=f']
        for f in fields:
            argv += ['-e', f]
        r = subprocess.run(argv, capture_output=True, text=True, timeout=60,
                           env=ohtest.base_env())
        if r.returncode != 0:
            raise ohtest.TestFailure(f'tshark -r {self.pcap} failed: '
                                     f'{r.stderr.strip()}')
        rows = []
        for line in r.stdout.splitlines():
            values = line.split('\t')
            values += [''] * (len(fields) - len(values))
            rows.append(dict(zip(fields, values)))
        return rows


def _pid_bound(pid, address, port):
    """Whether process pid's namespace has a socket on address:port."""
    a, b, c, d = (int(x) for x in address.split('.'))
    want = f'{d:02X}{c:02X}{b:02X}{a:02X}:{port:04X}'
    for proto in ('udp', 'tcp'):
        try:
            with open(f'/proc/{pid}/net/{proto}') as f:
                next(f)
                for line in f:
                    local = line.split()[1]
                    if local == want or local == f'00000000:{port:04X}':
                        return True
        except OSError:
            pass
    return False


class Sipp(ohtest.Sipp):
    """sipp inside a namespace, bound to its address (ohtest.Sipp methods)."""

    def __init__(self, fx, ns, scenario, args=(), remote=None, name=None,
                 calls=1, timeout=30, port=5060, transport='u1'):
        self.fx = fx
        self.ns = ns
        self.local_port = port
        path = scenario
        if not os.path.exists(path):
            path = os.path.join(ohtest.SIPP_DIR, scenario)
        if not os.path.exists(path):
            raise FileNotFoundError(f'no SIPp scenario {scenario}')
        label = os.path.splitext(os.path.basename(path))[0]
        name = fx.unique(name or f'sipp-{label}')
        self.name = name
        self.msg_log = fx.path(f'{name}.msg.log')
        self.err_log = fx.path(f'{name}.err.log')
        argv = ['sipp', '-sf', os.path.abspath(path),
                '-i', ns.address, '-p', str(port), '-t', transport,
                '-m', str(calls), '-timeout', f'{timeout}s', '-timeout_error',
                '-nostdin', '-trace_err', '-error_file', self.err_log,
                '-trace_msg', '-message_file', self.msg_log,
                '-trace_screen', '-screen_file',
                fx.path(f'{name}.screen.log')] + [str(a) for a in args]
        if remote:
            argv.append(remote)
        self._bound = timeout + 15
        self.proc = fx.spawn(name, ns.argv(argv), env=ohtest.base_env(),
                             cwd=fx.tmp, reserved=True)

    def wait_bound(self, timeout=5):
        def bound():
            if not self.proc.alive():
                raise ohtest.TestFailure(f'{self.name} exited with status '
                                         f'{self.proc.returncode}')
            return _pid_bound(self.proc.pid, self.ns.address,
                              self.local_port)
        ohtest.wait_until(bound, timeout, 0.02, f'{self.name} to bind '
                          f'{self.ns.address}:{self.local_port}')
