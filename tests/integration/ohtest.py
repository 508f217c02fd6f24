# SPDX-License-Identifier: LGPL-2.1-or-later
"""ohtest -- Offhook's integration-test harness (stdlib + python3-gi only).

Run test scripts with Debian's interpreter, /usr/bin/python3 (it has python3-gi).
A test script looks like this::

    import ohtest
    ohtest.isolate()                       # private network namespace

    with ohtest.Fixture('call-basic', timeout=120) as fx:
        kam = ohtest.Kamailio(fx)          # registrar + proxy on 127.0.0.1:5060
        pulse = ohtest.Pulse(fx, sinks=['mic_a', 'spk_a'])
        bus = ohtest.Bus(fx)
        a = ohtest.Phone(fx, 'a', bus, pulse, sip_port=5062)
        acc = a.add_account('work', 'sip:1001@offhook.test',
                            ['sip:127.0.0.1:5060'], '1001', 'pw1001')
        a.wait_prop(acc, 'Account', 'RegistrationState', 'registered', 10)
        ohtest.ok('phone a registered')

Isolation
---------
isolate()
    Call first in every test script.  Outside a private network namespace it
    re-executes the same script (sys.executable, same argv and environment)
    under ``unshare --net --mount`` (plus ``--map-root-user`` when not root)
    and never returns; inside it brings ``lo`` up and drops inherited
    PULSE_SERVER / DBUS_SESSION_BUS_ADDRESS / ... variables.  Everything the
    test starts afterwards lives in that namespace: fixed ports such as 5060
    never collide with parallel tests.

Results
-------
ok(msg)                 print ``ok - msg``.
check(cond, msg)        print ``ok - msg`` or raise TestFailure(msg).
fail(msg)               raise TestFailure(msg).
skip(msg)               print ``SKIP - msg`` and exit 77 (meson's skip code).
wait_until(pred, timeout, interval=0.05, what='') -> value
                        bounded poll of pred() (only for external state that
                        has no event, e.g. a port being bound); TestFailure
                        on timeout.
TestFailure             an AssertionError subclass.

Fixture
-------
Fixture(name=None, timeout=120, keep=False)  -- context manager, ``as fx``:
    fx.tmp              a fresh temp dir (removed on success; kept, with its
                        path printed, on failure or with OHTEST_KEEP=1).
    fx.spawn(name, argv, env=None, stdout=None, cwd=None, check_exit=False,
             stdin=DEVNULL, watch=None) -> Proc
                        start a process, registered for teardown.  Its
                        stdout+stderr go to ``fx.tmp/<name>.log`` (with
                        stdout=PIPE only stderr does).  watch=regex: the
                        output is pumped line by line into the log and
                        Proc.wait_output() waits for the regex.
                        check_exit=True: at teardown the process must exit 0
                        on SIGTERM and its log must be free of sanitizer
                        reports, or the test fails.
    fx.path(name)       fx.tmp/name.
    fx.cleanup(fn)      call fn() at teardown (LIFO, before processes stop).
    fx.overlay(path)    make the folder path writable for this test alone: an
                        overlay over it (upper layer on a tmpfs in fx.tmp)
                        in the test's mount namespace; the machine's own
                        folder never changes (e.g. /etc for useradd).
                        Unmounted at teardown.
    The whole test is bounded by ``timeout`` (SIGALRM -> TimeoutError).
    On an exception: ``FAIL - ...`` (traceback for non-assertions), the tail
    of every log, the kept temp dir, exit status 1.  Teardown stops every
    process in reverse start order: SIGTERM, SIGKILL after a bound.

Proc                    .name .argv .popen .pid .log (path) .returncode
    .alive() -> bool, .stop(timeout=5, sig=SIGTERM) -> exit code (negative:
    killed by that signal), .wait(timeout) -> exit code (TimeoutError),
    .wait_output(regex, timeout) -> re.Match, .log_text() -> str,
    .read_line(timeout) -> str (stdout=PIPE only).

Services
--------
Bus(fx, name='bus')
    A private session dbus-daemon on ``unix:path=fx.tmp/<name>.sock``.
    .address (str), .conn (Gio.DBusConnection, the test's own), .proc,
    .env() -> {'DBUS_SESSION_BUS_ADDRESS': address}.

Pulse(fx, sinks=('mic_a', 'spk_a'), name='pulse')
    A private PulseAudio daemon as root (own PULSE_RUNTIME_PATH, HOME, ...),
    anonymous unix socket, one mono 48 kHz null sink per name plus
    module-always-sink; returns once ``pactl info`` answers.
    Convention: a microphone is a null sink ``mic_x`` (the phone records
    ``mic_x.monitor``, the test plays into ``mic_x``; silence plays into it
    all the time, so that it delivers sound at once as a real one does,
    not in the seconds-long blocks of an idle null sink); a speaker is a null
    sink ``spk_x`` (the phone plays into it, the test records
    ``spk_x.monitor``).
    .server (PULSE_SERVER string), .env() -> dict for child processes,
    .pactl(*args) -> stdout, .sinks (list), .ensure_sink(name),
    .restart(): SIGKILL the server and start it again (same socket, sinks),
    .play_tone(sink, freq_hz, seconds=None, amplitude=0.5) -> Tone
        background player (pacat); freq_hz may be a number or a tuple of
        numbers (e.g. DTMF); seconds=None plays until Tone.stop().
    .record(source, seconds, rate=8000, then=None) -> array('h') of s16
        mono samples; then() runs as soon as the recorder is live
    .wait_for_tone(source, freq_hz, min_ms, timeout, rate=8000,
                   threshold=0.3) -> bool   (.last_tone_ms: ms heard)
    .tone_ms(...)       the module function below
tone_ms(samples, rate, freq_hz, threshold=0.3, block_ms=20, min_rms=30)
    -> int: ms of the samples (in 20 ms blocks) in which freq_hz carries at
    least ``threshold`` of the block's power (Goertzel).
tone_blocks(samples, rate, freq_hz, ...) -> [bool] per block (the same test)
cadence(samples, rate, freq_hz, threshold=0.2, block_ms=10)
    -> [(on, ms), ...]: the runs with and without the tone, in order.
smooth(runs, min_ms=100) -> the runs of cadence() with every gap shorter
    than min_ms inside a burst (a dropout on a loaded machine, not part of
    a cadence) merged into it.
sine(freq_hz, seconds, rate, amplitude) -> bytes (s16le mono)
Tone                    .stop(), .proc

Kamailio(fx, port=5060, domain='offhook.test',
         users={'1001': 'pw1001', '1002': 'pw1002'}, algorithm=None,
         qop=True, min_expires=0, debug=2, name='kamailio',
         address='127.0.0.1', prefix=(), new_socket=socket.socket)
    A real registrar + proxy on address:port (UDP and TCP), realm = domain,
    configured from kamailio.cfg.in (see its header for the routing rules).
    Returns once OPTIONS probes over UDP and TCP got their 200.
    prefix: an argv prefix kamailio runs under, new_socket: what makes the
    probes' sockets (netns.Kamailio: a namespace's Netns.argv([]) and
    Netns.socket).  .uri ('sip:127.0.0.1:5060'), .host_port
    ('127.0.0.1:5060'), .address, .port, .domain, .users, .cfg (path),
    .proc, .log_text(), .options_ping(timeout=1, transport='udp') -> as
    sip_options(), .bindings(user) -> the Contact header values the
    registrar holds for sip:user@domain (a REGISTER without Contact,
    answering the digest challenge with the user's password).
    Kamailio.render(port, domain, users, ..., address='127.0.0.1') -> the
    filled-in configuration text.
check_kamailio_config(path, prefix=()) -> (ok, output)
                        (``kamailio -c -f path`` under the argv prefix)
sip_options(host, port=5060, transport='udp', timeout=1.0,
            new_socket=socket.socket, call_id_host='ohtest')
    One OPTIONS from a connected socket made by new_socket(family, type):
    the status code, None when nothing came back, 'unreachable' when an
    ICMP error (or a TCP RST) did.

Sipp(fx, scenario, args=(), remote=None, name=None, calls=1, timeout=30,
     local_port=None, transport='u1', address='127.0.0.1', prefix=())
    Runs sipp in the background, bound to address:local_port (prefix: an
    argv prefix it runs under, e.g. Netns.argv([])).  scenario: a builtin
    name (``uac``, ``uas``, ...), a path (relative names are looked up in
    tests/integration/sipp/ too), or XML text starting with '<'.
    Messages and errors are traced into fx.tmp (``<name>.msg.log``,
    ``<name>.err.log``); ``-m calls``, ``-timeout`` bound it.
    .wait(timeout=None) -> exit code (0: every call succeeded),
    .wait_bound(timeout=5) waits until its local port is bound (UAS),
    .messages() -> str, .errors() -> str, .proc, .local_port, .address.

Phone(fx, name, bus, pulse, sip_port, mic=None, spk=None, extra_config=None,
      exe=None, args=(), env=None, wait=True, timeout=30, verbose=True)
    Starts ``$OFFHOOKD --session --config CFG --state-dir DIR --verbose``
    (without --verbose when verbose is false, as the benchmarks run it)
    (exe: a path or an argv prefix overriding $OFFHOOKD) with the private
    bus, the pulse server, G_DEBUG=fatal-criticals, ASAN/UBSAN options
    passed through.  mic/spk default to ``mic_<name>`` / ``spk_<name>``
    (created in pulse when missing).  pulse=None: the daemon gets an
    unreachable PULSE_SERVER (no sound server at all).  The keyfile::

        [sip]   port=<sip_port>  address=127.0.0.1
        [rtp]   port-min/port-max (a distinct range per phone)
        [audio] source=<mic>.monitor  sink=<spk>

    plus extra_config ({'sip': {'ring-timeout': '5'}}) merged in.  Waits
    until org.offhook.Phone1 is owned on the bus (NameOwnerChanged).
    .proc .log (path) .config (path) .state_dir .mic .spk .rtp_range
    .call(path, iface, method, args=None, signature=None, timeout=10)
        -> tuple (the unpacked out-arguments; ``()`` when none).  args: a
        GLib.Variant tuple, or a Python tuple together with signature
        ('sa{sv}').  path/iface may be short: 'Account/work',
        'Manager' -> '/org/offhook/Phone1/Account/work',
        'org.offhook.Phone1.Manager'; path None/'' = root object.
    .get(path, iface, prop) -> unpacked value
    .get_all(path, iface) -> dict
    .set(path, iface, prop, value)  value: GLib.Variant
    .wait_prop(path, iface, prop, predicate_or_value, timeout=10) -> value
        current value first, then every PropertiesChanged; TestFailure on
        timeout (with the last value seen).
    .watch_signal(path, iface, signal) -> SignalWatch (collects from now on)
    .wait_signal(path, iface, signal, timeout=10, predicate=None,
                 trigger=None) -> tuple of unpacked args
    .expect_dbus_error(name_suffix, fn, *args, **kw) -> error message
    .add_account(id, aor, proxies, username=None, password=None,
                 register=True, **settings) -> account object path
        (settings: python values; 'a_b' keys become 'a-b'; str -> s,
        bool -> b, int -> u, list -> as, GLib.Variant as is)
    .dial(target, **options) -> call object path
    .stop(timeout=10) -> exit code
tones_both_ways(pulse, a, b, label, freqs=(1000, 600), min_ms=400, timeout=15,
                rate=8000): a tone each way between a and b (Phone or
    Baresip: .mic, .spk), checked on the speakers.
registered_phone(fx, name, pulse, kam, user, sip_port, extra_config=None,
                 **settings)
    -> (Phone, account path): a Phone on its own Bus whose account 'work'
    (sip:USER@kam.domain, password from kam.users, extra Update settings;
    extra_config as for Phone)
    is registered through kam.
active_call(caller, callee, target, timeout=10)
    -> (caller's call path, callee's call path): caller dials target, the
    call that appears on callee is answered, and both are active.
new_call(phone, trigger, timeout=10) -> (call path, properties)
    runs trigger() and returns the call it made appear on phone
    (Manager.CallAdded).
dial_and_record(phone, pulse, target, seconds, rate=8000, **options)
    -> (call path, properties, samples): records phone's speaker for
    seconds while it dials target (Dial options), and collects the call's
    PropertiesChanged meanwhile (the last value of each property; the call
    object may be gone by then).
call_ended(phone, call, reason, status=None, what='', timeout=10)
    waits until the call is disconnected and checks its DisconnectReason
    (and SipStatus unless None).
check_cadence(label, runs, on_ms, off_ms, tolerance=60, median=False)
    checks the whole runs of cadence() (not the first and last, cut by the
    recording): at least two bursts and gaps, each within tolerance (with
    median=True: their medians, for a machine under load that may stall a
    stream now and then).
sipp_media_args() -> ['-mi', '127.0.0.1', '-mp', PORT]: a media port of
    its own for each SIPp peer of a test (16010, 16020, ...).
sipp_scenario(name, headers=()) -> XML text of tests/integration/sipp/NAME
    with the header lines added after the first Subject: line (extra
    headers in a UAC's INVITE), for Sipp(fx, text, ...).
sipp_finished(peer, what, timeout=15) -> its message trace, once the Sipp
    peer exited 0 (checked).
sipp_times(msgs) -> [(epoch, first line)] of each message of a SIPp
    -trace_msg log; first_time(times, prefix) -> the epoch of the first one
    whose first line starts with prefix, None when none does.
sipp_message(msgs, first_line_regex) -> the headers of the first message
    in a SIPp trace whose first line matches, None when none does;
    sip_header(text, name, compact=None) -> the value of that header in
    them (compact: its one-letter form), None when absent.
SignalWatch             .wait(timeout=10, predicate=None) -> args tuple,
                        .events (list of args tuples), .times (arrival,
                        time.monotonic()), .collect(count, timeout) ->
                        [(args, time)] without raising, .close()
variant_dict(d) -> GLib.Variant('a{sv}')

Capture(fx, iface='lo', filter='udp port 5060', name='capture', sip_ports=(),
        prefix=(), marker=None, occurrence='a')
    tshark writing fx.tmp/<name>.pcap; returns once it is capturing.
    sip_ports: extra UDP/TCP ports to decode as SIP (5060 is known).
    prefix: an argv prefix tshark runs under (e.g. Netns.argv([])).
    marker=(new_socket, src, dst): stop() sends a datagram from src (a
    socket made by new_socket(family, type)) to dst:9 and waits until
    tshark saw it, so nothing sent before stop() is missing from the pcap;
    None: 127.0.0.2 -> 127.0.0.1 on ``lo`` without a prefix, else none.
    occurrence: a field that occurs more than once, 'a' all (joined by
    spaces) or 'f' the first.
    .stop(), .packets(display_filter, fields) -> list of dicts,
    .sip_messages() -> list of dicts with keys: frame, time, src, sport,
        dst, dport, method, status, call_id, cseq, cseq_method, r_uri,
        from_user, to_user, to_tag, contact, expires, authorization,
        proxy_authorization, www_authenticate, proxy_authenticate,
        record_route, route, user_agent, reason, sdp_media, sdp_address
        (strings; '' when absent; status/cseq as int or None).

Constants: BUS_NAME, ROOT_PATH, MANAGER, ACCOUNT, CALL, ERROR_PREFIX.
"""

