# SPDX-License-Identifier: LGPL-2.1-or-later
"""offhookctl: every command against a real offhookd, and its error paths.

Phone A is set up with offhookctl alone (account, password on stdin and on a
terminal prompt, settings), registers through Kamailio as 1001 and calls
phone B (1002), which offhookctl answers on B's bus; DTMF sent with
offhookctl reaches B; a second call B refuses. Along the way: usage errors
exit 2, an unknown call or account 4, hold and resume (B sees RemoteHeld),
resuming an active call 1 with the daemon's InvalidState on stderr, the
a transfer to a user nobody registered 1 with the daemon's Failed (the call
stays held), a conference of one call 1 with the daemon's InvalidArguments, no history 6,
a call ended unanswered 7, no daemon 3. `monitor --json` runs the whole
time; its lines are parsed, must show the calls' states in order, and must
survive the daemon stopping and starting again.
"""

import datetime
import json
import os
import select
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ohtest  # noqa: E402
from ohtest import check, ok  # noqa: E402

ohtest.isolate()

CTL = os.environ.get('OFFHOOKCTL')
EXIT_FAILED, EXIT_USAGE, EXIT_NO_DAEMON, EXIT_NOT_FOUND = 1, 2, 3, 4
EXIT_NO_HISTORY, EXIT_CALL_ENDED = 6, 7


def ctl_env(extra=None):
    env = ohtest.base_env(
        ASAN_OPTIONS=os.environ.get('ASAN_OPTIONS', 'detect_leaks=0:abort_on_error=1'),
        UBSAN_OPTIONS=os.environ.get('UBSAN_OPTIONS', 'print_stacktrace=1:halt_on_error=1'),
        G_DEBUG='fatal-criticals')
    env.update(extra or {})
    return env


def ctl(bus, *args, expect=0, stdin=None, env=None, what=None):
    """Run offhookctl on bus (a Bus, an address string, or None: no bus
    option); check its exit status; returns the CompletedProcess."""
    argv = [CTL]
    if bus is not None:
        argv += ['--address', bus if isinstance(bus, str) else bus.address]
    argv += list(args)
    r = subprocess.run(argv, input=stdin, capture_output=True, text=True,
                       env=ctl_env(env), timeout=20)
    shown = ' '.join(args)
    for bad in ('runtime error', 'AddressSanitizer', 'CRITICAL', 'WARNING'):
        if bad in r.stderr:
            ohtest.fail(f'offhookctl {shown}: "{bad}" on stderr:\n{r.stderr}')
    check(r.returncode == expect,
          what or f'offhookctl {shown} exits {expect}'
          + ('' if r.returncode == expect else
             f' (got {r.returncode}; stdout {r.stdout!r}, stderr {r.stderr!r})'))
    return r


def ctl_json(bus, *args):
    return json.loads(ctl(bus, *args, '--json').stdout)


class Monitor:
    """offhookctl monitor --json in the background; lines parsed as read."""

    def __init__(self, fx, bus):
        self.proc = fx.spawn('monitor', [CTL, '--address', bus.address, 'monitor', '--json'],
                             env=ctl_env(), stdout=subprocess.PIPE, check_exit=True)
        self.events = []

    def next(self, timeout=10):
        line = self.proc.read_line(timeout)
        try:
            ev = json.loads(line)
        except ValueError:
            ohtest.fail(f'monitor printed a line that is not JSON: {line!r}')
        for key in ('time', 'timestamp', 'event', 'object'):
            if key not in ev:
                ohtest.fail(f'monitor line without "{key}": {line}')
        datetime.datetime.fromisoformat(ev['time'])
        self.events.append(ev)
        return ev

    def until(self, pred, what, timeout=15):
        """Read lines until pred(event) holds; returns that event."""
        while True:
            ev = self.next(timeout)
            if pred(ev):
                ok(f'monitor --json: {what}')
                return ev

    def states(self, obj):
        return [e['value'] for e in self.events
                if e['event'] == 'property' and e['object'] == obj and e['name'] == 'State']


