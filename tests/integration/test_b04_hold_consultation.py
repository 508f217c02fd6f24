# SPDX-License-Identifier: LGPL-2.1-or-later
"""b04-hold-consultation: the Cisco guide's Appendix B "call hold with
consultation" flow.

Three phones registered with Kamailio: A 1001, B 1002, C 1003.

1. A talks to B, holds B (B sees RemoteHeld), dials C and talks to C (tones
   both ways, B hears neither), hangs up C, resumes B: A and B hear each
   other again.
2. The desk-phone shortcut: A talks to B and dials C without holding B
   first: the call with B goes `held` by itself before C answers.
3. The line limit (max-calls=2 here): with those two calls up, a third
   Dial gets Busy and nothing changes.

Run: OFFHOOKD=build/daemon/offhookd /usr/bin/python3 tests/integration/test_b04_hold_consultation.py
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ohtest  # noqa: E402
from ohtest import check, ok  # noqa: E402

ohtest.isolate()

with ohtest.Fixture('b04-hold-consultation', timeout=170) as fx:
    kam, pulse, [(a, acc_a), (b, acc_b), (c, acc_c)] = ohtest.registered_phones(
        fx, 3, extra_config={'sip': {'max-calls': 2}})
    ok('three phones registered')

    # ---- 1: hold, consult, hang up, resume
    a_b, b_a = ohtest.active_call(a, b, '1002')
    a.call(a_b, 'Call', 'Hold')
    check(a.get(a_b, 'Call', 'State') == 'held', 'A holds B')
    b.wait_prop(b_a, 'Call', 'RemoteHeld', True, 5)
    a_c, c_a = ohtest.active_call(a, c, '1003')
    check(a.get(a_b, 'Call', 'State') == 'held', 'B stays held while A consults C')
    ohtest.tones_both_ways(pulse, a, c, 'A consults C')
    tone = pulse.play_tone(a.mic, 1000)
    try:
        check(pulse.wait_for_tone(c.spk + '.monitor', 1000, 300, 10), 'C hears A again')
        samples = pulse.record(b.spk + '.monitor', 1.0)
    finally:
        tone.stop()
    heard = ohtest.tone_ms(samples, 8000, 1000)
    check(heard == 0, f'meanwhile the held party B does not hear A ({heard} ms of 1 kHz)')
    a.call(a_c, 'Call', 'Hangup')
    c.wait_prop(c_a, 'Call', 'State', 'disconnected', 10)
    a.call(a_b, 'Call', 'Resume')
    b.wait_prop(b_a, 'Call', 'RemoteHeld', False, 5)
    ohtest.tones_both_ways(pulse, a, b, 'A back with B')
    ok('hold, consultation call, resume')

    # ---- 2: dialling during a call holds it
    a_c = a.dial('1003')
    a.wait_prop(a_b, 'Call', 'State', 'held', 10)
    b.wait_prop(b_a, 'Call', 'RemoteHeld', True, 5)
    ok('dialling a second call put the first on hold by itself')
    before = a.get(None, 'Manager', 'Calls')
    msg = a.expect_dbus_error('Busy', a.dial, '1003')
    check('2 lines' in msg, f'a third call beyond max-calls=2 gets Busy ({msg})')
    check(a.get(None, 'Manager', 'Calls') == before, 'and no call was added')
    a.call(a_c, 'Call', 'Hangup')
    a.wait_prop(a_c, 'Call', 'State', 'disconnected', 10)
    a.call(a_b, 'Call', 'Hangup')
    b.wait_prop(b_a, 'Call', 'State', 'disconnected', 10)