import array
import datetime
import errno
import hashlib
import math
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid

try:
    import gi
    gi.require_version('Gio', '2.0')
    gi.require_version('GLib', '2.0')
    from gi.repository import Gio, GLib
except (ImportError, ValueError) as _gi_error:  # pragma: no cover
    Gio = GLib = None
    _GI_ERROR = _gi_error
else:
    _GI_ERROR = None

HERE = os.path.dirname(os.path.abspath(__file__))
SIPP_DIR = os.path.join(HERE, 'sipp')
KAMAILIO_TEMPLATE = os.path.join(HERE, 'kamailio.cfg.in')

BUS_NAME = 'org.offhook.Phone1'
ROOT_PATH = '/org/offhook/Phone1'
MANAGER = 'org.offhook.Phone1.Manager'
ACCOUNT = 'org.offhook.Phone1.Account'
CALL = 'org.offhook.Phone1.Call'
ERROR_PREFIX = 'org.offhook.Phone1.Error.'

_NETNS_ENV = 'OHTEST_PARENT_NETNS'
_LEAKY_ENV = ('PULSE_SERVER', 'PULSE_RUNTIME_PATH', 'PULSE_STATE_PATH',
              'PULSE_COOKIE', 'PULSE_CLIENTCONFIG', 'PULSE_SINK',
              'PULSE_SOURCE', 'DBUS_SESSION_BUS_ADDRESS', 'XDG_RUNTIME_DIR',
              'DBUS_STARTER_ADDRESS', 'DBUS_STARTER_BUS_TYPE')


# ---------------------------------------------------------------- results

class TestFailure(AssertionError):
    """A failed check; the Fixture prints it as ``FAIL - <message>``."""


def ok(msg):
    print(f'ok - {msg}', flush=True)


def fail(msg):
    raise TestFailure(msg)


def check(cond, msg):
    if not cond:
        raise TestFailure(msg)
    ok(msg)


def skip(msg):
    print(f'SKIP - {msg}', flush=True)
    sys.exit(77)


def info(msg):
    print(f'# {msg}', flush=True)


def wait_until(pred, timeout, interval=0.05, what='condition'):
    """Poll pred() until it returns a true value (returned) or timeout.

    Only for external state that emits no event (a port being bound, a file
    appearing); D-Bus state has wait_prop/wait_signal."""
    deadline = time.monotonic() + timeout
    while True:
        _check_expired()
        value = pred()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TestFailure(f'timed out after {timeout} s waiting for {what}')
        time.sleep(interval)


# -------------------------------------------------------------- isolation

def _netns_id():
    return os.readlink('/proc/self/ns/net')


def _on_sigterm(signum, frame):
    raise KeyboardInterrupt(f'signal {signum}')


def isolate():
    """Run the calling script in its own network + mount namespace."""
    parent = os.environ.get(_NETNS_ENV)
    if parent is None:
        unshare = shutil.which('unshare') or '/usr/bin/unshare'
        # --pid --fork --kill-child: the test is PID 1 of its own PID
        # namespace, so whatever it started dies with it, even on SIGKILL
        argv = [unshare, '--net', '--mount', '--pid', '--fork',
                '--kill-child', '--mount-proc']
        if os.geteuid() != 0:
            argv.append('--map-root-user')
        argv += [sys.executable] + sys.argv
        env = dict(os.environ)
        env[_NETNS_ENV] = _netns_id()
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            os.execve(unshare, argv, env)
        except OSError as e:
            print(f'FAIL - cannot exec {unshare}: {e}', flush=True)
            os._exit(1)
    if _netns_id() == parent:
        print('FAIL - isolate(): still in the parent network namespace '
              '(unshare did not take effect)', flush=True)
        sys.exit(1)
    if os.getpid() == 1:
        # PID 1 ignores signals it has no handler for
        signal.signal(signal.SIGTERM, _on_sigterm)
        signal.signal(signal.SIGHUP, _on_sigterm)
    for var in _LEAKY_ENV:
        os.environ.pop(var, None)
    try:
        sys.stdout.reconfigure(line_buffering=True)
    except AttributeError:
        pass
    subprocess.run(['ip', 'link', 'set', 'lo', 'up'], check=True)
    if _GI_ERROR is not None:
        print(f'FAIL - python3-gi is missing ({_GI_ERROR}); run the tests '
              'with /usr/bin/python3', flush=True)
        sys.exit(1)


# ---------------------------------------------------------------- processes

_SANITIZER_RE = re.compile(
    r'ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error: |'
    r'SUMMARY: UndefinedBehaviorSanitizer|CRITICAL \*\*|ERROR \*\*')


def _tail(path, lines=40):
    try:
        with open(path, 'rb') as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 16384))
            data = f.read().decode('utf-8', 'replace')
    except OSError:
        return ''
    return '\n'.join(data.splitlines()[-lines:])