def usage_errors(bus):
    ctl(None, expect=EXIT_USAGE, what='no command: usage error')
    r = ctl(bus, 'frobnicate', expect=EXIT_USAGE)
    check("no command 'frobnicate'" in r.stderr, 'an unknown command is named')
    r = ctl(bus, 'dial', expect=EXIT_USAGE)
    check('dial TARGET' in r.stderr and "offhookctl dial --help" in r.stderr,
          'dial without a target shows its usage')
    ctl(bus, 'dial', '1002', '--bogus', expect=EXIT_USAGE)
    r = ctl(bus, 'route', 'kitchen', expect=EXIT_USAGE)
    check("'kitchen'" in r.stderr, 'a bad route is named')
    ctl(bus, 'volume', '101', expect=EXIT_USAGE)
    ctl(bus, 'dnd', 'maybe', expect=EXIT_USAGE)
    ctl(bus, 'dtmf', '1', '12x', expect=EXIT_USAGE)
    ctl(bus, 'dtmf', '1', '1a', expect=EXIT_USAGE)
    ctl(bus, 'hold', 'first', expect=EXIT_USAGE)
    ctl(bus, 'account', 'set', 'work', 'transport', expect=EXIT_USAGE)
    ctl(bus, 'transfer', '1', expect=EXIT_USAGE)
    ctl(None, '--system', '--session', 'status', expect=EXIT_USAGE)
    ctl(bus, 'help', 'frobnicate', expect=EXIT_USAGE)


def help_and_version():
    r = ctl(None, '--help')
    check('Commands:' in r.stdout and 'monitor' in r.stdout and 'Exit status' in r.stdout,
          '--help lists the commands and the exit codes')
    r = ctl(None, '--version')
    check(r.stdout.startswith('offhookctl '), '--version prints the version')
    for argv in (['help', 'dial'], ['dial', '--help']):
        r = ctl(None, *argv)
        check('offhookctl [OPTION…] dial TARGET' in r.stdout and '--wait' in r.stdout,
              f'offhookctl {" ".join(argv)} shows dial\'s usage and options')
    r = ctl(None, 'help', 'account', 'credentials')
    check('--password-stdin' in r.stdout, 'the credentials help explains --password-stdin')


def read_available(fd, until=None, timeout=10):
    """Bytes from fd until `until` was read (bounded), or what is there now."""
    out = b''
    deadline = time.monotonic() + timeout
    while until is None or until not in out:
        left = max(0, deadline - time.monotonic()) if until else 0
        r, _, _ = select.select([fd], [], [], left)
        if not r:
            if until:
                ohtest.fail(f'no {until!r} within {timeout} s (got {out!r})')
            break
        try:
            chunk = os.read(fd, 256)
        except OSError:     # EIO: the other side of the pty is closed
            break
        if not chunk:
            break
        out += chunk
    return out


def prompt_credentials(bus, account, user, password):
    """account credentials on a terminal: a prompt, and no echo."""
    master, slave = os.openpty()
    p = subprocess.Popen([CTL, '--address', bus.address, 'account', 'credentials', account, user],
                         stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ctl_env())
    os.close(slave)
    try:
        read_available(p.stderr.fileno(), until=f'Password for {account}: '.encode())
        os.write(master, (password + '\n').encode())
        check(p.wait(10) == 0, 'account credentials prompts on the terminal and stores the password')
        check(password.encode() not in read_available(master), 'the typed password is not echoed')
    finally:
        os.close(master)
        p.stdout.close()
        p.stderr.close()


