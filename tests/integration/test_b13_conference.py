# SPDX-License-Identifier: LGPL-2.1-or-later
"""b13-three-way: the Cisco guide's Appendix B three-way calling flow, mixed
by the phone itself (Manager.Conference).

Three phones registered with Kamailio: A 1001 (the conference host), B 1002,
C 1003.

1. A talks to B, dials C (B goes on hold by itself), C answers; A joins both
   calls: both get Multiparty, B is resumed (RemoteHeld false).
2. Everyone hears everyone: a 1000 Hz tone into A's microphone comes out of
   B's and C's speakers, 600 Hz into B's out of A's and C's (C hears B only
   through A's mixing), 1400 Hz into C's out of A's and B's.
3. Bad input: Conference with one call, or with an unknown one, gets
   InvalidArguments / NotFound.
4. C hangs up: A's call with B is an ordinary call again (Multiparty false)
   and A and B still hear each other.

Run: OFFHOOKD=build/daemon/offhookd /usr/bin/python3 tests/integration/test_b13_conference.py
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ohtest  # noqa: E402
from ohtest import check, ok  # noqa: E402

ohtest.isolate()

FREQ = {'a': 1000, 'b': 600, 'c': 1400}


def heard_by_all(pulse, speaker, listeners):
    """A tone into speaker's microphone must come out of every listener's
    speaker."""
    tone = pulse.play_tone(speaker.mic, FREQ[speaker.name])
    try:
        for listener in listeners:
            check(pulse.wait_for_tone(listener.spk + '.monitor', FREQ[speaker.name], 400, 15),
                  f'{FREQ[speaker.name]} Hz into {speaker.mic} heard on {listener.spk} '
                  f'({pulse.last_tone_ms} ms)')
    finally:
        tone.stop()


with ohtest.Fixture('b13-three-way', timeout=200) as fx:
    kam, pulse, [(a, acc_a), (b, acc_b), (c, acc_c)] = ohtest.registered_phones(fx, 3)
    ok('three phones registered')

    # ---- 1: two calls, then one conference
    a_b, b_a = ohtest.active_call(a, b, '1002')
    a_c, c_a = ohtest.active_call(a, c, '1003')
    a.wait_prop(a_b, 'Call', 'State', 'held', 10)
    a.call(None, 'Manager', 'Conference', ([a_b, a_c],), 'ao')
    for call in (a_b, a_c):
        a.wait_prop(call, 'Call', 'Multiparty', True, 5)
    a.wait_prop(a_b, 'Call', 'State', 'active', 10)
    b.wait_prop(b_a, 'Call', 'RemoteHeld', False, 5)
    check(a.get(a_c, 'Call', 'State') == 'active', 'C stays active while B is resumed')
    ok('Conference joined both calls and resumed B')

    # ---- 2: who hears whom
    heard_by_all(pulse, a, [b, c])
    heard_by_all(pulse, b, [a, c])
    heard_by_all(pulse, c, [a, b])
    ok('everyone hears everyone')

    # ---- 3: bad input
    a.expect_dbus_error('InvalidArguments', a.call, None, 'Manager', 'Conference', ([a_b, a_b],), 'ao')
    a.expect_dbus_error('NotFound', a.call, None, 'Manager', 'Conference',
                        ([a_b, '/org/offhook/Phone1/Call/99'],), 'ao')
    ok('Conference refuses one call and unknown calls')

    # ---- 4: one leg leaves
    c.call(c_a, 'Call', 'Hangup')
    a.wait_prop(a_c, 'Call', 'State', 'disconnected', 10)
    a.wait_prop(a_b, 'Call', 'Multiparty', False, 5)
    check(a.get(a_b, 'Call', 'State') == 'active', 'A\'s call with B goes on')
    ohtest.tones_both_ways(pulse, a, b, 'A and B after C left')
    ok('C hung up; A and B talk on')
    a.call(a_b, 'Call', 'Hangup')
    b.wait_prop(b_a, 'Call', 'State', 'disconnected', 10)