class Proc:
    """A process started through Fixture.spawn()."""

    def __init__(self, fx, name, argv, env=None, stdout=None, cwd=None,
                 check_exit=False, stdin=subprocess.DEVNULL, watch=None):
        self.fx = fx
        self.name = name
        self.argv = [str(a) for a in argv]
        self.log = os.path.join(fx.tmp, f'{name}.log')
        self.check_exit = check_exit
        self.stopped_by_us = False
        self.killed = False
        self._lines = []
        self._cond = threading.Condition()
        self._pump = None
        logf = open(self.log, 'ab', buffering=0)
        logf.write(('$ ' + ' '.join(self.argv) + '\n').encode())
        prefix = []
        setpriv = shutil.which('setpriv')
        if setpriv:
            # the process dies with the test even if the test is SIGKILLed
            prefix = [setpriv, '--pdeathsig', 'KILL', '--']
        if watch:
            out, err = subprocess.PIPE, subprocess.STDOUT
        elif stdout == subprocess.PIPE:
            out, err = subprocess.PIPE, logf
        else:
            out, err = logf, subprocess.STDOUT
        self.popen = subprocess.Popen(prefix + self.argv, env=env, cwd=cwd,
                                      stdin=stdin, stdout=out, stderr=err)
        logf.close()
        if watch:
            self._pump = threading.Thread(target=self._pump_lines,
                                          name=f'pump-{name}', daemon=True)
            self._pump.start()

    def _pump_lines(self):
        with open(self.log, 'ab', buffering=0) as logf:
            for raw in iter(self.popen.stdout.readline, b''):
                logf.write(raw)
                with self._cond:
                    self._lines.append(raw.decode('utf-8', 'replace'))
                    self._cond.notify_all()
        with self._cond:
            self._lines.append(None)
            self._cond.notify_all()

    @property
    def pid(self):
        return self.popen.pid

    @property
    def returncode(self):
        return self.popen.returncode

    def alive(self):
        return self.popen.poll() is None

    def wait_output(self, regex, timeout):
        """Wait for a line of output matching regex (needs watch=...)."""
        if self._pump is None:
            raise RuntimeError(f'{self.name}: started without watch=')
        pat = re.compile(regex)
        deadline = time.monotonic() + timeout
        seen = 0
        with self._cond:
            while True:
                while seen < len(self._lines):
                    line = self._lines[seen]
                    seen += 1
                    if line is None:
                        raise TestFailure(
                            f'{self.name} exited (status {self.popen.wait()}) '
                            f'before printing /{regex}/')
                    m = pat.search(line)
                    if m:
                        return m
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TestFailure(f'{self.name}: no /{regex}/ within '
                                      f'{timeout} s')
                self._cond.wait(left)

    def read_line(self, timeout):
        """Read one line of stdout (stdout=PIPE), bounded in time."""
        fd = self.popen.stdout.fileno()
        buf = b''
        deadline = time.monotonic() + timeout
        while not buf.endswith(b'\n'):
            left = deadline - time.monotonic()
            if left <= 0:
                raise TestFailure(f'{self.name}: no output within {timeout} s')
            r, _, _ = select.select([fd], [], [], left)
            if r:
                chunk = os.read(fd, 1)
                if not chunk:
                    raise TestFailure(
                        f'{self.name} exited (status {self.popen.wait()}) '
                        'without output')
                buf += chunk
        return buf.decode().rstrip('\n')

    def wait(self, timeout):
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            raise TimeoutError(f'{self.name} still running after {timeout} s')

    def stop(self, timeout=5, sig=signal.SIGTERM):
        """SIGTERM (or sig), SIGKILL after timeout; returns the exit code."""
        if self.popen.poll() is None:
            self.stopped_by_us = True
            try:
                self.popen.send_signal(sig)
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.killed = True
                self.popen.kill()
                self.popen.wait()
        if self._pump is not None:
            self._pump.join(2)
        if self.popen.stdout is not None:
            self.popen.stdout.close()
        return self.popen.returncode

    def log_text(self):
        try:
            with open(self.log, encoding='utf-8', errors='replace') as f:
                return f.read()
        except OSError:
            return ''

    def problems(self):
        """Why a check_exit process counts as failed (empty list: fine)."""
        out = []
        rc = self.popen.returncode
        if self.killed:
            out.append(f'{self.name} ignored SIGTERM and was SIGKILLed')
        elif rc is not None and rc != 0:
            how = (f'signal {-rc}' if rc < 0 else f'status {rc}')
            out.append(f'{self.name} exited with {how}')
        m = _SANITIZER_RE.search(self.log_text())
        if m:
            out.append(f'{self.name} log has "{m.group(0).strip()}"')
        return out


# set when the Fixture's bound fired: waits re-raise it even if the
# TimeoutError was swallowed inside a GLib callback
_EXPIRED = []


def _check_expired():
    if _EXPIRED:
        raise TimeoutError(f'test {_EXPIRED[0]} exceeded its bound')


class Fixture:
    """Per-test temp dir, process registry, time bound and failure report."""

    def __init__(self, name=None, timeout=120, keep=False):
        self.name = name or os.path.splitext(os.path.basename(sys.argv[0]))[0]
        self.timeout = timeout
        self.keep = keep or os.environ.get('OHTEST_KEEP') == '1'
        self.procs = []
        self._cleanups = []
        self._names = set()
        self.tmp = None
        self._phones = 0

    # -- context manager
    def __enter__(self):
        base = os.environ.get('OHTEST_TMPDIR') or None
        self.tmp = tempfile.mkdtemp(prefix=f'ohtest-{self.name}-', dir=base)
        os.chmod(self.tmp, 0o755)
        self._old_alarm = signal.signal(signal.SIGALRM, self._on_alarm)
        signal.alarm(int(math.ceil(self.timeout)))
        info(f'{self.name}: temp dir {self.tmp}, bounded to {self.timeout} s')
        return self

    def _on_alarm(self, signum, frame):
        _EXPIRED.append(self.name)
        raise TimeoutError(f'test {self.name} exceeded its {self.timeout} s '
                           'bound')

    def __exit__(self, etype, exc, tb):
        signal.alarm(0)
        _EXPIRED.clear()
        problems = []
        try:
            problems = self._teardown()
        except Exception:  # report, never hide the original failure
            problems.append('teardown raised:\n' + traceback.format_exc())
        failed = etype is not None or problems
        if etype is not None:
            if issubclass(etype, AssertionError):
                print(f'FAIL - {exc}', flush=True)
            elif issubclass(etype, KeyboardInterrupt):
                print(f'FAIL - interrupted {exc}', flush=True)
            else:
                print('FAIL - exception:', flush=True)
                traceback.print_exception(etype, exc, tb, file=sys.stdout)
        for p in problems:
            print(f'FAIL - {p}', flush=True)
        if failed:
            self._report()
            print(f'# kept temp dir {self.tmp}', flush=True)
            first = (f'{etype.__name__}: {exc}' if etype is not None
                     else problems[0].splitlines()[0])
            print(f'FAIL - {self.name}: {first}', flush=True)
            sys.stdout.flush()
            raise SystemExit(1)
        if self.keep:
            print(f'# kept temp dir {self.tmp}', flush=True)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)
        print(f'ok - {self.name}: all checks passed', flush=True)
        return False

    def _teardown(self):
        problems = []
        while self._cleanups:
            fn = self._cleanups.pop()
            try:
                fn()
            except Exception as e:
                problems.append(f'cleanup {fn!r} raised {e!r}')
        for p in reversed(self.procs):
            was_alive = p.alive()
            p.stop(timeout=5)
            if p.check_exit:
                if not was_alive and not p.stopped_by_us:
                    rc = p.returncode
                    if rc != 0:
                        problems.append(f'{p.name} died on its own '
                                        f'(status {rc})')
                        continue
                problems.extend(p.problems())
        signal.signal(signal.SIGALRM, self._old_alarm or signal.SIG_DFL)
        return problems

    def _report(self):
        logs = sorted(f for f in os.listdir(self.tmp)
                      if f.endswith('.log'))
        for f in logs:
            path = os.path.join(self.tmp, f)
            text = _tail(path)
            print(f'----- tail of {path}', flush=True)
            print(text, flush=True)
        print('-----', flush=True)

    # -- helpers
    def path(self, name):
        return os.path.join(self.tmp, name)

    def unique(self, name):
        base, n = name, 1
        while name in self._names:
            n += 1
            name = f'{base}-{n}'
        self._names.add(name)
        return name

    def cleanup(self, fn):
        self._cleanups.append(fn)

    def overlay(self, path):
        rw = self.path(self.unique('overlay' + path.replace('/', '-')))
        os.makedirs(rw)
        for argv in (['mount', '-t', 'tmpfs', 'tmpfs', rw],
                     ['mkdir', f'{rw}/upper', f'{rw}/work'],
                     ['mount', '-t', 'overlay', 'overlay', '-o',
                      f'lowerdir={path},upperdir={rw}/upper,workdir={rw}/work',
                      path]):
            subprocess.run(argv, check=True, capture_output=True, timeout=60)
        # lazily: processes still running keep what they opened; the
        # mount points are empty folders again for the temp dir's removal
        self.cleanup(lambda: subprocess.run(
            ['umount', '--lazy', path, rw], check=True, timeout=60))

    def spawn(self, name, argv, env=None, stdout=None, cwd=None,
              check_exit=False, stdin=subprocess.DEVNULL, watch=None,
              reserved=False):
        """reserved=True: name came from fx.unique() already."""
        if not reserved:
            name = self.unique(name)
        p = Proc(self, name, argv, env=env, stdout=stdout, cwd=cwd,
                 check_exit=check_exit, stdin=stdin, watch=watch)
        self.procs.append(p)
        return p


def base_env(**extra):
    """The test's environment without session leaks, plus extra."""
    env = {k: v for k, v in os.environ.items() if k not in _LEAKY_ENV}
    env.update({k: str(v) for k, v in extra.items()})
    return env


# ---------------------------------------------------------------- D-Bus

class Bus:
    """A private session bus (dbus-daemon --session --nofork)."""

    def __init__(self, fx, name='bus'):
        self.fx = fx
        name = fx.unique(name)
        self.socket = fx.path(f'{name}.sock')
        self.proc = fx.spawn(name, [
            'dbus-daemon', '--session', '--nofork', '--nopidfile',
            '--print-address=1', f'--address=unix:path={self.socket}'],
            env=base_env(), stdout=subprocess.PIPE, reserved=True)
        self.address = self.proc.read_line(10)
        if not self.address.startswith('unix:'):
            raise TestFailure(f'dbus-daemon printed {self.address!r}')
        self.conn = Gio.DBusConnection.new_for_address_sync(
            self.address,
            Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
            Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
            None, None)
        fx.cleanup(self._close)

    def _close(self):
        if not self.conn.is_closed():
            self.conn.close_sync(None)

    def env(self):
        return {'DBUS_SESSION_BUS_ADDRESS': self.address}


def _iterate_until(done, timeout, wake_ms=None, on_wake=None):
    """Iterate the default main context until done() or timeout (seconds).

    wake_ms: also wake up that often and call on_wake() (used to notice a
    process that died).  Returns done()."""
    ctx = GLib.MainContext.default()
    expired = []

    def on_timeout():
        expired.append(True)
        return GLib.SOURCE_REMOVE
    tid = GLib.timeout_add(int(timeout * 1000), on_timeout)
    wid = None
    if wake_ms:
        def wake():
            on_wake()
            return GLib.SOURCE_CONTINUE
        wid = GLib.timeout_add(wake_ms, wake)
    try:
        while not done() and not expired:
            ctx.iteration(True)
            _check_expired()
    finally:
        if not expired:
            GLib.source_remove(tid)
        if wid is not None:
            GLib.source_remove(wid)
    # flush what is already pending without blocking
    while not done() and ctx.iteration(False):
        pass
    return done()


