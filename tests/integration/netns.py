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

The services below are ohtest's, given a namespace's argv prefix
(Netns.argv([])), address and socket factory (Netns.socket):

sip_options(ns, host, port=5060, timeout=1.0) -> int | None | 'unreachable'
    ohtest.sip_options from inside ns (Call-IDs end in @netns-probe).
Kamailio(fx, ns, port=5060, domain=..., users=..., debug=2, name=..., **kw)
    ohtest.Kamailio bound to ns.address instead of 127.0.0.1 and run
    inside ns; returns once it answers OPTIONS (UDP and TCP).  .ns .uri
    .address .port .proc .cfg .log_text().
Capture(fx, ns, iface, filter='udp port 5060', name=..., marker=None)
    ohtest.Capture with tshark inside ns (e.g. on ``br0`` of lan.bridge: a
    promiscuous bridge sees every frame between hosts).
    marker=(src_ns, address): stop() sends a datagram from src_ns to
    address:9 and waits until tshark saw it, so nothing sent before stop()
    is missing from the pcap.  .pcap, .stop(), .packets(display_filter,
    fields) -> [{field: value}] (first occurrence of each field).
Sipp(fx, ns, scenario, args=(), remote=None, name=None, calls=1,
     timeout=30, port=5060, transport='u1')
    ohtest.Sipp running inside ns, bound to ns.address:port.
"""

import ctypes
import os
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
    """One OPTIONS from inside ns: status, None (silence) or 'unreachable'
    (ohtest.sip_options; Call-IDs end in @netns-probe)."""
    return ohtest.sip_options(host, port, timeout=timeout,
                              new_socket=ns.socket,
                              call_id_host='netns-probe')


class Kamailio(ohtest.Kamailio):
    """ohtest.Kamailio bound to a namespace's address, run inside it."""

    def __init__(self, fx, ns, port=5060, domain='offhook.test', users=None,
                 debug=2, name=None, **options):
        self.ns = ns
        super().__init__(fx, port, domain, users, debug=debug,
                         name=name or f'kamailio-{ns.address}',
                         address=ns.address, prefix=ns.argv([]),
                         new_socket=ns.socket, **options)


class Capture(ohtest.Capture):
    """ohtest.Capture with tshark inside a namespace, writing
    fx.tmp/<name>.pcap; packets() reports the first occurrence of a field.

    marker=(ns, address): stop() first sends a datagram from ns to
    address:9 and waits until tshark has seen it, so that every packet sent
    before stop() is in the pcap."""

    def __init__(self, fx, ns, iface, filter='udp port 5060',
                 name='capture', marker=None):
        if marker:
            src, address = marker
            marker = (src.socket, src.address, address)
        super().__init__(fx, iface, filter, name, prefix=ns.argv([]),
                         marker=marker, occurrence='f')


class Sipp(ohtest.Sipp):
    """ohtest.Sipp running inside a namespace, bound to its address."""

    def __init__(self, fx, ns, scenario, args=(), remote=None, name=None,
                 calls=1, timeout=30, port=5060, transport='u1'):
        self.ns = ns
        super().__init__(fx, scenario, args, remote, name, calls, timeout,
                         local_port=port, transport=transport,
                         address=ns.address, prefix=ns.argv([]))
