# SPDX-License-Identifier: LGPL-2.1-or-later
"""service-notify: offhookd speaks systemd's notify and watchdog protocol.

PID 1 is not systemd here, so the test plays the service manager: it binds
the datagram socket named by NOTIFY_SOCKET and sets WATCHDOG_USEC and
WATCHDOG_PID (the daemon's own pid), as systemd does for Type=notify +
WatchdogSec=.

- READY=1 never comes while the bus name cannot be owned; it comes once it
  is, and at that moment the name has its owner and SIP answers.
- STATUS= follows the registrations ("Registered 0/1" → "Registered 1/1").
- WATCHDOG=1 comes every WATCHDOG_USEC/2, never a gap of WATCHDOG_USEC.
- A wedged main loop stops the pings, and only the main loop is wedged: the
  daemon's log output (stdout and stderr) is a FIFO the test stops reading,
  so the main thread blocks in write(2) on its next log line (a real failure: a stuck log
  reader) while its other threads run on (D-Bus Peer.Ping, answered by
  GDBus's own thread, still works).  Reading again un-wedges it and the
  pings come back.
- SIGTERM: STOPPING=1, exit 0.
- NOTIFY_SOCKET=@name, an abstract socket: READY=1 arrives there; with
  WATCHDOG_PID naming another process the watchdog is not the daemon's:
  no WATCHDOG=1 in three intervals.
"""
import fcntl
import os
import select
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ohtest  # noqa: E402
from ohtest import check, ok, Gio, GLib  # noqa: E402

ohtest.isolate()

WATCHDOG_S = 1.0
F_SETPIPE_SZ = 1031


class Notifications:
    """The service manager's end of NOTIFY_SOCKET (a path, or @name: an
    abstract socket, whose address Python sizes to the name as systemd
    does)."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind('\0' + path[1:] if path.startswith('@') else path)
        self.path = path

    def next(self, timeout, want=None):
        """(time, text) of the next datagram (starting with want)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            r, _, _ = select.select([self.sock], [], [], max(left, 0))
            if not r:
                return None
            now = time.monotonic()
            text = self.sock.recv(4096).decode()
            if want is None or text.startswith(want):
                return now, text

    def collect(self, seconds):
        out = []
        deadline = time.monotonic() + seconds
        while True:
            got = self.next(deadline - time.monotonic())
            if got is None:
                return out
            out.append(got)


class StderrFifo:
    """The daemon's log output: a FIFO whose reading the test can pause."""

    def __init__(self, fx):
        self.path = fx.path('offhookd-output.fifo')
        os.mkfifo(self.path)
        self.rfd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
        # a writer of our own: the reader never sees EOF between daemons
        self.wfd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
        fcntl.fcntl(self.rfd, F_SETPIPE_SZ, 4096)
        self.log = open(fx.path('offhookd-output.log'), 'ab', buffering=0)
        self.reading = threading.Event()
        self.reading.set()
        self.done = False
        self.thread = threading.Thread(target=self._pump, daemon=True)
        self.thread.start()
        fx.cleanup(self.close)

    def _pump(self):
        while not self.done:
            self.reading.wait()
            r, _, _ = select.select([self.rfd], [], [], 0.1)
            if r and self.reading.is_set():
                try:
                    self.log.write(os.read(self.rfd, 65536))
                except BlockingIOError:
                    pass

    def close(self):
        self.reading.set()
        self.done = True
        self.thread.join(2)
        os.close(self.wfd)
        os.close(self.rfd)


def owner_of(conn, name):
    try:
        return conn.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus',
                              'org.freedesktop.DBus', 'GetNameOwner',
                              GLib.Variant('(s)', (name,)), None,
                              Gio.DBusCallFlags.NONE, 2000, None)[0]
    except GLib.Error:
        return None


def main_thread_in_write(pid):
    """The main thread sleeps in the kernel's pipe write (pipe_write,
    anon_pipe_write, pipe_wait_writable, ... by kernel version)."""
    with open(f'/proc/{pid}/task/{pid}/wchan') as f:
        return 'pipe' in f.read()


def peer_ping(conn, timeout_ms):
    conn.call_sync(ohtest.BUS_NAME, ohtest.ROOT_PATH,
                   'org.freedesktop.DBus.Peer', 'Ping', None, None,
                   Gio.DBusCallFlags.NONE, timeout_ms, None)