def _to_variant(value):
    if isinstance(value, GLib.Variant):
        return value
    if isinstance(value, bool):
        return GLib.Variant('b', value)
    if isinstance(value, int):
        return GLib.Variant('u', value)
    if isinstance(value, float):
        return GLib.Variant('d', value)
    if isinstance(value, str):
        if value.startswith('/') and re.fullmatch(r'(/[A-Za-z0-9_]+)+', value):
            return GLib.Variant('o', value)
        return GLib.Variant('s', value)
    if isinstance(value, (list, tuple)):
        if all(isinstance(v, str) for v in value):
            return GLib.Variant('as', list(value))
    if isinstance(value, dict):
        return variant_dict(value)
    raise TypeError(f'no D-Bus type for {value!r}; pass a GLib.Variant')


def variant_dict(d):
    """{'a_b': python value or Variant} -> GLib.Variant('a{sv}') ('a-b')."""
    return GLib.Variant('a{sv}', {k.replace('_', '-'): _to_variant(v)
                                  for k, v in d.items()})


class SignalWatch:
    """Collects one signal from a phone from the moment it is created."""

    def __init__(self, conn, sender, path, iface, signal_name):
        self.conn = conn
        self.events = []
        self.times = []
        self._seen = 0
        self.what = f'{iface}.{signal_name} on {path}'
        self._sid = conn.signal_subscribe(
            sender, iface, signal_name, path, None,
            Gio.DBusSignalFlags.NONE, self._on_signal)

    def _on_signal(self, conn, sender, path, iface, name, params):
        self.events.append(tuple(params.unpack()))
        self.times.append(time.monotonic())

    def collect(self, count, timeout):
        """Every emission so far as [(args, monotonic arrival time)], once
        there are count of them or timeout seconds passed (no error: the
        caller checks what it got)."""
        _iterate_until(lambda: len(self.events) >= count, timeout)
        return list(zip(self.events, self.times))

    def wait(self, timeout=10, predicate=None):
        """The next (not yet returned) emission matching predicate(args)."""
        found = []

        def done():
            while self._seen < len(self.events):
                args = self.events[self._seen]
                self._seen += 1
                if predicate is None or predicate(args):
                    found.append(args)
                    return True
            return bool(found)
        if not _iterate_until(done, timeout):
            raise TestFailure(f'no {self.what} within {timeout} s '
                              f'(got {len(self.events)}: {self.events[-3:]})')
        return found[0]

    def close(self):
        if self._sid:
            self.conn.signal_unsubscribe(self._sid)
            self._sid = 0


# -------------------------------------------------------------- PulseAudio

def sine(freq_hz, seconds, rate=48000, amplitude=0.5):
    """s16le mono samples of one sine (or the sum of several)."""
    freqs = freq_hz if isinstance(freq_hz, (list, tuple)) else [freq_hz]
    n = int(round(seconds * rate))
    amp = 32767 * amplitude / len(freqs)
    steps = [2 * math.pi * f / rate for f in freqs]
    buf = array.array('h', (
        int(amp * sum(math.sin(s * i) for s in steps)) for i in range(n)))
    if sys.byteorder != 'little':
        buf.byteswap()
    return buf.tobytes()


def _goertzel_power(block, rate, freq):
    w = 2 * math.pi * freq / rate
    coeff = 2 * math.cos(w)
    s1 = s2 = 0.0
    for x in block:
        s0 = x + coeff * s1 - s2
        s2 = s1
        s1 = s0
    return s1 * s1 + s2 * s2 - coeff * s1 * s2


def tone_blocks(samples, rate, freq_hz, threshold=0.3, block_ms=20,
                min_rms=30):
    """For each block_ms block of samples: does it clearly hold freq_hz?

    A block counts when its RMS is at least min_rms (s16 units; 30 ~ -61
    dBFS) and the Goertzel power at freq_hz is at least ``threshold`` of the
    block's total power (1.0 = a pure sine at exactly that frequency, 0.5 =
    one of two equally loud tones)."""
    n = max(1, int(rate * block_ms / 1000))
    found = []
    for start in range(0, len(samples) - n + 1, n):
        block = samples[start:start + n]
        energy = 0.0
        for x in block:
            energy += x * x
        if energy <= 0 or math.sqrt(energy / n) < min_rms:
            found.append(False)
            continue
        frac = 2.0 * _goertzel_power(block, rate, freq_hz) / (n * energy)
        found.append(frac >= threshold)
    return found


def tone_ms(samples, rate, freq_hz, threshold=0.3, block_ms=20, min_rms=30):
    """Milliseconds of samples (in block_ms blocks) that clearly hold freq_hz
    (see tone_blocks)."""
    return block_ms * sum(tone_blocks(samples, rate, freq_hz, threshold,
                                      block_ms, min_rms))


def cadence(samples, rate, freq_hz, threshold=0.2, block_ms=10):
    """The on/off rhythm of freq_hz in samples: [(on, ms), ...], one entry
    per run of blocks with (on=True) or without the tone."""
    runs = []
    for on in tone_blocks(samples, rate, freq_hz, threshold, block_ms):
        if runs and runs[-1][0] == on:
            runs[-1][1] += block_ms
        else:
            runs.append([on, block_ms])
    return [tuple(r) for r in runs]


def smooth(runs, min_ms=100):
    """cadence() runs without the gaps shorter than min_ms inside a burst."""
    out = []
    for on, ms in runs:
        if out and out[-1][0] == on:
            out[-1] = (on, out[-1][1] + ms)
        elif len(out) >= 2 and on and not out[-1][0] and out[-1][1] < min_ms:
            gap = out.pop()
            out[-1] = (True, out[-1][1] + gap[1] + ms)
        else:
            out.append((on, ms))
    return out


class Tone:
    """A tone being played by Pulse.play_tone()."""

    def __init__(self, proc, data, seconds):
        self.proc = proc
        self._data = data
        self._seconds = seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._feed, daemon=True,
                                        name=f'feed-{proc.name}')
        self._thread.start()

    def _feed(self):
        pipe = self.proc.popen.stdin
        try:
            if self._seconds is None:
                while not self._stop.is_set():
                    pipe.write(self._data)
            else:
                pipe.write(self._data)
            pipe.close()
        except (BrokenPipeError, ValueError, OSError):
            pass

    def stop(self):
        self._stop.set()
        self.proc.stop(timeout=3)
        self._thread.join(3)

    def wait(self, timeout):
        """Wait until a bounded tone finished playing."""
        return self.proc.wait(timeout)


