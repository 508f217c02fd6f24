# SPDX-License-Identifier: LGPL-2.1-or-later
"""session-logs: after a full session the password is only in the secrets
file, and the journal tells one call's story by its fields.

Phone A (1001, the test password) and phone B (1002) register through
Kamailio with --verbose --sip-trace, A calls B, B answers, A hangs up, both
get SIGTERM.  A logs to a journal: the test plays journald in its own mount
namespace (a tmpfs on /run/systemd, the native protocol's datagram socket
and a stdout stream socket that A's stdout and stderr are connected to, so
GLib writes structured entries).  B logs to a file.

Secrets:
- the password is in no log line (A's journal entries, B's log), in no file
  of either state directory but the secrets file, in no D-Bus reply
  (Account GetAll, GetManagedObjects);
- the secrets file is mode 0600 and is replaced by rename (a new inode on
  every write, no temp file left over).

Journal (`journalctl OFFHOOK_CALL=1` on a phone):
- every entry of A's call carries OFFHOOK_CALL=1, OFFHOOK_ACCOUNT=work and
  the call's SIP_CALL_ID (the Call's SipCallId property), and they tell the
  story: dialing, alerting, active, ended;
- the registration's entries carry OFFHOOK_ACCOUNT=work.
"""
import os
import socket
import stat
import struct
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ohtest  # noqa: E402
from ohtest import check, ok, fail  # noqa: E402

ohtest.isolate()

PASSWORD = 'Hook-5519-secret'
JOURNAL = '/run/systemd/journal'

# connect stdout and stderr to journald's stream socket, then exec
JOURNAL_LAUNCHER = r'''
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect('/run/systemd/journal/stdout')
s.sendall(b'offhookd\n\n6\n0\n0\n0\n0\n')
os.dup2(s.fileno(), 1)
os.dup2(s.fileno(), 2)
os.execv(sys.argv[1], sys.argv[1:])
'''


def parse_entry(data):
    """One native-protocol datagram -> {field: str}."""
    fields = {}
    i = 0
    while i < len(data):
        nl = data.index(b'\n', i)
        line = data[i:nl]
        if b'=' in line:
            key, _, value = line.partition(b'=')
            i = nl + 1
        else:
            key = line
            size, = struct.unpack('<Q', data[nl + 1:nl + 9])
            value = data[nl + 9:nl + 9 + size]
            i = nl + 9 + size + 1
        fields[key.decode()] = value.decode('utf-8', 'replace')
    return fields


class Journal:
    """journald's sockets in our mount namespace; collects entries."""

    def __init__(self, fx):
        # over /run/systemd, or /run without it: never a directory on the
        # host's /run
        top = '/run/systemd' if os.path.isdir('/run/systemd') else '/run'
        subprocess.run(['mount', '-t', 'tmpfs', 'tmpfs', top], check=True)
        os.makedirs(JOURNAL)
        self.entries = []
        self.lock = threading.Lock()
        self.dgram = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.dgram.bind(f'{JOURNAL}/socket')
        self.stream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.stream.bind(f'{JOURNAL}/stdout')
        self.stream.listen(4)
        self.raw = open(fx.path('journal-stdout.log'), 'ab', buffering=0)
        self.done = False
        for target in (self._datagrams, self._streams):
            threading.Thread(target=target, daemon=True).start()
        fx.cleanup(self.close)

    def _datagrams(self):
        while not self.done:
            try:
                data, fds, _, _ = socket.recv_fds(self.dgram, 1 << 20, 1)
            except OSError:
                return
            if fds:                 # a large entry comes in a memfd
                with os.fdopen(fds[0], 'rb') as f:
                    data = f.read()
            with self.lock:
                self.entries.append(parse_entry(data))

    def _streams(self):
        while not self.done:
            try:
                conn, _ = self.stream.accept()
            except OSError:
                return
            threading.Thread(target=self._drain, args=(conn,),
                             daemon=True).start()

    def _drain(self, conn):
        for chunk in iter(lambda: conn.recv(65536), b''):
            self.raw.write(chunk)

    def select(self, **match):
        with self.lock:
            return [e for e in self.entries
                    if all(e.get(k) == v for k, v in match.items())]

    def close(self):
        self.done = True
        self.dgram.close()
        self.stream.close()


def files_under(top):
    for d, _, names in os.walk(top):
        for n in names:
            yield os.path.join(d, n)


def contains(path, text):
    with open(path, 'rb') as f:
        return text.encode() in f.read()