def setup_account(a, bus, kam):
    ctl(bus, 'account', 'add', 'work', 'sip:1001@offhook.test',
        f'proxies={kam.uri}', 'register=off')
    r = ctl(bus, 'account', 'credentials', 'work', '1001', expect=EXIT_USAGE)
    check('--password-stdin' in r.stderr, 'without a terminal the password is not prompted for')
    ctl(bus, 'account', 'credentials', 'work', '1001', '--password-stdin', stdin='pw1001\n')
    ctl(bus, 'account', 'set', 'work', 'register=on', 'display-name=Alice')
    acc = '/org/offhook/Phone1/Account/work'
    a.wait_prop(acc, 'Account', 'RegistrationState', 'registered', 10)
    ok('the account added with offhookctl registers')
    shown = ctl_json(bus, 'account', 'show', 'work')
    check(shown['Username'] == '1001' and shown['HasPassword'] and shown['DisplayName'] == 'Alice',
          'account show --json: user, password stored, display name')
    check('pw1001' not in json.dumps(shown), 'the password is nowhere in the output')
    r = ctl(bus, 'accounts')
    check(r.stdout.split()[:2] == ['work', 'registered'], 'accounts lists work as registered')
    r = ctl(bus, 'account', 'set', 'work', 'colour=blue', expect=EXIT_FAILED)
    check("org.offhook.Phone1.Error.InvalidArguments" in r.stderr and 'colour' in r.stderr,
          'a setting the daemon refuses: its error name and message on stderr')
    ctl(bus, 'account', 'show', 'nosuch', expect=EXIT_NOT_FOUND)
    ctl(bus, 'register', 'nosuch', expect=EXIT_NOT_FOUND)

    ctl(bus, 'unregister')      # the default account
    a.wait_prop(acc, 'Account', 'RegistrationState', 'unregistered', 10)
    ctl(bus, 'register', 'work')
    a.wait_prop(acc, 'Account', 'RegistrationState', 'registered', 10)
    ok('unregister/register change the registration')

    ctl(bus, 'account', 'add', 'spare', 'sip:1003@offhook.test', 'register=off')
    prompt_credentials(bus, 'spare', '1003', 'pw-typed')
    check(ctl_json(bus, 'account', 'show', 'spare')['HasPassword'], 'the typed password is stored')
    ctl(bus, 'account', 'credentials', 'spare', '--clear')
    check(not ctl_json(bus, 'account', 'show', 'spare')['HasPassword'], 'credentials --clear forgets the password')
    ctl(bus, 'account', 'remove', 'spare')
    ctl(bus, 'account', 'remove', 'spare', expect=EXIT_NOT_FOUND)


def phone_settings(a, bus):
    ctl(bus, 'dnd', 'on')
    check(ctl(bus, 'dnd', 'status').stdout == 'on\n', 'dnd on, then dnd status says on')
    check(a.get(None, 'Manager', 'DoNotDisturb') is True, 'the daemon has DoNotDisturb set')
    ctl(bus, 'dnd', 'off')
    ctl(bus, 'route', 'speaker')
    check(ctl(bus, 'route').stdout == 'speaker\n', 'route speaker, then route says speaker')
    ctl(bus, 'route', 'handset')
    ctl(bus, 'volume', '40')
    ctl(bus, 'volume', '--ringer', '70')
    check(ctl_json(bus, 'volume') == {'Volume': 40}, 'volume --json')
    check(ctl(bus, 'volume', '--ringer').stdout == '70\n', 'ringer volume')
    ctl(bus, 'mute', 'on')
    check(ctl(bus, 'mute').stdout == 'on\n', 'mute on')
    ctl(bus, 'mute', 'off')
    r = ctl(bus, 'history', expect=EXIT_NO_HISTORY)
    check('org.offhook.Phone1.History' in r.stderr, 'history without the plugin says so')
    st = ctl_json(bus, 'status')
    check(st['manager']['Version'] and [x['Id'] for x in st['accounts']] == ['work'] and
          st['manager']['Volume'] == 40, 'status --json: version, accounts, settings')
    r = ctl(bus, 'status')
    check('Audio route:     handset' in r.stdout and 'work' in r.stdout, 'status in words')