class Pulse:
    """A private PulseAudio daemon with null sinks."""

    def __init__(self, fx, sinks=('mic_a', 'spk_a'), name='pulse'):
        self.fx = fx
        name = fx.unique(name)
        self.name = name
        d = fx.path(name)
        self.dir = d
        for sub in ('run', 'xdg', 'home', 'state'):
            os.makedirs(os.path.join(d, sub), mode=0o700)
        self.socket = os.path.join(d, 'run', 'native')
        self.server = f'unix:{self.socket}'
        self.sinks = list(sinks)
        self.client_conf = os.path.join(d, 'client.conf')
        with open(self.client_conf, 'w') as f:
            f.write('autospawn = no\n'
                    f'cookie-file = {os.path.join(d, "cookie")}\n')
        self._daemon_env = base_env(
            PULSE_RUNTIME_PATH=os.path.join(d, 'run'),
            XDG_RUNTIME_DIR=os.path.join(d, 'xdg'),
            HOME=os.path.join(d, 'home'),
            PULSE_STATE_PATH=os.path.join(d, 'state'),
            PULSE_CLIENTCONFIG=self.client_conf)
        self.last_tone_ms = 0
        self._live = {}
        self._start(name)

    def _start(self, name):
        argv = ['pulseaudio', '-n', '--daemonize=no', '--exit-idle-time=-1',
                '--system=false', '--disallow-exit', '--realtime=no',
                '--high-priority=no', '--use-pid-file=no',
                '--log-target=stderr',
                '-L', 'module-native-protocol-unix auth-anonymous=1 '
                      f'socket={self.socket}']
        for s in self.sinks:
            argv += ['-L', self._sink_module(s)]
        argv += ['-L', 'module-always-sink']
        self.proc = self.fx.spawn(name, argv, env=self._daemon_env,
                                  reserved=True)

        def ready():
            if not self.proc.alive():
                raise TestFailure(f'pulseaudio exited with status '
                                  f'{self.proc.returncode}')
            r = subprocess.run(['pactl', 'info'], env=self._client_env(),
                               stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, timeout=5)
            return r.returncode == 0
        wait_until(ready, 15, 0.05, 'pulseaudio to answer pactl info')
        have = self._list('sinks')
        missing = [s for s in self.sinks if s not in have]
        if missing:
            raise TestFailure(f'pulseaudio has no sinks {missing} ({have})')
        for s in self.sinks:
            self._keep_live(s)

    def _keep_live(self, sink):
        """A microphone (mic_*) hears silence all the time, as a real one
        does: an idle null sink's monitor only delivers in blocks of seconds."""
        if not sink.startswith('mic'):
            return
        proc = self.fx.spawn(
            f'live-{sink}',
            ['pacat', '--playback', '-d', sink, '--format=s16le', '--rate=8000',
             '--channels=1', '--raw', '--latency-msec=20',
             '--client-name=ohtest-live'],
            env=self._client_env(), stdin=subprocess.PIPE)
        self._live[sink] = Tone(proc, bytes(16000), None)

    def restart(self):
        """Kill the server (SIGKILL, as a crash) and start it again on the
        same socket with the same sinks."""
        self.proc.stop(timeout=5, sig=signal.SIGKILL)
        for tone in self._live.values():
            tone.stop()
        self._start(self.fx.unique(self.name))

    tone_ms = staticmethod(tone_ms)

    @staticmethod
    def _sink_module(s):
        return f'module-null-sink sink_name={s} rate=48000 channels=1'

    def _client_env(self):
        return base_env(**self.env())

    def env(self):
        """Environment for a client of this server (merge into a child's)."""
        return {'PULSE_SERVER': self.server,
                'PULSE_CLIENTCONFIG': self.client_conf,
                'PULSE_COOKIE': os.path.join(self.dir, 'cookie')}

    def pactl(self, *args, timeout=10):
        r = subprocess.run(['pactl'] + [str(a) for a in args],
                           env=self._client_env(), capture_output=True,
                           text=True, timeout=timeout)
        if r.returncode != 0:
            raise TestFailure(f'pactl {" ".join(map(str, args))} failed: '
                              f'{r.stderr.strip()}')
        return r.stdout

    def _list(self, what):
        return [line.split('\t')[1]
                for line in self.pactl('list', 'short', what).splitlines()
                if '\t' in line]

    def ensure_sink(self, sink):
        if sink not in self._list('sinks'):
            self.pactl('load-module', 'module-null-sink', f'sink_name={sink}',
                       'rate=48000', 'channels=1')
            self.sinks.append(sink)
            self._keep_live(sink)

    def play_tone(self, sink, freq_hz, seconds=None, amplitude=0.5):
        """Play a sine into sink in the background; returns a Tone."""
        rate = 48000
        # one second holds a whole number of periods of an integer frequency:
        # looping it is seamless
        chunk = sine(freq_hz, 1.0 if seconds is None else seconds, rate,
                     amplitude)
        label = '+'.join(str(f) for f in (freq_hz if isinstance(
            freq_hz, (list, tuple)) else [freq_hz]))
        proc = self.fx.spawn(
            f'tone-{sink}-{label}',
            ['pacat', '--playback', '-d', sink, '--format=s16le',
             f'--rate={rate}', '--channels=1', '--raw', '--latency-msec=20',
             f'--client-name=ohtest-tone-{label}'],
            env=self._client_env(), stdin=subprocess.PIPE)
        return Tone(proc, chunk, seconds)

    def _recorder(self, source, rate):
        return self.fx.spawn(
            f'rec-{source}',
            ['pacat', '--record', '-d', source, '--format=s16le',
             f'--rate={rate}', '--channels=1', '--raw', '--latency-msec=20',
             '--client-name=ohtest-record'],
            env=self._client_env(), stdout=subprocess.PIPE)

    @staticmethod
    def _read_samples(proc, nbytes, deadline):
        fd = proc.popen.stdout.fileno()
        buf = bytearray()
        while len(buf) < nbytes:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            r, _, _ = select.select([fd], [], [], left)
            if not r:
                break
            chunk = os.read(fd, nbytes - len(buf))
            if not chunk:
                break
            buf += chunk
        return buf

    @staticmethod
    def _to_array(buf):
        samples = array.array('h')
        samples.frombytes(bytes(buf[:len(buf) // 2 * 2]))
        if sys.byteorder != 'little':
            samples.byteswap()
        return samples

    def record(self, source, seconds, rate=8000, then=None):
        """Record seconds of source; returns array('h') (s16 mono).
        then: called once the recorder delivers sound (it is live), so
        that what it starts is recorded from its very beginning."""
        proc = self._recorder(source, rate)
        try:
            buf = bytearray()
            if then is not None:
                buf += self._read_samples(proc, 2, time.monotonic() + 5)
                then()
            buf += self._read_samples(proc, int(seconds * rate) * 2 - len(buf),
                                      time.monotonic() + seconds + 3)
        finally:
            proc.stop(timeout=3)
        return self._to_array(buf)

    def wait_for_tone(self, source, freq_hz, min_ms, timeout, rate=8000,
                      threshold=0.3):
        """Record source until min_ms of freq_hz were heard (True) or
        timeout seconds passed (False).  self.last_tone_ms: ms heard."""
        proc = self._recorder(source, rate)
        heard = 0
        block = int(rate * 0.02) * 2            # 20 ms of s16
        pending = bytearray()
        deadline = time.monotonic() + timeout
        try:
            while heard < min_ms and time.monotonic() < deadline:
                chunk = self._read_samples(proc, block * 5,
                                           min(deadline,
                                               time.monotonic() + 0.5))
                if not chunk and not proc.alive():
                    raise TestFailure(f'recorder for {source} died: '
                                      f'{_tail(proc.log, 5)}')
                pending += chunk
                usable = len(pending) // block * block
                if usable:
                    heard += tone_ms(self._to_array(pending[:usable]), rate,
                                     freq_hz, threshold)
                    del pending[:usable]
        finally:
            proc.stop(timeout=3)
        self.last_tone_ms = heard
        return heard >= min_ms


# ---------------------------------------------------------------- Kamailio

def check_kamailio_config(path, prefix=()):
    """``kamailio -c -f path`` (under the argv prefix, e.g. in a netns)."""
    r = subprocess.run(list(prefix) + ['kamailio', '-c', '-f', path],
                       capture_output=True, text=True, timeout=30)
    return r.returncode == 0, r.stdout + r.stderr


def sip_options(host, port=5060, transport='udp', timeout=1.0,
                new_socket=socket.socket, call_id_host='ohtest'):
    """Send one OPTIONS to host:port from a connected socket made by
    new_socket(family, type) (e.g. Netns.socket: from inside a namespace).

    The status code; None when nothing came back in time (or on another
    socket error); 'unreachable' when an ICMP error / RST did."""
    tag = uuid.uuid4().hex
    sock = new_socket(socket.AF_INET, socket.SOCK_DGRAM if transport == 'udp'
                      else socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect((host, port))
        lhost, lport = sock.getsockname()
        msg = (f'OPTIONS sip:{host}:{port} SIP/2.0\r\n'
               f'Via: SIP/2.0/{transport.upper()} {lhost}:{lport};'
               f'branch=z9hG4bK{tag[:16]};rport\r\n'
               'Max-Forwards: 70\r\n'
               f'From: <sip:probe@{lhost}:{lport}>;tag={tag[:8]}\r\n'
               f'To: <sip:{host}:{port}>\r\n'
               f'Call-ID: {tag}@{call_id_host}\r\n'
               'CSeq: 1 OPTIONS\r\n'
               'Content-Length: 0\r\n\r\n').encode()
        sock.sendall(msg)
        data = sock.recv(65535)
    except socket.timeout:
        return None
    except OSError as e:
        if e.errno in (errno.ECONNREFUSED, errno.EHOSTUNREACH,
                       errno.ENETUNREACH):
            return 'unreachable'
        return None
    finally:
        sock.close()
    m = re.match(rb'SIP/2\.0 (\d{3}) ', data)
    return int(m.group(1)) if m else None


def _digest_authorization(challenge, user, password, method, uri):
    """An Authorization header (with CRLF) answering the WWW-Authenticate
    of the SIP response text challenge (RFC 2617, MD5 or SHA-256)."""
    header = re.search(r'^WWW-Authenticate:\s*Digest\s+(.*)$', challenge,
                       re.M | re.I).group(1)
    params = {k: q or u for k, q, u in
              re.findall(r'(\w+)=(?:"([^"]*)"|([^,\s]*))', header)}
    algorithm = params.get('algorithm', 'MD5')
    h = (hashlib.sha256 if algorithm.upper() == 'SHA-256' else hashlib.md5)

    def hx(text):
        return h(text.encode()).hexdigest()
    ha1 = hx(f'{user}:{params["realm"]}:{password}')
    ha2 = hx(f'{method}:{uri}')
    cnonce = uuid.uuid4().hex[:16]
    fields = (f'username="{user}", realm="{params["realm"]}", '
              f'nonce="{params["nonce"]}", uri="{uri}", '
              f'algorithm={algorithm}')
    if 'qop' in params:
        response = hx(f'{ha1}:{params["nonce"]}:00000001:{cnonce}:auth:{ha2}')
        fields += f', qop=auth, nc=00000001, cnonce="{cnonce}"'
    else:
        response = hx(f'{ha1}:{params["nonce"]}:{ha2}')
    return f'Authorization: Digest {fields}, response="{response}"\r\n'


class Kamailio:
    """A real Kamailio registrar + proxy with digest auth (no database).

    address, prefix, new_socket: where it listens, the argv prefix it runs
    under and how the readiness probes make their sockets; the defaults
    are 127.0.0.1 in the test's own namespace (netns.Kamailio passes a
    namespace's address, Netns.argv([]) and Netns.socket)."""

    def __init__(self, fx, port=5060, domain='offhook.test', users=None,
                 algorithm=None, qop=True, min_expires=0, debug=2,
                 name='kamailio', address='127.0.0.1', prefix=(),
                 new_socket=socket.socket):
        self.fx = fx
        self.address = address
        self.port = port
        self.domain = domain
        self.new_socket = new_socket
        self.users = dict(users if users is not None
                          else {'1001': 'pw1001', '1002': 'pw1002'})
        self.host_port = f'{address}:{port}'
        self.uri = f'sip:{self.host_port}'
        name = fx.unique(name)
        self.rundir = fx.path(f'{name}-run')
        os.makedirs(self.rundir)
        self.cfg = fx.path(f'{name}.cfg')
        self.pidfile = fx.path(f'{name}.pid')
        with open(self.cfg, 'w') as f:
            f.write(self.render(port=port, domain=domain, users=self.users,
                                algorithm=algorithm, qop=qop,
                                min_expires=min_expires, debug=debug,
                                rundir=self.rundir, address=address))
        good, out = check_kamailio_config(self.cfg, prefix)
        if not good:
            raise TestFailure(f'kamailio -c {self.cfg} failed:\n{out[-2000:]}')
        self.proc = fx.spawn(name, list(prefix) + [
            'kamailio', '-f', self.cfg, '-P', self.pidfile, '-DD', '-E',
            '-m', '64', '-M', '8', '-Y', self.rundir], env=base_env(),
            reserved=True)

        def ready():
            if not self.proc.alive():
                raise TestFailure(f'{name} exited with status '
                                  f'{self.proc.returncode}')
            return (self.options_ping(0.2) == 200 and
                    self.options_ping(0.5, 'tcp') == 200)
        wait_until(ready, 15, 0.05, f'{name} to answer OPTIONS')

    @staticmethod
    def render(port, domain, users, algorithm=None, qop=True, min_expires=0,
               debug=2, rundir='/tmp', address='127.0.0.1'):
        """The filled-in kamailio.cfg.in, as text (listening on address)."""
        for u, pw in users.items():
            if not re.fullmatch(r'[A-Za-z0-9_.+-]+', u) or '"' in pw or \
                    '\\' in pw or '\n' in pw:
                raise ValueError(f'unsupported user/password {u!r}')
        with open(KAMAILIO_TEMPLATE) as f:
            text = f.read()
        users_cfg = '\n'.join(f'\t$sht(users=>{u}) = "{pw}";'
                              for u, pw in sorted(users.items()))
        auth_params = ''
        if algorithm:
            auth_params = f'modparam("auth", "algorithm", "{algorithm}")'
        subst = {'PORT': str(port), 'DOMAIN': domain, 'USERS': users_cfg,
                 'AUTH_PARAMS': auth_params,
                 'QOP_FLAGS': '1' if qop else '0',
                 'MIN_EXPIRES': str(min_expires), 'DEBUG': str(debug),
                 'RUNDIR': rundir}
        text = re.sub(r'@([A-Z_]+)@', lambda m: subst[m.group(1)], text)
        text, n = re.subn(r'^(listen=(?:udp|tcp):|alias=")127\.0\.0\.1',
                          lambda m: m.group(1) + address, text, flags=re.M)
        if n != 3:
            raise TestFailure(f'{KAMAILIO_TEMPLATE}: expected 2 listen '
                              f'lines and 1 address alias, replaced {n}')
        return text

    def options_ping(self, timeout=1.0, transport='udp'):
        return sip_options(self.address, self.port, transport, timeout,
                           self.new_socket)

    def bindings(self, user, timeout=2.0):
        """The Contacts the registrar holds for sip:USER@domain: a REGISTER
        without Contact (RFC 3261 10.2.3), answering its digest challenge
        with USER's password.  A list of Contact header values."""
        sock = self.new_socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.settimeout(timeout)
        tag = uuid.uuid4().hex
        aor = f'sip:{user}@{self.domain}'
        try:
            sock.connect((self.address, self.port))
            lhost, lport = sock.getsockname()
            auth = ''
            for cseq in (1, 2):
                sock.sendall((
                    f'REGISTER sip:{self.domain} SIP/2.0\r\n'
                    f'Via: SIP/2.0/UDP {lhost}:{lport};branch=z9hG4bK'
                    f'{tag[:12]}{cseq};rport\r\n'
                    'Max-Forwards: 70\r\n'
                    f'From: <{aor}>;tag={tag[:8]}\r\n'
                    f'To: <{aor}>\r\n'
                    f'Call-ID: {tag}@ohtest-query\r\n'
                    f'CSeq: {cseq} REGISTER\r\n{auth}'
                    'Content-Length: 0\r\n\r\n').encode())
                reply = sock.recv(65535).decode('utf-8', 'replace')
                status = int(reply.split(' ', 2)[1])
                if status != 401:
                    break
                auth = _digest_authorization(
                    reply, user, self.users[user], 'REGISTER',
                    f'sip:{self.domain}')
        finally:
            sock.close()
        if status != 200:
            raise TestFailure(f'binding query for {aor}: {status}')
        contacts = []
        for line in reply.split('\r\n'):
            name, _, value = line.partition(':')
            if name.strip().lower() in ('contact', 'm'):
                contacts += [c.strip() for c in
                             re.split(r',(?=\s*<)', value) if c.strip()]
        return contacts

    def log_text(self):
        return self.proc.log_text()


# -------------------------------------------------------------------- SIPp

_SIPP_BUILTINS = {'uac', 'uas', 'regexp', '3pcc-C-A', '3pcc-C-B',
                  '3pcc-A', '3pcc-B', 'branchc', 'branchs', 'uac_pcap',
                  'ooc_default'}


def _port_bound(port, protos=('udp', 'tcp', 'udp6', 'tcp6'), pid='self',
                address=None):
    """Whether a socket is bound to port in process pid's network namespace
    (address: an IPv4 address, then only on it or on 0.0.0.0)."""
    if address is None:
        wants = None
    else:
        a, b, c, d = (int(x) for x in address.split('.'))
        wants = (f'{d:02X}{c:02X}{b:02X}{a:02X}:{port:04X}',
                 f'00000000:{port:04X}')
    for proto in protos:
        try:
            with open(f'/proc/{pid}/net/{proto}') as f:
                next(f)
                for line in f:
                    local = line.split()[1]
                    if (local in wants if wants else
                            local.endswith(f':{port:04X}')):
                        return True
        except OSError:
            pass
    return False


class Sipp:
    """sipp running in the background, bound to address:local_port.

    prefix: an argv prefix it runs under (e.g. Netns.argv([]): inside a
    network namespace, where address is one of the namespace's)."""

    _next_port = 5070

    def __init__(self, fx, scenario, args=(), remote=None, name=None,
                 calls=1, timeout=30, local_port=None, transport='u1',
                 address='127.0.0.1', prefix=()):
        self.fx = fx
        self.address = address
        if local_port is None:
            local_port = Sipp._next_port
            Sipp._next_port += 1
        self.local_port = local_port
        xml = None
        if scenario in _SIPP_BUILTINS:
            scen = ['-sn', scenario]
            label = scenario
        elif scenario.lstrip().startswith('<'):
            label = 'scenario'
            xml = scenario
        else:
            path = scenario
            if not os.path.exists(path):
                path = os.path.join(SIPP_DIR, scenario)
            if not os.path.exists(path):
                raise FileNotFoundError(f'no SIPp scenario {scenario}')
            scen = ['-sf', os.path.abspath(path)]
            label = os.path.splitext(os.path.basename(path))[0]
        name = fx.unique(name or f'sipp-{label}')
        self.name = name
        if xml is not None:
            path = fx.path(f'{name}.xml')
            with open(path, 'w') as f:
                f.write(xml)
            scen = ['-sf', path]
        self.msg_log = fx.path(f'{name}.msg.log')
        self.err_log = fx.path(f'{name}.err.log')
        argv = ['sipp'] + scen + [
            '-i', address, '-p', str(local_port), '-t', transport,
            '-m', str(calls), '-timeout', f'{timeout}s', '-timeout_error',
            '-nostdin', '-trace_err', '-error_file', self.err_log,
            '-trace_msg', '-message_file', self.msg_log,
            '-trace_screen', '-screen_file', fx.path(f'{name}.screen.log'),
        ] + [str(a) for a in args]
        if remote:
            argv.append(remote)
        self._bound = timeout + 15
        self.proc = fx.spawn(name, list(prefix) + argv, env=base_env(),
                             cwd=fx.tmp, reserved=True)

    def wait_bound(self, timeout=5):
        """Wait until sipp listens on its local port (e.g. a UAS)."""
        def bound():
            if not self.proc.alive():
                raise TestFailure(f'{self.name} exited with status '
                                  f'{self.proc.returncode}')
            return _port_bound(self.local_port, pid=self.proc.pid,
                               address=self.address)
        wait_until(bound, timeout, 0.02, f'{self.name} to bind '
                   f'{self.address}:{self.local_port}')

    def wait(self, timeout=None):
        """Exit code of sipp (0: all calls succeeded)."""
        return self.proc.wait(self._bound if timeout is None else timeout)

    def _read(self, path):
        try:
            with open(path, encoding='utf-8', errors='replace') as f:
                return f.read()
        except OSError:
            return ''

    def messages(self):
        return self._read(self.msg_log)

    def errors(self):
        return self._read(self.err_log)


# ------------------------------------------------------------------- Phone

def _short_path(path):
    if not path:
        return ROOT_PATH
    if path.startswith('/'):
        return path
    return f'{ROOT_PATH}/{path}'


def _short_iface(iface):
    return iface if '.' in iface else f'org.offhook.Phone1.{iface}'


class PendingCall:
    """A D-Bus method call in flight (Phone.call_async)."""

    def __init__(self, phone, path, iface, method, args, timeout):
        self.what = f'{_short_iface(iface)}.{method}'
        self.done = False
        self.value = None
        self.err = None
        phone.conn.call(BUS_NAME, _short_path(path), _short_iface(iface), method, args, None,
                        Gio.DBusCallFlags.NO_AUTO_START, int(timeout * 1000), None, self._finish)

    def _finish(self, conn, res):
        try:
            reply = conn.call_finish(res)
            self.value = tuple(reply.unpack()) if reply is not None else ()
        except GLib.Error as e:
            self.err = (Gio.DBusError.get_remote_error(e) or str(e.domain),
                        re.sub(r'^GDBus\.Error:[^ ]+: ', '', e.message))
        self.done = True

    def _wait(self, timeout):
        if not _iterate_until(lambda: self.done, timeout):
            raise TestFailure(f'{self.what} did not answer within {timeout} s')

    def result(self, timeout):
        """The reply's values; TestFailure if it failed or is late."""
        self._wait(timeout)
        if self.err:
            raise TestFailure(f'{self.what} failed: {self.err[0]}: {self.err[1]}')
        return self.value

    def error(self, timeout):
        """(error name, message), or None if the call succeeded."""
        self._wait(timeout)
        return self.err


class Phone:
    """The real offhookd on a private bus and a private PulseAudio."""

    def __init__(self, fx, name, bus, pulse, sip_port, mic=None, spk=None,
                 extra_config=None, exe=None, args=(), env=None, wait=True,
                 timeout=30, verbose=True):
        self.fx = fx
        self.name = name
        self.bus = bus
        self.conn = bus.conn
        self.pulse = pulse
        self.sip_port = sip_port
        self.mic = mic or f'mic_{name}'
        self.spk = spk or f'spk_{name}'
        if pulse is not None:
            pulse.ensure_sink(self.mic)
            pulse.ensure_sink(self.spk)
        index = fx._phones
        fx._phones += 1
        self.rtp_range = (20000 + 200 * index, 20000 + 200 * index + 199)
        d = fx.path(f'phone-{name}')
        os.makedirs(d)
        self.dir = d
        self.state_dir = os.path.join(d, 'state')
        os.makedirs(self.state_dir)
        self.config = os.path.join(d, 'offhookd.conf')
        conf = {
            'sip': {'port': sip_port, 'address': '127.0.0.1'},
            'rtp': {'port-min': self.rtp_range[0],
                    'port-max': self.rtp_range[1]},
            'audio': {'source': f'{self.mic}.monitor', 'sink': self.spk},
        }
        for section, values in (extra_config or {}).items():
            conf.setdefault(section, {}).update(values)
        with open(self.config, 'w') as f:
            for section, values in conf.items():
                f.write(f'[{section}]\n')
                for k, v in values.items():
                    if isinstance(v, bool):
                        v = 'true' if v else 'false'
                    elif isinstance(v, (list, tuple)):
                        v = ';'.join(str(x) for x in v) + ';'
                    f.write(f'{k}={v}\n')
                f.write('\n')
        if exe is None:
            exe = os.environ.get('OFFHOOKD')
            if not exe:
                raise TestFailure('OFFHOOKD is not set (meson sets it to the '
                                  'built offhookd)')
        prefix = [exe] if isinstance(exe, str) else list(exe)
        child_env = base_env(G_DEBUG='fatal-criticals')
        child_env.update(bus.env())
        if pulse is not None:
            child_env.update(pulse.env())
        else:
            # no sound server: never reach one outside the test either
            noconf = os.path.join(d, 'no-pulse.conf')
            with open(noconf, 'w') as f:
                f.write('autospawn = no\n')
            child_env.update(PULSE_SERVER=f'unix:{d}/no-pulse-server',
                             PULSE_CLIENTCONFIG=noconf)
        child_env.setdefault('ASAN_OPTIONS', 'detect_leaks=0:abort_on_error=1')
        child_env.setdefault('UBSAN_OPTIONS',
                             'print_stacktrace=1:halt_on_error=1')
        child_env.update(env or {})
        self.proc = fx.spawn(f'offhookd-{name}', prefix + [
            '--session', '--config', self.config, '--state-dir',
            self.state_dir] + (['--verbose'] if verbose else []) + list(args), env=child_env,
            check_exit=True)
        self.log = self.proc.log
        self.owner = None
        if wait:
            self.wait_ready(timeout)

    def wait_ready(self, timeout=30):
        """Wait until the daemon owns org.offhook.Phone1 on its bus."""
        owner = []
        died = []

        def appeared(conn, name, name_owner):
            owner.append(name_owner)

        def check_alive():
            if not self.proc.alive():
                died.append(self.proc.returncode)
        wid = Gio.bus_watch_name_on_connection(
            self.conn, BUS_NAME, Gio.BusNameWatcherFlags.NONE,
            appeared, None)
        try:
            _iterate_until(lambda: bool(owner or died), timeout, 100,
                           check_alive)
        finally:
            Gio.bus_unwatch_name(wid)
        if died:
            raise TestFailure(f'offhookd-{self.name} exited with status '
                              f'{died[0]} before owning {BUS_NAME}')
        if not owner:
            raise TestFailure(f'offhookd-{self.name} did not own {BUS_NAME} '
                              f'within {timeout} s')
        self.owner = owner[0]
        info(f'offhookd-{self.name} is {self.owner} on {self.bus.address}')

    # -- raw D-Bus
    def call(self, path, iface, method, args=None, signature=None,
             timeout=10):
        if args is not None and not isinstance(args, GLib.Variant):
            if signature is None:
                raise TypeError('python args need a signature')
            if not isinstance(args, tuple):
                args = (args,)
            args = GLib.Variant(f'({signature})', args)
        reply = self.conn.call_sync(
            BUS_NAME, _short_path(path), _short_iface(iface), method, args,
            None, Gio.DBusCallFlags.NO_AUTO_START, int(timeout * 1000), None)
        return tuple(reply.unpack()) if reply is not None else ()

    def call_async(self, path, iface, method, args, signature, timeout=30):
        """Start a method call that answers later (e.g. Transfer); the
        PendingCall's result()/error() wait for its answer."""
        return PendingCall(self, path, iface, method,
                           GLib.Variant(f'({signature})', tuple(args)), timeout)

    def get(self, path, iface, prop):
        return self.call(path, 'org.freedesktop.DBus.Properties', 'Get',
                         (_short_iface(iface), prop), 'ss')[0]

    def get_all(self, path, iface):
        return self.call(path, 'org.freedesktop.DBus.Properties', 'GetAll',
                         (_short_iface(iface),), 's')[0]

    def set(self, path, iface, prop, value):
        self.call(path, 'org.freedesktop.DBus.Properties', 'Set',
                  GLib.Variant('(ssv)', (_short_iface(iface), prop,
                                         _to_variant(value))))

    def watch_signal(self, path, iface, signal_name):
        return SignalWatch(self.conn, BUS_NAME, _short_path(path),
                           _short_iface(iface), signal_name)

    def wait_signal(self, path, iface, signal_name, timeout=10,
                    predicate=None, trigger=None):
        """Subscribe, run trigger() (if any), wait for the signal."""
        w = self.watch_signal(path, iface, signal_name)
        try:
            if trigger is not None:
                trigger()
            return w.wait(timeout, predicate)
        finally:
            w.close()

    def wait_prop(self, path, iface, prop, predicate_or_value, timeout=10):
        """Wait until the property satisfies the predicate (or equals the
        value); returns the value."""
        path = _short_path(path)
        iface = _short_iface(iface)
        pred = (predicate_or_value if callable(predicate_or_value)
                else (lambda v: v == predicate_or_value))
        last = []
        matched = []

        def consider(value):
            last[:] = [value]
            if pred(value):
                matched.append(value)

        def on_changed(conn, sender, opath, oiface, name, params):
            changed_iface, changed, invalidated = params.unpack()
            if changed_iface != iface or matched:
                return
            if prop in changed:
                consider(changed[prop])
            elif prop in invalidated:
                consider(self.get(path, iface, prop))
        sid = self.conn.signal_subscribe(
            BUS_NAME, 'org.freedesktop.DBus.Properties', 'PropertiesChanged',
            path, iface, Gio.DBusSignalFlags.NONE, on_changed)
        try:
            consider(self.get(path, iface, prop))
            if not matched:
                _iterate_until(lambda: bool(matched), timeout)
        finally:
            self.conn.signal_unsubscribe(sid)
        if not matched:
            what = (getattr(predicate_or_value, '__name__', 'predicate')
                    if callable(predicate_or_value)
                    else repr(predicate_or_value))
            raise TestFailure(f'{self.name}: {iface}.{prop} on {path} not '
                              f'{what} within {timeout} s (last: '
                              f'{last[0] if last else None!r})')
        return matched[0]

    @staticmethod
    def expect_dbus_error(name_suffix, fn, *args, **kwargs):
        """Run fn; it must fail with a D-Bus error whose name ends in
        name_suffix (e.g. 'InvalidArguments'); returns the message."""
        try:
            fn(*args, **kwargs)
        except GLib.Error as e:
            remote = Gio.DBusError.get_remote_error(e) or ''
            message = re.sub(r'^GDBus\.Error:[^ ]+: ', '', e.message)
            if not remote.endswith(name_suffix):
                raise TestFailure(f'expected D-Bus error *{name_suffix}, got '
                                  f'{remote or e.domain}: {message}')
            return message
        raise TestFailure(f'expected D-Bus error *{name_suffix}, the call '
                          'succeeded')

    # -- conveniences
    def add_account(self, id, aor, proxies, username=None, password=None,
                    register=True, **settings):
        d = {'id': id, 'aor': aor, 'proxies': list(proxies),
             'register': bool(register)}
        d.update(settings)
        path, = self.call(ROOT_PATH, MANAGER, 'AddAccount',
                          GLib.Variant.new_tuple(variant_dict(d)))
        if username is not None:
            self.call(path, ACCOUNT, 'SetCredentials',
                      (username, password or ''), 'ss')
        return path

    def dial(self, target, **options):
        path, = self.call(ROOT_PATH, MANAGER, 'Dial',
                          GLib.Variant.new_tuple(GLib.Variant('s', target),
                                                 variant_dict(options)))
        return path

    def stop(self, timeout=10):
        """SIGTERM the daemon, wait (bounded); returns its exit code."""
        return self.proc.stop(timeout)

    def log_text(self):
        return self.proc.log_text()


# ------------------------------------------------------------------ tshark

_SIP_FIELDS = [
    ('frame', 'frame.number'), ('time', 'frame.time_relative'),
    ('src', 'ip.src'), ('sport', 'udp.srcport'), ('tsport', 'tcp.srcport'),
    ('dst', 'ip.dst'), ('dport', 'udp.dstport'), ('tdport', 'tcp.dstport'),
    ('method', 'sip.Method'), ('status', 'sip.Status-Code'),
    ('call_id', 'sip.Call-ID'), ('cseq', 'sip.CSeq.seq'),
    ('cseq_method', 'sip.CSeq.method'), ('r_uri', 'sip.r-uri'),
    ('from_user', 'sip.from.user'), ('to_user', 'sip.to.user'),
    ('to_tag', 'sip.to.tag'), ('contact', 'sip.Contact'),
    ('expires', 'sip.Expires'), ('authorization', 'sip.Authorization'),
    ('proxy_authorization', 'sip.Proxy-Authorization'),
    ('www_authenticate', 'sip.WWW-Authenticate'),
    ('proxy_authenticate', 'sip.Proxy-Authenticate'),
    ('record_route', 'sip.Record-Route'), ('route', 'sip.Route'),
    ('user_agent', 'sip.User-Agent'), ('reason', 'sip.Reason'),
    ('sdp_media', 'sdp.media'),
    ('sdp_address', 'sdp.connection_info.address'),
]


def registered_phone(fx, name, pulse, kam, user, sip_port, extra_config=None,
                     **settings):
    """A Phone on its own bus, registered as USER through Kamailio."""
    phone = Phone(fx, name, Bus(fx, f'bus_{name}'), pulse, sip_port=sip_port,
                  extra_config=extra_config)
    account = phone.add_account('work', f'sip:{user}@{kam.domain}', [kam.uri],
                                user, kam.users[user], **settings)
    phone.wait_prop(account, 'Account', 'RegistrationState', 'registered', 10)
    return phone, account


def tones_both_ways(pulse, a, b, label, freqs=(1000, 600), min_ms=400,
                    timeout=15, rate=8000):
    """A tone into a's microphone must come out of b's speaker and another
    into b's microphone out of a's (a, b: anything with .mic and .spk:
    Phone, Baresip)."""
    f_ab, f_ba = freqs
    tone_a = pulse.play_tone(a.mic, f_ab)
    tone_b = pulse.play_tone(b.mic, f_ba)
    try:
        check(pulse.wait_for_tone(b.spk + '.monitor', f_ab, min_ms, timeout, rate=rate),
              f'{label}: {f_ab} Hz into {a.mic} heard on {b.spk} ({pulse.last_tone_ms} ms)')
        check(pulse.wait_for_tone(a.spk + '.monitor', f_ba, min_ms, timeout, rate=rate),
              f'{label}: {f_ba} Hz into {b.mic} heard on {a.spk} ({pulse.last_tone_ms} ms)')
    finally:
        tone_a.stop()
        tone_b.stop()


def registered_phones(fx, count=3, extra_config=None, configs=None, settings=None):
    """Kamailio with users 1001, 1002, ..., a Pulse with mic_X/spk_X for each
    phone and that many phones a, b, c, ... registered as those users
    (SIP ports 5062, 5064, ...). extra_config: configuration of every phone
    (as for Phone); configs / settings: {name: configuration / account
    settings} of single phones. Returns (kam, pulse, [(phone, account), ...])."""
    names = 'abcdef'[:count]
    users = {f'100{i + 1}': f'pw100{i + 1}' for i in range(count)}
    kam = Kamailio(fx, users=users)
    pulse = Pulse(fx, sinks=[f'{kind}_{n}' for n in names for kind in ('mic', 'spk')])
    phones = [registered_phone(fx, n, pulse, kam, f'100{i + 1}', 5062 + 2 * i,
                               (configs or {}).get(n, extra_config), **(settings or {}).get(n, {}))
              for i, n in enumerate(names)]
    return kam, pulse, phones


def incoming_call(caller, callee, target, state='incoming', timeout=10):
    """caller dials target: (the caller's call path, the callee's new call
    path once it is in @state)."""
    added = callee.watch_signal(None, 'Manager', 'CallAdded')
    try:
        call_a = caller.dial(target)
        call_b = added.wait(timeout)[0]
    finally:
        added.close()
    callee.wait_prop(call_b, 'Call', 'State', state, timeout)
    return call_a, call_b


def active_call(caller, callee, target, timeout=10, state='incoming'):
    """caller dials target and callee answers (the new call rings in
    @state): both call paths, active."""
    call_a, call_b = incoming_call(caller, callee, target, state, timeout)
    callee.call(call_b, 'Call', 'Answer')
    caller.wait_prop(call_a, 'Call', 'State', 'active', timeout)
    callee.wait_prop(call_b, 'Call', 'State', 'active', timeout)
    return call_a, call_b


def new_call(phone, trigger, timeout=10):
    """Run trigger(); the call it made appear on phone: (path, properties)."""
    added = phone.watch_signal(None, 'Manager', 'CallAdded')
    try:
        trigger()
        path, props = added.wait(timeout)
    finally:
        added.close()
    return path, props


def dial_and_record(phone, pulse, target, seconds, rate=8000, **options):
    """Dial while recording the speaker: (call, changed properties, samples)."""
    watch = SignalWatch(phone.conn, BUS_NAME, None,
                        'org.freedesktop.DBus.Properties', 'PropertiesChanged')
    made = []
    try:
        samples = pulse.record(phone.spk + '.monitor', seconds, rate,
                               then=lambda: made.append(phone.dial(target, **options)))
        phone.get(None, 'Manager', 'Version')  # round trip: earlier signals are in
        ctx = GLib.MainContext.default()
        while ctx.iteration(False):
            pass
    finally:
        watch.close()
    props = {}
    for iface, changed, _ in watch.events:
        if iface == CALL:
            props.update(changed)
    return made[0], props, samples


def call_ended(phone, call, reason, status=None, what='', timeout=10):
    """The call ends with DisconnectReason reason (and SipStatus status)."""
    phone.wait_prop(call, 'Call', 'State', 'disconnected', timeout)
    got = phone.get(call, 'Call', 'DisconnectReason')
    code = phone.get(call, 'Call', 'SipStatus')
    label = f'{what}: ' if what else ''
    if status is None:
        check(got == reason, f'{label}DisconnectReason {reason} (got {got!r}, SipStatus {code})')
    else:
        check((got, code) == (reason, status),
              f'{label}DisconnectReason {reason}, SipStatus {status} (got {got!r}, {code})')


def check_cadence(label, runs, on_ms, off_ms, tolerance=60, median=False):
    """The complete runs (not the first and last, cut by the recording)."""
    inner = runs[1:-1]
    ons = [ms for on, ms in inner if on]
    offs = [ms for on, ms in inner if not on]
    check(len(ons) >= 2 and len(offs) >= 2,
          f'{label}: at least two whole bursts and gaps ({runs})')
    if median:
        ons = [sorted(ons)[len(ons) // 2]]
        offs = [sorted(offs)[len(offs) // 2]]
    bad = [ms for ms in ons if abs(ms - on_ms) > tolerance] + \
          [ms for ms in offs if abs(ms - off_ms) > tolerance]
    check(not bad, f'{label}: on {ons} ms, off {offs} ms '
          f'(expected {on_ms}/{off_ms} ± {tolerance})')


_sipp_media_port = [16000]


def sipp_media_args():
    """SIPp arguments advertising a media port no other peer of the test has."""
    _sipp_media_port[0] += 10
    return ['-mi', '127.0.0.1', '-mp', str(_sipp_media_port[0])]


def sipp_scenario(name, headers=()):
    """A scenario of tests/integration/sipp/ as text, with extra header
    lines after its first Subject: line."""
    with open(os.path.join(SIPP_DIR, name), encoding='iso-8859-1') as f:
        text = f.read()
    m = re.search(r'^([ \t]*)Subject:[^\n]*\n', text, re.M)
    if headers and not m:
        raise ValueError(f'{name} has no Subject: line to add headers after')
    if headers:
        extra = ''.join(f'{m.group(1)}{h}\n' for h in headers)
        text = text[:m.end()] + extra + text[m.end():]
    return text


def sipp_finished(peer, what, timeout=15):
    """The trace of a SIPp peer that must end its scenario with success."""
    rc = peer.wait(timeout)
    check(rc == 0, f'{what}: SIPp finished its scenario (exit {rc})')
    return peer.messages()


def sipp_times(msgs):
    """[(epoch, first line)] of every message in a SIPp -trace_msg log."""
    out = []
    for m in re.finditer(r'^-{10,} (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+)\s*\n'
                         r'[^\n]*message[^\n]*\n\s*\n([^\r\n]*)', msgs, re.M):
        ts = datetime.datetime.strptime(m.group(1), '%Y-%m-%d %H:%M:%S.%f').timestamp()
        out.append((ts, m.group(2)))
    return out


def first_time(times, prefix):
    for ts, line in times:
        if line.startswith(prefix):
            return ts
    return None


def sipp_message(msgs, first_line_regex):
    """The head of the first traced message whose first line matches."""
    m = re.search(rf'^(?:{first_line_regex})[^\n]*\n(?:[^\r\n]+\r?\n)*', msgs, re.M)
    return m.group(0) if m else None


def sip_header(text, name, compact=None):
    names = re.escape(name) + (f'|{re.escape(compact)}' if compact else '')
    m = re.search(rf'^(?:{names})\s*:\s*(.*?)\r?$', text or '', re.M | re.I)
    return m.group(1) if m else None


class Capture:
    """tshark capturing into fx.tmp/<name>.pcap.

    stop() first sends a marker datagram (src -> dst:9) that the capture
    filter also lets through and waits until tshark saw it, so that no
    packet sent before stop() is lost in the kernel's capture buffer.
    marker=(new_socket, src, dst): the socket is made by
    new_socket(family, type) (e.g. Netns.socket) and bound to src; None:
    127.0.0.2 -> 127.0.0.1 when capturing on ``lo`` without a prefix, else
    no marker.  prefix: an argv prefix tshark runs under (e.g.
    Netns.argv([]): inside a network namespace).  occurrence: how
    packets() reports a field that occurs more than once, 'a' all
    (space-separated) or 'f' the first."""

    MARKER_SRC = '127.0.0.2'

    def __init__(self, fx, iface='lo', filter='udp port 5060',
                 name='capture', sip_ports=(), prefix=(), marker=None,
                 occurrence='a'):
        self.fx = fx
        name = fx.unique(name)
        self.pcap = fx.path(f'{name}.pcap')
        self.sip_ports = list(sip_ports)
        self.iface = iface
        self.occurrence = occurrence
        if marker is None and iface == 'lo' and not prefix:
            marker = (socket.socket, self.MARKER_SRC, '127.0.0.1')
        self.marker = marker
        bpf = filter or ''
        if marker and bpf:
            bpf = f'({bpf}) or (udp dst port 9 and src host {marker[1]})'
        argv = list(prefix) + ['tshark', '-n', '-l', '-P', '-i', iface]
        if bpf:
            argv += ['-f', bpf]
        argv += ['-w', self.pcap]
        # -P: one summary line per packet in the log, read by stop()
        self.proc = fx.spawn(name, argv, env=base_env(), watch=True,
                             reserved=True)
        self.proc.wait_output(r'Capturing on', 15)
        self.stopped = False

    def stop(self):
        """Stop capturing; every packet sent before is in the pcap."""
        if self.stopped:
            return
        self.stopped = True
        if self.marker and self.proc.alive():
            new_socket, src, dst = self.marker
            sock = new_socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                sock.bind((src, 0))
                sport = sock.getsockname()[1]
                sock.sendto(b'ohtest-capture-marker', (dst, 9))
            finally:
                sock.close()
            self.proc.wait_output(rf'\b{sport}\s+(\u2192|->)\s+9\b', 10)
        self.proc.stop(timeout=10, sig=signal.SIGINT)

    def _decode_as(self):
        out = []
        for p in self.sip_ports:
            out += ['-d', f'udp.port=={p},sip', '-d', f'tcp.port=={p},sip']
        return out

    def packets(self, display_filter, fields):
        """[{field: value}] for the packets matching display_filter (stops
        the capture first)."""
        self.stop()
        argv = ['tshark', '-n', '-r', self.pcap] + self._decode_as() + [
            '-Y', display_filter, '-T', 'fields', '-E', 'separator=/t',
            '-E', f'occurrence={self.occurrence}', '-E', 'aggregator=/s']
        for f in fields:
            argv += ['-e', f]
        r = subprocess.run(argv, capture_output=True, text=True, timeout=60,
                           env=base_env())
        if r.returncode != 0:
            raise TestFailure(f'tshark -r {self.pcap} failed: '
                              f'{r.stderr.strip()}')
        rows = []
        for line in r.stdout.splitlines():
            values = line.split('\t')
            values += [''] * (len(fields) - len(values))
            rows.append(dict(zip(fields, values)))
        return rows

    def sip_messages(self):
        rows = self.packets('sip', [f for _, f in _SIP_FIELDS])
        out = []
        for row in rows:
            m = {key: row[field] for key, field in _SIP_FIELDS}
            m['sport'] = m['sport'] or m.pop('tsport')
            m['dport'] = m['dport'] or m.pop('tdport')
            m.pop('tsport', None)
            m.pop('tdport', None)
            for k in ('status', 'cseq'):
                try:
                    m[k] = int(m[k].split(' ')[0])
                except ValueError:
                    m[k] = None
            out.append(m)
        return out
