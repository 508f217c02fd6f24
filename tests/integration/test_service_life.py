# SPDX-License-Identifier: LGPL-2.1-or-later
"""service-life: stop, crash, restart and broken files, as a phone lives.

The registrar's own view is the judge: Kamailio.bindings() asks it which
Contacts it holds for the phone's AOR.

- SIGTERM: the daemon un-REGISTERs (the registrar holds no binding) and
  exits 0 within 2 s.
- Restarted on the same state directory it registers again, with the same
  +sip.instance; after kill -9 (no un-REGISTER) and another restart the
  registrar holds exactly one binding, not a stale one next to a new one.
- A corrupt accounts.conf and a corrupt secrets file: the log names file and
  line of each bad line (never the secret's text), and the daemon runs on
  with what is left: the account registers.
"""
import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ohtest  # noqa: E402
from ohtest import check  # noqa: E402

ohtest.isolate()

PASSWORD = 'Lamp-7731-secret'


def instance_of(contact):
    m = re.search(r'\+sip\.instance="<([^>]+)>"', contact)
    return m.group(1) if m else None


with ohtest.Fixture('service-life', timeout=150) as fx:
    kam = ohtest.Kamailio(fx, users={'1001': PASSWORD})
    bus = ohtest.Bus(fx)
    first = ohtest.Phone(fx, 'a', bus, None, sip_port=5062)
    state = first.state_dir
    acc = first.add_account('work', f'sip:1001@{kam.domain}', [kam.uri],
                            '1001', PASSWORD)
    first.wait_prop(acc, 'Account', 'RegistrationState', 'registered', 10)
    held = kam.bindings('1001')
    check(len(held) == 1 and instance_of(held[0]),
          f'registered: one binding with a +sip.instance ({held})')
    instance = instance_of(held[0])

    def restart(name):
        """offhookd again on the same state directory (the last
        --state-dir wins)."""
        phone = ohtest.Phone(fx, name, bus, None, sip_port=5062,
                             args=['--state-dir', state])
        phone.wait_prop(acc, 'Account', 'RegistrationState', 'registered',
                        10)
        return phone

    # SIGTERM: un-REGISTER, exit within 2 s
    start = time.monotonic()
    first.proc.popen.send_signal(signal.SIGTERM)
    status = first.proc.wait(10)
    took = time.monotonic() - start
    check(status == 0 and took < 2.0,
          f'SIGTERM: exit status {status} after {took:.2f} s (< 2 s)')
    check(kam.bindings('1001') == [],
          'SIGTERM: the registrar holds no binding any more (un-REGISTER)')

    # restart, then kill -9 and restart again
    second = restart('b')
    held = kam.bindings('1001')
    check(len(held) == 1 and instance_of(held[0]) == instance,
          f'restarted: registered again, same +sip.instance ({held})')
    second.proc.check_exit = False      # killed on purpose
    second.proc.stop(sig=signal.SIGKILL)
    check(len(kam.bindings('1001')) == 1,
          'kill -9: the dead daemon\'s binding is still there')
    third = restart('c')
    held = kam.bindings('1001')
    check(len(held) == 1 and instance_of(held[0]) == instance,
          f'restarted after kill -9: exactly one binding, same instance '
          f'({held})')
    check(third.stop() == 0, 'stopped again')

    # corrupt files: a clear message naming file and line, the rest works
    accounts = os.path.join(state, 'accounts.conf')
    secrets = os.path.join(state, 'secrets')
    with open(accounts) as f:
        lines = f.read().splitlines()
    lines.insert(1, 'this line is no setting')
    lines.append('expires=soon')
    with open(accounts, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    bad_expires = len(lines)
    with open(secrets) as f:
        good = f.read()
    # a password line that lost its '=': the warning must not echo it
    with open(secrets, 'w') as f:
        f.write(f'password {PASSWORD}\n\x01\xff garbage\n{good}')
    fourth = restart('d')
    log = fourth.log_text()
    check(f'{accounts}:2:' in log, f'the log names {accounts}:2 (not a '
          'key=value line)')
    check(f'{accounts}:{bad_expires}:' in log,
          f'the log names {accounts}:{bad_expires} (bad expires value)')
    check(f'{secrets}:1:' in log, f'the log names {secrets}:1')
    check(PASSWORD not in log, 'the warning about the secrets file does not '
          'show the password')
    check(fourth.get(acc, 'Account', 'HasPassword'),
          'the intact password line is still used')
    ohtest.ok('the daemon runs on with the rest and registers')