def answered_call(a, b, bus, fx):
    added = b.watch_signal(None, 'Manager', 'CallAdded')
    dialer = fx.spawn('dial-wait', [CTL, '--address', bus.address, 'dial', '1002', '--wait'],
                      env=ctl_env(), stdout=subprocess.PIPE)
    number = dialer.read_line(10)
    check(number.isdigit(), f'dial prints the call number ({number})')
    call_b = added.wait(10)[0]
    added.close()
    b.wait_prop(call_b, 'Call', 'State', 'incoming', 10)
    ctl(b.bus, 'answer', what='offhookctl answer on B answers the only ringing call')
    check(dialer.read_line(10) == 'answered', 'dial --wait prints "answered"')
    check(dialer.wait(5) == 0, 'dial --wait exits 0 once answered')

    calls = ctl_json(bus, 'calls')
    check(len(calls) == 1 and calls[0]['State'] == 'active' and
          calls[0]['path'].endswith('/' + number), 'calls --json shows the active call')
    check(ctl(bus, 'calls').stdout.split()[:3] == [number, 'active', 'outgoing'], 'calls in words')
    ctl(bus, 'answer', expect=EXIT_NOT_FOUND, what='answer without a ringing call: not found')

    digits = b.watch_signal(call_b, 'Call', 'DtmfReceived')
    ctl(bus, 'dtmf', number, '12#')
    got = ''.join(digits.wait(5)[0] for _ in range(3))
    digits.close()
    check(got == '12#', f'dtmf: B receives the digits in order ({got})')

    ctl(bus, 'hold', number)
    check(ctl_json(bus, 'calls')[0]['State'] == 'held', 'hold: the call is held')
    b.wait_prop(call_b, 'Call', 'RemoteHeld', True, 5)
    ctl(bus, 'resume', number)
    check(ctl_json(bus, 'calls')[0]['State'] == 'active', 'resume: the call is active again')
    b.wait_prop(call_b, 'Call', 'RemoteHeld', False, 5)
    r = ctl(bus, 'resume', number, expect=EXIT_FAILED)
    check('org.offhook.Phone1.Error.InvalidState' in r.stderr,
          f'resuming an active call: the daemon\'s InvalidState on stderr ({r.stderr.strip()})')

    r = ctl(bus, 'transfer', number, '1003', expect=EXIT_FAILED)
    check(r.stderr.startswith('offhookctl: org.offhook.Phone1.Error.Failed: ') and 'failed: 4' in r.stderr,
          f'transfer to a user nobody registered: the daemon\'s Failed with the status ({r.stderr.strip()})')
    check(ctl_json(bus, 'calls')[0]['State'] == 'held', 'the failed transfer left the call held')
    ctl(bus, 'resume', number)
    r = ctl(bus, 'transfer', number, '--to-call', number, expect=EXIT_FAILED)
    check('org.offhook.Phone1.Error.InvalidArguments' in r.stderr,
          f'transfer to the same call: the daemon\'s InvalidArguments ({r.stderr.strip()})')
    r = ctl(bus, 'conference', number, number, expect=EXIT_FAILED)
    check(r.stderr.startswith('offhookctl: org.offhook.Phone1.Error.InvalidArguments: '),
          f'a conference of one call: the daemon\'s InvalidArguments on stderr ({r.stderr.strip()})')
    r = ctl(bus, 'hold', '99', expect=EXIT_NOT_FOUND)
    check('no call 99' in r.stderr, 'an unknown call number is named')
    ctl(bus, 'hangup', f'/org/offhook/Phone1/Call/{int(number) + 50}', expect=EXIT_NOT_FOUND)

    ctl(bus, 'hangup', number)
    b.wait_prop(call_b, 'Call', 'DisconnectReason', 'remote-hangup', 10)
    ok('hangup ends the call on both phones')
    return number


