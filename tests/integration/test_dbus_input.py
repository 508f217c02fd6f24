# SPDX-License-Identifier: LGPL-2.1-or-later
"""dbus-input: bad D-Bus input gets the documented error and changes nothing.

What a UI author relies on: every bad call to org.offhook.Phone1 fails with
the documented org.offhook.Phone1.Error.* name and a message in words that
says what was wrong (naming the bad key or value), and the phone's state is
exactly what it was before the call:

- Manager.Dial: empty target, 'sip:', 'garbage!', a 100 kB target (fast),
  an unknown account, an unknown option, a dial string without an account.
- Manager.AddAccount: no id, bad ids, no aor, bad aor, unknown key, wrong
  type, duplicate id.
- Account.Update with an unknown key (or a wrong type) next to a valid key:
  nothing applied.  SetCredentials with an empty user.  RemoveAccount of an
  unknown path.
- Call methods in the wrong state on an outgoing call that rings (a SIPp
  callee): Answer, Deflect, Hold, Resume -> InvalidState; Hangup
  twice -> the second is InvalidState.
- Property writes: AudioRoute 'loud' and DefaultAccount to an unknown
  account keep the old values.
- MatchDialPlan with a configured plan (one rule broken: reported by file
  and line, the others work): secondary dial tone, dial-now, rewrite,
  invalid; a bad key -> InvalidArguments naming it.

Run: OFFHOOKD=build/daemon/offhookd /usr/bin/python3 tests/integration/test_dbus_input.py
"""

import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ohtest  # noqa: E402
from ohtest import check, ok  # noqa: E402

ohtest.isolate()

from gi.repository import GLib  # noqa: E402

ACC_PREFIX = ohtest.ROOT_PATH + '/Account/'


def readable(msg):
    """A message a UI author can read: several words, not a bare code."""
    return len(re.findall(r'[A-Za-z]{2,}', msg)) >= 3


def expect(phone, name, what, fn, *args, mentions=(), **kwargs):
    """fn must fail with Error.<name>; the message must be words and name
    every string in mentions (case-insensitive).  Returns the message."""
    msg = phone.expect_dbus_error(name, fn, *args, **kwargs)
    check(readable(msg), f'{what}: {name} with a readable message: {msg!r}')
    for m in mentions:
        if isinstance(m, re.Pattern):
            check(m.search(msg), f'{what}: the message names /{m.pattern}/')
        else:
            check(m.lower() in msg.lower(), f'{what}: the message names {m!r}')
    return msg


def dial_raw(phone, target, options):
    return phone.call(None, 'Manager', 'Dial',
                      GLib.Variant('(sa{sv})', (target, options)))


def add_account_raw(phone, settings):
    return phone.call(None, 'Manager', 'AddAccount',
                      GLib.Variant('(a{sv})', (settings,)))


def snapshot(phone):
    return (phone.get(None, 'Manager', 'Calls'),
            phone.get(None, 'Manager', 'Accounts'),
            phone.get(None, 'Manager', 'DefaultAccount'))


KEY_ID = re.compile(r"\bid\b", re.I)