with ohtest.Fixture('service-notify', timeout=150) as fx:
    kam = ohtest.Kamailio(fx)
    bus = ohtest.Bus(fx)
    fifo = StderrFifo(fx)
    notes = Notifications(fx.path('notify.sock'))
    offhookd = os.environ['OFFHOOKD']
    # the shell's pid is the daemon's once it execs
    exe = ['/bin/sh', '-c',
           f'export WATCHDOG_PID=$$; exec "$0" "$@" >{fifo.path} 2>&1',
           offhookd]
    env = {'NOTIFY_SOCKET': notes.path,
           'WATCHDOG_USEC': str(int(WATCHDOG_S * 1e6))}

    # 1. the name is taken: no READY=1, the daemon gives up
    taken = bus.conn.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus',
                               'org.freedesktop.DBus', 'RequestName',
                               GLib.Variant('(su)', (ohtest.BUS_NAME, 4)),
                               None, Gio.DBusCallFlags.NONE, 2000, None)[0]
    check(taken == 1, 'the test owns org.offhook.Phone1 itself')
    loser = ohtest.Phone(fx, 'loser', bus, None, sip_port=5070, exe=exe,
                         env=env, wait=False)
    loser.proc.check_exit = False      # it is meant to fail
    status = loser.proc.wait(20)
    check(status == 1, f'offhookd exits with status 1 (not a crash: got '
          f'{status}) when the bus name is not free')
    seen = [t for _, t in notes.collect(0.2)]
    check('READY=1' not in seen,
          f'no READY=1 without the bus name (got {seen})')
    bus.conn.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus',
                       'org.freedesktop.DBus', 'ReleaseName',
                       GLib.Variant('(s)', (ohtest.BUS_NAME,)), None,
                       Gio.DBusCallFlags.NONE, 2000, None)

    # 2. READY=1 once the name is owned and SIP listens
    phone = ohtest.Phone(fx, 'a', bus, None, sip_port=5062, exe=exe, env=env,
                         args=['--sip-trace'], wait=False)
    ready = notes.next(20, 'READY=1')
    check(ready is not None, 'READY=1 arrives')
    check(owner_of(bus.conn, ohtest.BUS_NAME) is not None,
          'when READY=1 arrives, org.offhook.Phone1 has its owner')
    check(ohtest.sip_options('127.0.0.1', 5062) == 200,
          'when READY=1 arrives, SIP answers OPTIONS on port 5062')
    extra = [t for _, t in notes.collect(0.3) if t == 'READY=1']
    check(not extra, 'READY=1 is sent once')

    # 3. STATUS= follows the registrations
    acc = phone.add_account('work', f'sip:1001@{kam.domain}', [kam.uri],
                            '1001', kam.users['1001'])
    phone.wait_prop(acc, 'Account', 'RegistrationState', 'registered', 10)
    status = notes.next(5, 'STATUS=Registered 1/1')
    check(status is not None, 'STATUS=Registered 1/1 accounts after the '
          'account registered')

    # 4. the pings' rate
    pings = [t for t, text in notes.collect(3 * WATCHDOG_S)
             if text == 'WATCHDOG=1']
    gaps = [b - a for a, b in zip(pings, pings[1:])]
    check(len(pings) >= 5, f'{len(pings)} WATCHDOG=1 in {3 * WATCHDOG_S} s '
          f'(WATCHDOG_USEC = {WATCHDOG_S} s, pings every half of it)')
    check(max(gaps) < WATCHDOG_S, f'no gap between pings reaches '
          f'WATCHDOG_USEC (longest {max(gaps):.3f} s)')
    mean = sum(gaps) / len(gaps)
    check(0.35 * WATCHDOG_S < mean < 0.65 * WATCHDOG_S,
          f'pings come every {mean:.3f} s, half of WATCHDOG_USEC')

    # 5. wedge the main loop, and only it
    pid = phone.proc.pid
    fifo.reading.clear()

    def wedged():
        ohtest.sip_options('127.0.0.1', 5062, timeout=0.05)
        return main_thread_in_write(pid)
    ohtest.wait_until(wedged, 20, interval=0, what='the main thread to '
                      'block writing a log line to the unread FIFO')
    ok('the main thread is blocked in write(2) on the full log FIFO')
    peer_ping(phone.conn, 2000)
    ok('the other threads run on: GDBus answers Peer.Ping')
    quiet = [t for _, t in notes.collect(2.5 * WATCHDOG_S)
             if t == 'WATCHDOG=1']
    check(not quiet, f'no WATCHDOG=1 while the main loop is wedged for '
          f'{2.5 * WATCHDOG_S} s (got {len(quiet)})')
    check(main_thread_in_write(pid), 'the main thread was wedged all along')

    fifo.reading.set()
    again = notes.next(3 * WATCHDOG_S, 'WATCHDOG=1')
    check(again is not None, 'the pings come back once the loop runs again')
    check(phone.get(None, 'Manager', 'Version') != '',
          'the daemon answers D-Bus again')

    # 6. SIGTERM
    phone.proc.popen.terminate()
    check(notes.next(5, 'STOPPING=1') is not None, 'STOPPING=1 on SIGTERM')
    check(phone.proc.wait(10) == 0, 'offhookd exits 0 after SIGTERM')

    # 7. an abstract socket; a watchdog meant for another process
    abstract = Notifications(f'@offhook-notify-{os.getpid()}')
    other = ohtest.Phone(fx, 'b', bus, None, sip_port=5064, wait=False,
                         env={'NOTIFY_SOCKET': abstract.path,
                              'WATCHDOG_USEC': str(int(WATCHDOG_S * 1e6)),
                              'WATCHDOG_PID': str(os.getpid())})
    check(abstract.next(20, 'READY=1') is not None,
          f'READY=1 arrives on the abstract socket {abstract.path}')
    pings = [t for _, t in abstract.collect(3 * WATCHDOG_S)
             if t == 'WATCHDOG=1']
    check(not pings, f'no WATCHDOG=1 in {3 * WATCHDOG_S} s when WATCHDOG_PID '
          f'is another process (got {len(pings)})')
    check(other.stop() == 0, 'offhookd exits 0 after SIGTERM')