def refused_call(a, b, bus, fx):
    added = b.watch_signal(None, 'Manager', 'CallAdded')
    dialer = fx.spawn('dial-refused', [CTL, '--address', bus.address, 'dial', '1002', '--wait', '--json'],
                      env=ctl_env(), stdout=subprocess.PIPE)
    call_b = added.wait(10)[0]
    added.close()
    b.wait_prop(call_b, 'Call', 'State', 'incoming', 10)
    ctl(b.bus, 'hangup', what='offhookctl hangup on B refuses the ringing call')
    out = json.loads(dialer.read_line(10))
    check(out['State'] == 'disconnected' and out['DisconnectReason'] == 'busy' and out['SipStatus'] == 486,
          f'dial --wait --json reports the refusal: busy, 486 ({out})')
    check(dialer.wait(5) == EXIT_CALL_ENDED, 'dial --wait exits 7 when the call ends unanswered')
    return str(out['number'])


with ohtest.Fixture('offhookctl', timeout=90) as fx:
    if not CTL:
        ohtest.fail('OFFHOOKCTL is not set (meson sets it to the built offhookctl)')
    help_and_version()
    kam = ohtest.Kamailio(fx)
    pulse = ohtest.Pulse(fx, sinks=['mic_a', 'spk_a', 'mic_b', 'spk_b'])
    bus = ohtest.Bus(fx, 'bus_a')

    r = ctl(bus, 'status', expect=EXIT_NO_DAEMON, what='no offhookd on the bus: exit 3')
    check('not running' in r.stderr, 'it says offhookd is not running')
    ctl(f'unix:path={fx.path("nobus.sock")}', 'status', expect=EXIT_NO_DAEMON,
        what='no bus at all: exit 3')

    monitor = Monitor(fx, bus)
    check(monitor.next()['event'] == 'daemon-down', 'monitor starts before the daemon: daemon-down')
    a = ohtest.Phone(fx, 'a', bus, pulse, sip_port=5062)
    monitor.until(lambda e: e['event'] == 'daemon-up', 'daemon-up when offhookd starts')
    b, _ = ohtest.registered_phone(fx, 'b', pulse, kam, '1002', 5064)

    r = ctl(None, 'status', env=bus.env(), expect=EXIT_NO_DAEMON,
            what='the system bus is the default (none here: exit 3)')
    check('system bus' in r.stderr, 'it names the system bus')
    r = ctl(None, '--session', 'status', env=bus.env())
    check('on the session bus' in r.stdout, 'status names the bus')

    usage_errors(bus)
    setup_account(a, bus, kam)
    phone_settings(a, bus)
    first = answered_call(a, b, bus, fx)
    second = refused_call(a, b, bus, fx)

    monitor.until(lambda e: e['object'] == f'call/{second}' and e['event'] == 'property'
                  and e['name'] == 'State' and e['value'] == 'disconnected',
                  'the refused call ends')
    # held and resumed twice: by hold/resume, and by the failed transfer
    check(monitor.states(f'call/{first}')[-7:] == ['alerting', 'active', 'held', 'active', 'held', 'active',
                                                     'disconnected'],
          'monitor --json: the first call went alerting, active, (held, active) twice, disconnected '
          f'({monitor.states(f"call/{first}")})')
    kinds = {(e['event'], e['object'], e.get('name')) for e in monitor.events}
    for k in (('added', 'account/work', None), ('property', 'account/work', 'RegistrationState'),
              ('property', 'manager', 'DoNotDisturb'), ('signal', 'manager', 'CallAdded'),
              ('added', f'call/{first}', None)):
        check(k in kinds, f'monitor --json saw {k}')

    a.stop()
    monitor.until(lambda e: e['event'] == 'daemon-down', 'daemon-down when offhookd stops')
    ctl(bus, 'calls', expect=EXIT_NO_DAEMON, what='calls with the daemon gone: exit 3')
    a2 = ohtest.Phone(fx, 'a2', bus, pulse, sip_port=5066)
    monitor.until(lambda e: e['event'] == 'daemon-up', 'daemon-up when it starts again')
    ctl(bus, 'dnd', 'on')
    monitor.until(lambda e: e['event'] == 'property' and e['name'] == 'DoNotDisturb' and e['value'] is True,
                  'the restarted daemon\'s changes are seen')
    check(monitor.proc.stop() == 0, 'monitor exits 0 on SIGTERM')
