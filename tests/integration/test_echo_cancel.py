# SPDX-License-Identifier: LGPL-2.1-or-later
"""echo-cancel: the speakerphone cancels its echo, the handset has none to.

Phone A's routes are acoustic loops: each route's microphone is the monitor
of its own speaker (handset: spk_a, speaker: spk_a2), so whatever A plays
comes straight back into its microphone, as a speakerphone's sound does in
a room. B, the far end, talks (600 Hz into its microphone) and listens.

1. On the handset (echo cancellation off by default), B hears its own
   voice come back: the loop is real.
2. AudioRoute=speaker (on by default): once the canceller has settled, B
   hears (next to) nothing of itself, while A still hears B.
3. Back on the handset: the echo is back, the call never dropped.

Run: OFFHOOKD=build/daemon/offhookd /usr/bin/python3 tests/integration/test_echo_cancel.py
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ohtest  # noqa: E402
from ohtest import GLib, check, ok  # noqa: E402

ohtest.isolate()

RATE = 8000


def echo_ms(pulse, b, seconds):
    """ms of B's own 600 Hz coming back out of B's speaker."""
    return ohtest.tone_ms(pulse.record(b.spk + '.monitor', seconds, RATE), RATE, 600, 0.3)


with ohtest.Fixture('echo-cancel', timeout=150) as fx:
    kam = ohtest.Kamailio(fx)
    pulse = ohtest.Pulse(fx, sinks=['spk_a', 'spk_a2', 'mic_b', 'spk_b'])
    a, acc_a = ohtest.registered_phone(
        fx, 'a', pulse, kam, '1001', 5062,
        extra_config={'audio': {'handset-sink': 'spk_a', 'handset-source': 'spk_a.monitor',
                                'speaker-sink': 'spk_a2', 'speaker-source': 'spk_a2.monitor'}})
    b, acc_b = ohtest.registered_phone(fx, 'b', pulse, kam, '1002', 5064)
    ok('both phones registered')

    call_a, call_b = ohtest.active_call(a, b, '1002')
    voice = pulse.play_tone(b.mic, 600)

    check(pulse.wait_for_tone(b.spk + '.monitor', 600, 500, 10),
          'handset, no canceller: B hears its own voice come back')

    a.set(None, 'Manager', 'AudioRoute', GLib.Variant('s', 'speaker'))
    check(pulse.wait_for_tone('spk_a2.monitor', 600, 300, 10), 'speaker: A hears B')
    settled = echo_ms(pulse, b, 3.0)       # the canceller learns the room
    echo = echo_ms(pulse, b, 3.0)
    check(echo <= 300, f'speaker with the canceller: B hears {echo} ms of itself in 3 s '
          f'({settled} ms while it settled)')
    check(pulse.wait_for_tone('spk_a2.monitor', 600, 300, 5), 'and A still hears B')

    a.set(None, 'Manager', 'AudioRoute', GLib.Variant('s', 'handset'))
    check(pulse.wait_for_tone(b.spk + '.monitor', 600, 500, 10),
          'back on the handset: the echo is back')
    check(a.get(call_a, 'Call', 'State') == 'active', 'the call stayed up throughout')
    voice.stop()
    a.call(call_a, 'Call', 'Hangup')
    b.wait_prop(call_b, 'Call', 'State', 'disconnected', 5)
    ok('echo-cancel: all checks passed')