with ohtest.Fixture('session-logs', timeout=150) as fx:
    journal = Journal(fx)
    kam = ohtest.Kamailio(fx, users={'1001': PASSWORD, '1002': 'pw1002'})
    pulse = ohtest.Pulse(fx, sinks=['mic_a', 'spk_a', 'mic_b', 'spk_b'])
    trace = ['--sip-trace']
    a = ohtest.Phone(fx, 'a', ohtest.Bus(fx, 'bus_a'), pulse, sip_port=5062,
                     args=trace, exe=['/usr/bin/python3', '-c',
                                      JOURNAL_LAUNCHER,
                                      os.environ['OFFHOOKD']])
    b = ohtest.Phone(fx, 'b', ohtest.Bus(fx, 'bus_b'), pulse, sip_port=5064,
                     args=trace)
    acc_a = a.add_account('work', f'sip:1001@{kam.domain}', [kam.uri],
                          '1001', PASSWORD)
    acc_b = b.add_account('work', f'sip:1002@{kam.domain}', [kam.uri],
                          '1002', 'pw1002')
    a.wait_prop(acc_a, 'Account', 'RegistrationState', 'registered', 10)
    b.wait_prop(acc_b, 'Account', 'RegistrationState', 'registered', 10)
    ok('both phones registered with digest auth')

    secrets = os.path.join(a.state_dir, 'secrets')
    mode = stat.S_IMODE(os.stat(secrets).st_mode)
    check(mode == 0o600, f'the secrets file is mode {mode:04o}')
    check(contains(secrets, PASSWORD), 'the password is in the secrets file')
    inode = os.stat(secrets).st_ino
    a.call(acc_a, 'Account', 'SetCredentials', ('1001', PASSWORD), 'ss')
    a.wait_prop(acc_a, 'Account', 'RegistrationState', 'registered', 10)
    check(os.stat(secrets).st_ino != inode, 'SetCredentials replaced the '
          'secrets file by rename (new inode), not by rewriting it')
    left = sorted(os.listdir(a.state_dir))
    check(left == ['accounts.conf', 'instance-id', 'secrets'],
          f'no temporary file left in the state directory ({left})')

    replies = [str(a.get_all(acc_a, 'Account')),
               str(a.conn.call_sync(
                   ohtest.BUS_NAME, ohtest.ROOT_PATH,
                   'org.freedesktop.DBus.ObjectManager', 'GetManagedObjects',
                   None, None, 0, 5000, None).unpack())]
    check(all(PASSWORD not in r for r in replies),
          'no D-Bus reply (GetAll, GetManagedObjects) holds the password')
    check(a.get(acc_a, 'Account', 'HasPassword'), 'HasPassword is true')

    # a call, A to B
    added = b.watch_signal(None, 'Manager', 'CallAdded')
    call_a = a.dial('1002')
    call_b = added.wait(10)[0]
    b.wait_prop(call_b, 'Call', 'State', 'incoming', 10)
    b.call(call_b, 'Call', 'Answer')
    a.wait_prop(call_a, 'Call', 'State', 'active', 10)
    call_id = a.get(call_a, 'Call', 'SipCallId')
    a.call(call_a, 'Call', 'Hangup')
    b.wait_prop(call_b, 'Call', 'DisconnectReason', 'remote-hangup', 10)
    ok('A called B, B answered, A hung up')
    check(a.stop() == 0 and b.stop() == 0, 'both daemons exit 0 on SIGTERM')

    # the journal tells call 1's story
    number = call_a.rsplit('/', 1)[1]
    story = journal.select(OFFHOOK_CALL=number)
    if not story:
        fail(f'no journal entry with OFFHOOK_CALL={number} '
             f'({len(journal.entries)} entries)')
    for e in story:
        check(e.get('OFFHOOK_ACCOUNT') == 'work' and
              e.get('SIP_CALL_ID') == call_id and
              e['MESSAGE'].startswith(f'call {call_a}: '),
              f'OFFHOOK_CALL={number}, OFFHOOK_ACCOUNT=work, '
              f'SIP_CALL_ID={call_id}: {e["MESSAGE"]}')
    told = ' | '.join(e['MESSAGE'] for e in story)
    for step in ('dialing', '→ alerting', '→ active', 'ended: local-hangup'):
        check(step in told, f'the story has "{step}"')
    check(all(e.get('PRIORITY') and e.get('CODE_FILE') for e in story),
          'the entries carry PRIORITY and CODE_FILE')
    registered = [e for e in journal.select(OFFHOOK_ACCOUNT='work')
                  if 'registration registered' in e['MESSAGE']]
    check(registered and 'OFFHOOK_CALL' not in registered[0],
          'the registration is logged with OFFHOOK_ACCOUNT=work only')

    # the password: only in the secrets file
    check(len(journal.entries) > 100, f'A wrote {len(journal.entries)} '
          'journal entries (verbose, with the SIP trace)')
    leaked = [e['MESSAGE'] for e in journal.entries
              if PASSWORD in ''.join(e.values())]
    check(not leaked, f'no journal entry of A holds the password {leaked}')
    check(not contains(journal.raw.name, PASSWORD),
          'nothing A wrote to its stdout/stderr holds it')
    check(PASSWORD not in b.log_text(), 'B\'s log does not hold it')
    holders = [p for p in list(files_under(a.state_dir)) +
               list(files_under(b.state_dir)) if contains(p, PASSWORD)]
    check(holders == [secrets], f'of the files the daemons wrote, only '
          f'{secrets} holds it ({holders})')
