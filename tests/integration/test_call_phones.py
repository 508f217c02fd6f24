# SPDX-License-Identifier: LGPL-2.1-or-later
"""call-phones: two offhookd registered to Kamailio call each other.

A 1 kHz tone played into A's microphone must come out of B's speaker and a
600 Hz tone into B's microphone out of A's speaker; then one side hangs up
(B first, then in a second call A) and both see the call end with the right
DisconnectReason. Statistics must show packets both ways.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ohtest  # noqa: E402
from ohtest import check, ok  # noqa: E402

ohtest.isolate()


def call_once(a, b, pulse, hangup_side):
    added = b.watch_signal(None, 'Manager', 'CallAdded')
    call_a = a.dial('1002')
    check(a.get(call_a, 'Call', 'State') in ('dialing', 'alerting'), 'Dial returns a call in dialing')
    a.wait_prop(call_a, 'Call', 'State', 'alerting', 10)
    ok('A sees the far end ring (alerting)')
    call_b = added.wait(10)[0]
    added.close()
    b.wait_prop(call_b, 'Call', 'State', 'incoming', 5)
    check(b.get(call_b, 'Call', 'Direction') == 'incoming', 'B sees an incoming call')
    check('1001' in b.get(call_b, 'Call', 'RemoteUri'), 'B sees the caller 1001')
    b.call(call_b, 'Call', 'Answer')
    b.wait_prop(call_b, 'Call', 'State', 'active', 10)
    a.wait_prop(call_a, 'Call', 'State', 'active', 10)
    check(a.get(call_a, 'Call', 'Codec') == 'PCMU/8000', 'codec is PCMU/8000')
    check(a.get(call_a, 'Call', 'ConnectTime') > 0, 'ConnectTime is set')
    check(a.get(call_a, 'Call', 'SipCallId') == b.get(call_b, 'Call', 'SipCallId'),
          'both sides show the same Call-ID')
    ok('call is active on both phones')

    tone_a = pulse.play_tone(a.mic, 1000)
    tone_b = pulse.play_tone(b.mic, 600)
    check(pulse.wait_for_tone(b.spk + '.monitor', 1000, 400, 15), '1 kHz from A\'s mic heard on B\'s speaker')
    check(pulse.wait_for_tone(a.spk + '.monitor', 600, 400, 15), '600 Hz from B\'s mic heard on A\'s speaker')
    check(not pulse.wait_for_tone(a.spk + '.monitor', 1000, 200, 1.5), 'A does not hear its own tone')
    tone_a.stop()
    tone_b.stop()

    stats = a.wait_prop(call_a, 'Call', 'Statistics',
                        lambda s: s.get('packets-sent', 0) > 20 and s.get('packets-received', 0) > 20, 5)
    ok('A statistics: %d sent, %d received' % (stats['packets-sent'], stats['packets-received']))

    if hangup_side == 'b':
        b.call(call_b, 'Call', 'Hangup')
        b.wait_prop(call_b, 'Call', 'DisconnectReason', 'local-hangup', 5)
        a.wait_prop(call_a, 'Call', 'DisconnectReason', 'remote-hangup', 5)
    else:
        a.call(call_a, 'Call', 'Hangup')
        a.wait_prop(call_a, 'Call', 'DisconnectReason', 'local-hangup', 5)
        b.wait_prop(call_b, 'Call', 'DisconnectReason', 'remote-hangup', 5)
    check(a.get(call_a, 'Call', 'State') == 'disconnected', 'A disconnected')
    check(b.get(call_b, 'Call', 'State') == 'disconnected', 'B disconnected')
    ok('hang up from %s ends the call on both phones' % hangup_side.upper())
    removed = a.watch_signal(None, 'Manager', 'CallRemoved')
    check(removed.wait(10)[0] == call_a, 'the call object is removed after it ended')
    removed.close()


with ohtest.Fixture('call-phones', timeout=150) as fx:
    kam = ohtest.Kamailio(fx)
    pulse = ohtest.Pulse(fx, sinks=['mic_a', 'spk_a', 'mic_b', 'spk_b'])
    a, acc_a = ohtest.registered_phone(fx, 'a', pulse, kam, '1001', 5062)
    b, acc_b = ohtest.registered_phone(fx, 'b', pulse, kam, '1002', 5064)
    ok('both phones registered')

    call_once(a, b, pulse, 'b')
    call_once(a, b, pulse, 'a')