with ohtest.Fixture('dbus-input', timeout=120) as fx:
    pulse = ohtest.Pulse(fx, sinks=['mic_a', 'spk_a'])
    bus = ohtest.Bus(fx)
    a = ohtest.Phone(fx, 'a', bus, pulse, sip_port=5062, extra_config={
        'dialplan emergency': {'match': '911'},
        'dialplan outside': {'match': '9,1..........', 'strip': 1, 'prefix': '+'},
        'dialplan broken': {'match': '9x'},
    })
    empty = snapshot(a)
    check(empty == ([], [], '/'), f'a fresh phone has no calls and no accounts {empty}')

    # ---------------------------------------------------------- Dial
    s = GLib.Variant
    expect(a, 'InvalidArguments', "Dial('')", dial_raw, a, '', {})
    expect(a, 'InvalidArguments', "Dial('sip:')", dial_raw, a, 'sip:', {},
           mentions=['sip:'])
    expect(a, 'InvalidArguments', "Dial('garbage!')", dial_raw, a, 'garbage!', {})
    t0 = time.monotonic()
    msg = expect(a, 'InvalidArguments', 'Dial(100 kB target)', dial_raw, a,
                 'sip:' + 'a' * 100000 + '@127.0.0.1', {}, mentions=['too long'])
    took = time.monotonic() - t0
    check(took < 1.0, f'a 100 kB target is refused fast ({took * 1000:.0f} ms)')
    check(len(msg) < 2000, f'the error does not echo the 100 kB target back ({len(msg)} chars)')
    expect(a, 'NotFound', 'Dial with an unknown account', dial_raw, a,
           'sip:bob@127.0.0.1:5070',
           {'account': s('o', ACC_PREFIX + 'nope')}, mentions=['nope'])
    expect(a, 'InvalidArguments', 'Dial with an unknown option', dial_raw, a,
           'sip:bob@127.0.0.1:5070', {'colour': s('s', 'red')},
           mentions=['colour'])
    expect(a, 'InvalidArguments', 'Dial with a wrongly typed option', dial_raw, a,
           'sip:bob@127.0.0.1:5070', {'anonymous': s('s', 'yes')},
           mentions=['anonymous'])
    expect(a, 'InvalidArguments', 'Dial a number without any account',
           dial_raw, a, '1002', {})
    check(snapshot(a) == empty, 'no failed Dial left a call behind')

    # ---------------------------------------------------------- AddAccount
    aor = s('s', 'sip:1001@offhook.test')
    no_reg = s('b', False)
    expect(a, 'InvalidArguments', 'AddAccount without id', add_account_raw, a,
           {'aor': aor, 'register': no_reg}, mentions=[KEY_ID])
    expect(a, 'InvalidArguments', "AddAccount with id 'a b'", add_account_raw, a,
           {'id': s('s', 'a b'), 'aor': aor, 'register': no_reg},
           mentions=[KEY_ID])
    expect(a, 'InvalidArguments', 'AddAccount with a 65-character id',
           add_account_raw, a,
           {'id': s('s', 'x' * 65), 'aor': aor, 'register': no_reg},
           mentions=[KEY_ID])
    expect(a, 'InvalidArguments', 'AddAccount with id of type u',
           add_account_raw, a,
           {'id': s('u', 7), 'aor': aor, 'register': no_reg},
           mentions=[KEY_ID])
    expect(a, 'InvalidArguments', 'AddAccount without aor', add_account_raw, a,
           {'id': s('s', 'work'), 'register': no_reg}, mentions=['aor'])
    expect(a, 'InvalidArguments', 'AddAccount with a bad aor', add_account_raw, a,
           {'id': s('s', 'work'), 'aor': s('s', 'not a uri'), 'register': no_reg},
           mentions=['aor'])
    expect(a, 'InvalidArguments', 'AddAccount with an unknown key',
           add_account_raw, a,
           {'id': s('s', 'work'), 'aor': aor, 'register': no_reg,
            'colour': s('s', 'red')}, mentions=['colour'])
    expect(a, 'InvalidArguments', 'AddAccount with expires as a string',
           add_account_raw, a,
           {'id': s('s', 'work'), 'aor': aor, 'register': no_reg,
            'expires': s('s', '600')}, mentions=['expires'])
    check(snapshot(a) == empty, 'no failed AddAccount created an account')

    acc = a.add_account('work', 'sip:1001@offhook.test', [], register=False,
                        display_name='Front Desk', expires=600)
    check(acc == ACC_PREFIX + 'work', f'a valid AddAccount gives {acc}')
    expect(a, 'InvalidState', 'AddAccount with a duplicate id', add_account_raw, a,
           {'id': s('s', 'work'), 'aor': s('s', 'sip:1002@offhook.test'),
            'register': no_reg}, mentions=['work'])
    check(a.get(acc, 'Account', 'Aor') == 'sip:1001@offhook.test',
          'the duplicate did not overwrite the existing account')
    after_add = snapshot(a)
    check(after_add == ([], [acc], acc), f'one account, and it is the default {after_add}')

    # ---------------------------------------------------------- Account
    before = a.get_all(acc, 'Account')
    expect(a, 'InvalidArguments', 'Update with an unknown key',
           a.call, acc, 'Account', 'Update',
           GLib.Variant('(a{sv})', ({'display-name': s('s', 'Changed'),
                                     'bogus-key': s('s', 'x')},)),
           mentions=['bogus-key'])
    check(a.get(acc, 'Account', 'DisplayName') == 'Front Desk',
          'the valid display-name of that Update was not applied')
    expect(a, 'InvalidArguments', 'Update with expires as a string',
           a.call, acc, 'Account', 'Update',
           GLib.Variant('(a{sv})', ({'display-name': s('s', 'Changed'),
                                     'expires': s('s', '60')},)),
           mentions=['expires'])
    expect(a, 'InvalidArguments', "Update with transport 'carrier-pigeon'",
           a.call, acc, 'Account', 'Update',
           GLib.Variant('(a{sv})', ({'display-name': s('s', 'Changed'),
                                     'transport': s('s', 'carrier-pigeon')},)),
           mentions=['transport'])
    expect(a, 'InvalidArguments', 'SetCredentials with an empty user',
           a.call, acc, 'Account', 'SetCredentials', ('', 'x'), 'ss')
    after = a.get_all(acc, 'Account')
    changed = {k: (before[k], after.get(k)) for k in before if before[k] != after.get(k)}
    check(not changed, f'the failed Account calls changed no property {changed}')
    check(after['DisplayName'] == 'Front Desk' and not after['HasPassword']
          and after['Username'] == '', 'DisplayName, Username and HasPassword as before')
    expect(a, 'NotFound', 'RemoveAccount of an unknown account',
           a.call, None, 'Manager', 'RemoveAccount',
           GLib.Variant('(o)', (ACC_PREFIX + 'nope',)), mentions=['nope'])
    check(snapshot(a) == after_add, 'the failed RemoveAccount removed nothing')

    # ---------------------------------------------------------- Call
    uas = ohtest.Sipp(fx, 'uas-ring-cancel.xml', local_port=5070, timeout=60)
    uas.wait_bound()
    added = a.watch_signal(None, 'Manager', 'CallAdded')
    call, = dial_raw(a, 'sip:ring@127.0.0.1:5070', {'account': s('o', '/')})
    check(added.wait(5)[0] == call, f'Dial to the ringing callee gives {call} (CallAdded)')
    added.close()
    check(a.get(call, 'Call', 'Direction') == 'outgoing', 'the call is outgoing')
    a.wait_prop(call, 'Call', 'State', 'alerting', 10)
    ok('the callee rings (alerting)')
    expect(a, 'InvalidState', 'Answer on an outgoing call',
           a.call, call, 'Call', 'Answer')
    expect(a, 'InvalidState', 'Deflect on an outgoing call',
           a.call, call, 'Call', 'Deflect', ('sip:other@127.0.0.1:5071',), 's')
    expect(a, 'InvalidState', 'Hold', a.call, call, 'Call', 'Hold',
           mentions=['active'])
    expect(a, 'InvalidState', 'Resume', a.call, call, 'Call', 'Resume',
           mentions=['held'])
    check(a.get(call, 'Call', 'State') == 'alerting',
          'the refused calls left the call ringing')
    removed = a.watch_signal(None, 'Manager', 'CallRemoved')
    a.call(call, 'Call', 'Hangup')
    a.wait_prop(call, 'Call', 'State', 'disconnected', 10)
    check(a.get(call, 'Call', 'DisconnectReason') == 'local-hangup',
          'the first Hangup ends the call as local-hangup')
    expect(a, 'InvalidState', 'a second Hangup', a.call, call, 'Call', 'Hangup')
    check(uas.wait(30) == 0, 'the callee saw CANCEL and the call ended cleanly (SIPp exit 0)')
    check(removed.wait(15)[0] == call, 'the call object is removed afterwards')
    removed.close()

    # ---------------------------------------------------------- properties
    a.set(None, 'Manager', 'AudioRoute', GLib.Variant('s', 'speaker'))
    a.wait_prop(None, 'Manager', 'AudioRoute', 'speaker', 5)
    try:
        a.set(None, 'Manager', 'AudioRoute', GLib.Variant('s', 'loud'))
        ok("writing AudioRoute 'loud' was not an error")
    except GLib.Error as e:
        check(readable(e.message), f"writing AudioRoute 'loud' is refused: {e.message}")
    check(a.get(None, 'Manager', 'AudioRoute') == 'speaker',
          "AudioRoute keeps 'speaker' after writing 'loud'")
    try:
        a.set(None, 'Manager', 'DefaultAccount', GLib.Variant('o', ACC_PREFIX + 'nope'))
        ok('writing an unknown DefaultAccount was not an error (documented: ignored)')
    except GLib.Error as e:
        check(readable(e.message), f'writing an unknown DefaultAccount is refused: {e.message}')
    check(a.get(None, 'Manager', 'DefaultAccount') == acc,
          'DefaultAccount keeps the old account after writing an unknown path')

    # ---------------------------------------------------------- dial plan
    def match(digits):
        return tuple(a.call(None, 'Manager', 'MatchDialPlan', (digits,), 's'))
    check(match('9') == ('more', 15000, 'secondary-dial'),
          f"MatchDialPlan('9'): more, with the secondary dial tone {match('9')}")
    check(match('911') == ('dial-now', 0, '911'), f"MatchDialPlan('911') dials now {match('911')}")
    check(match('915551234567') == ('dial-now', 0, '+15551234567'),
          f"an outside number is rewritten {match('915551234567')}")
    check(match('55')[0] == 'invalid', "a number no rule begins is invalid")
    expect(a, 'InvalidArguments', "MatchDialPlan('12a')", a.call, None, 'Manager',
           'MatchDialPlan', ('12a',), 's', mentions=["'a'"])
    log = a.proc.log_text()
    check(re.search(r'offhookd\.conf:\d+: \[dialplan broken\] ignored', log) is not None,
          'a bad dial plan rule is reported with file and line, the others work')

    # ---------------------------------------------------------- end state
    final = snapshot(a)
    check(final == ([], [acc], acc), f'in the end: no calls, one account, the default {final}')
    check(a.get(None, 'Manager', 'Version') != '', 'the daemon still answers D-Bus')
    check(a.proc.alive(), 'the daemon is alive')
