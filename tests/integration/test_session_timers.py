# SPDX-License-Identifier: LGPL-2.1-or-later
"""session-timers: RFC 4028 session timers, negotiated, refreshed, expired.

Three offhookd without accounts ([sip] session-expires=90, min-se=90: the
shortest interval RFC 4028 allows), each calling or called by SIPp
direct-IP; the slow cases run side by side.

1. 422 to us: a caller asking for Session-Expires: 60 gets 422 with
   Min-SE: 90, calls again with 90 and is answered with Session-Expires: 90.
2. 422 from them: a callee demanding Min-SE: 120 gets our INVITE again with
   Session-Expires and Min-SE of at least 120, and the call connects.
3. We refresh: phone A calls a callee that grants Session-Expires: 90 with
   refresher=uac; A's INVITE asked for Session-Expires: 90 with Min-SE: 90,
   and A re-INVITEs (refresher=uac) 40-50 s later, before the interval is
   half over plus 5 s; the call stays active.
4. Our refresh is not answered: phone B calls a callee that answers, then
   goes silent. B's refresh times out, B ends the call:
   DisconnectReason session-expired, SipStatus 408, well before 90 s + 10.
5. Their refresh does not come: a caller takes the refresher role for 90 s
   and never refreshes; phone C (which answered) sends BYE with
   Reason: SIP;cause=408 before the 90 s are over: session-expired, 408.

Run: OFFHOOKD=build/daemon/offhookd /usr/bin/python3 tests/integration/test_session_timers.py
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ohtest  # noqa: E402
from ohtest import GLib, check, ok  # noqa: E402

ohtest.isolate()

NO_ACCOUNT = GLib.Variant('o', '/')
TIMER = {'sip': {'session-expires': 90, 'min-se': 90}}
MEDIA = iter(range(17000, 17100, 10))


def phone(fx, pulse, name, port):
    return ohtest.Phone(fx, name, ohtest.Bus(fx, f'bus-{name}'), pulse, port, extra_config=TIMER)


def sipp(fx, scenario, name, args, remote=None, timeout=30):
    return ohtest.Sipp(fx, scenario, name=name, timeout=timeout, remote=remote,
                       args=list(args) + ['-mi', '127.0.0.1', '-mp', str(next(MEDIA))])


def sipp_ok(uas, label):
    status = uas.wait()
    check(status == 0, f'{label} (SIPp exit {status}: {uas.errors()[-400:]})')


def answer_incoming(p, watch):
    call = watch.wait(10)[0]
    watch.close()
    p.wait_prop(call, 'Call', 'State', 'incoming', 5)
    p.call(call, 'Call', 'Answer')
    p.wait_prop(call, 'Call', 'State', 'active', 5)
    return call


with ohtest.Fixture('session-timers', timeout=170) as fx:
    pulse = ohtest.Pulse(fx, sinks=['mic_a', 'spk_a', 'mic_b', 'spk_b', 'mic_c', 'spk_c'])
    a = phone(fx, pulse, 'a', 5062)
    b = phone(fx, pulse, 'b', 5064)
    c = phone(fx, pulse, 'c', 5066)

    # ---- 1: too small for us
    added = a.watch_signal(None, 'Manager', 'CallAdded')
    uac = sipp(fx, 'uac-session-422.xml', 'uac-422', ['-s', 'alice', '-key', 'min_se', '90'],
               remote='127.0.0.1:5062')
    call = added.wait(10)[0]
    added.close()
    a.wait_prop(call, 'Call', 'State', 'incoming', 5)
    a.call(call, 'Call', 'Answer')
    a.wait_prop(call, 'Call', 'State', 'disconnected', 5)   # the caller hangs up at once
    check(a.get(call, 'Call', 'DisconnectReason') == 'remote-hangup', 'the retried call was answered')
    sipp_ok(uac, 'Session-Expires: 60 gets 422 with Min-SE: 90; the retry with 90 is answered '
            'with Session-Expires: 90')

    # ---- 2: too small for them
    uas = sipp(fx, 'uas-session-422.xml', 'uas-422', ['-key', 'min_se', '120'])
    uas.wait_bound()
    call = a.dial(f'sip:bob@127.0.0.1:{uas.local_port}', account=NO_ACCOUNT)
    a.wait_prop(call, 'Call', 'State', 'active', 10)
    a.call(call, 'Call', 'Hangup')
    sipp_ok(uas, 'after a 422 with Min-SE: 120 the INVITE comes again with Session-Expires and '
            'Min-SE of at least 120, and the call connects')

    # ---- 3, 4 and 5 side by side
    alive = sipp(fx, 'uas-session-timer.xml', 'uas-refreshed',
                 ['-key', 'session_expires', '90', '-key', 'dead', '0'], timeout=90)
    dead = sipp(fx, 'uas-session-timer.xml', 'uas-dead',
                ['-key', 'session_expires', '90', '-key', 'dead', '1'], timeout=90)
    alive.wait_bound()
    dead.wait_bound()
    added = c.watch_signal(None, 'Manager', 'CallAdded')
    silent_caller = sipp(fx, 'uac-session-timer.xml', 'uac-no-refresh',
                         ['-s', 'carol', '-key', 'session_expires', '90'],
                         remote='127.0.0.1:5066', timeout=120)
    call_a = a.dial(f'sip:alive@127.0.0.1:{alive.local_port}', account=NO_ACCOUNT)
    call_b = b.dial(f'sip:dead@127.0.0.1:{dead.local_port}', account=NO_ACCOUNT)
    call_c = answer_incoming(c, added)
    a.wait_prop(call_a, 'Call', 'State', 'active', 10)
    b.wait_prop(call_b, 'Call', 'State', 'active', 10)
    t0 = time.monotonic()

    b.wait_prop(call_b, 'Call', 'State', 'disconnected', 70)
    took = time.monotonic() - t0
    reason = b.get(call_b, 'Call', 'DisconnectReason')
    status = b.get(call_b, 'Call', 'SipStatus')
    check((reason, status) == ('session-expired', 408),
          f'an unanswered refresh ends the call as session-expired/408 ({reason}/{status})')
    check(40 <= took <= 60, f'the refresh went out halfway through the 90 s and timed out '
          f'({took:.1f} s after the answer)')
    sipp_ok(dead, 'the dead callee got the INVITE with Session-Expires and Min-SE, then a refresh')

    check(a.get(call_a, 'Call', 'State') == 'active', 'the refreshed call is still active')
    a.call(call_a, 'Call', 'Hangup')
    sipp_ok(alive, 'A asked for Session-Expires: 90, Min-SE: 90, and re-INVITEd with '
            'refresher=uac before the interval ran out')

    c.wait_prop(call_c, 'Call', 'State', 'disconnected', 60)
    took = time.monotonic() - t0
    reason = c.get(call_c, 'Call', 'DisconnectReason')
    status = c.get(call_c, 'Call', 'SipStatus')
    check((reason, status) == ('session-expired', 408),
          f'a refresh that never comes ends the call as session-expired/408 ({reason}/{status})')
    check(took < 90, f'the BYE went out before the 90 s were over ({took:.1f} s after the answer)')
    sipp_ok(silent_caller, 'our 200 made the caller the refresher (Session-Expires: 90;'
            'refresher=uac, Require: timer); the BYE carried Reason: SIP;cause=408')
    ok('session-timers: all checks passed')
