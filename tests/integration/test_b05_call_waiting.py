# SPDX-License-Identifier: LGPL-2.1-or-later
"""b05-call-waiting: the Cisco guide's Appendix B call-waiting flow, and the
rule that only one call is talked to at a time.

Three phones registered with Kamailio: A 1001, B 1002, C 1003.

1. A talks to B; C calls B: B's new call is `waiting` (180 went out, C's
   call is `alerting`), B's earpiece beeps the 440 Hz call-waiting tone and
   the first call stays active.
2. B answers C: the call with A goes `held` first (A sees RemoteHeld), then
   B and C hear each other both ways.
3. B resumes A: the call with C goes `held` by itself, A and B hear each
   other again.
4. C hangs up while held: B's call with A goes on.
5. A calls B while B talks to C, and C hangs up before B answers: the
   waiting call turns `incoming` (it rings now); B answers it.
6. call-waiting=false on B's account: a second call gets 486 (A's call ends
   `busy`, SIP 486) and the first call is untouched.

Run: OFFHOOKD=build/daemon/offhookd /usr/bin/python3 tests/integration/test_b05_call_waiting.py
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ohtest  # noqa: E402
from ohtest import GLib, check, ok  # noqa: E402

ohtest.isolate()

RATE = 8000


with ohtest.Fixture('b05-call-waiting', timeout=200) as fx:
    kam, pulse, [(a, acc_a), (b, acc_b), (c, acc_c)] = ohtest.registered_phones(fx, 3)
    ok('three phones registered')

    # ---- 1: a second call waits
    a_b, b_a = ohtest.active_call(a, b, '1002')
    c_b, b_c = ohtest.incoming_call(c, b, '1002', 'waiting')
    c.wait_prop(c_b, 'Call', 'State', 'alerting', 5)
    samples = pulse.record(b.spk + '.monitor', 1.5, RATE)
    heard = ohtest.tone_ms(samples, RATE, 440, 0.2, block_ms=10)
    check(200 <= heard <= 400, f'B\'s earpiece beeps call-waiting ({heard} ms of 440 Hz)')
    check(b.get(b_a, 'Call', 'State') == 'active', 'the first call stays active')
    ok('a second call is waiting')

    # ---- 2: answering it holds the first
    b.call(b_c, 'Call', 'Answer')
    b.wait_prop(b_a, 'Call', 'State', 'held', 10)
    a.wait_prop(a_b, 'Call', 'RemoteHeld', True, 5)
    b.wait_prop(b_c, 'Call', 'State', 'active', 10)
    c.wait_prop(c_b, 'Call', 'State', 'active', 10)
    ohtest.tones_both_ways(pulse, b, c, 'B and C after answering the waiting call')
    ok('answering the waiting call held the first one')

    # ---- 3: resuming the first holds the second
    b.call(b_a, 'Call', 'Resume')
    check(b.get(b_a, 'Call', 'State') == 'active', 'Resume returns with the call active')
    b.wait_prop(b_c, 'Call', 'State', 'held', 10)
    c.wait_prop(c_b, 'Call', 'RemoteHeld', True, 5)
    a.wait_prop(a_b, 'Call', 'RemoteHeld', False, 5)
    ohtest.tones_both_ways(pulse, a, b, 'A and B after the swap back')
    ok('resuming one call held the other')

    # ---- 4: the held party hangs up
    c.call(c_b, 'Call', 'Hangup')
    b.wait_prop(b_c, 'Call', 'State', 'disconnected', 10)
    check(b.get(b_c, 'Call', 'DisconnectReason') == 'remote-hangup', 'the held call ended remote-hangup')
    check(b.get(b_a, 'Call', 'State') == 'active', 'the call with A goes on')
    a.call(a_b, 'Call', 'Hangup')
    b.wait_prop(b_a, 'Call', 'State', 'disconnected', 10)
    ok('the held party hung up; the other call went on')

    # ---- 5: a waiting call rings once the line is free
    c_b, b_c = ohtest.active_call(c, b, '1002')
    a_b, b_a = ohtest.incoming_call(a, b, '1002', 'waiting')
    c.call(c_b, 'Call', 'Hangup')
    b.wait_prop(b_c, 'Call', 'State', 'disconnected', 10)
    b.wait_prop(b_a, 'Call', 'State', 'incoming', 5)
    b.call(b_a, 'Call', 'Answer')
    a.wait_prop(a_b, 'Call', 'State', 'active', 10)
    b.call(b_a, 'Call', 'Hangup')
    a.wait_prop(a_b, 'Call', 'State', 'disconnected', 10)
    ok('a waiting call turns incoming when the line is free')

    # ---- 6: call waiting switched off
    b.call(acc_b, 'Account', 'Update', GLib.Variant('(a{sv})', ({'call-waiting': GLib.Variant('b', False)},)))
    c_b, b_c = ohtest.active_call(c, b, '1002')
    a_b = a.dial('1002')
    a.wait_prop(a_b, 'Call', 'State', 'disconnected', 10)
    check(a.get(a_b, 'Call', 'SipStatus') == 486 and
          a.get(a_b, 'Call', 'DisconnectReason') == 'busy',
          'with call-waiting=false a second call gets 486 (busy)')
    check(b.get(b_c, 'Call', 'State') == 'active', 'and the call in progress is untouched')
    c.call(c_b, 'Call', 'Hangup')
    b.wait_prop(b_c, 'Call', 'State', 'disconnected', 10)
    ok('call-waiting=false refuses a second call')
