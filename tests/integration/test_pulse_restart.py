# SPDX-License-Identifier: LGPL-2.1-or-later
"""pulse-restart: PulseAudio dies mid-call; the call survives, audio returns.

Two phones registered to Kamailio share one private PulseAudio. During an
active call with tones flowing both ways, the sound server is killed
(SIGKILL, as a crash) and started again on the same socket. The call must
stay active on both phones, SIP untouched, and within a few seconds of the
server being back each phone hears the other again. A tone (PlayTone) that
was playing comes back too.

Run: OFFHOOKD=build/daemon/offhookd /usr/bin/python3 tests/integration/test_pulse_restart.py
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ohtest  # noqa: E402
from ohtest import check, ok  # noqa: E402

ohtest.isolate()



with ohtest.Fixture('pulse-restart', timeout=150) as fx:
    kam = ohtest.Kamailio(fx)
    pulse = ohtest.Pulse(fx, sinks=['mic_a', 'spk_a', 'mic_b', 'spk_b'])
    a, acc_a = ohtest.registered_phone(fx, 'a', pulse, kam, '1001', 5062)
    b, acc_b = ohtest.registered_phone(fx, 'b', pulse, kam, '1002', 5064)
    ok('both phones registered')

    call_a, call_b = ohtest.active_call(a, b, '1002')
    ohtest.tones_both_ways(pulse, a, b, 'before', timeout=10)

    pulse.restart()
    ok('PulseAudio was killed and started again')
    ohtest.tones_both_ways(pulse, a, b, 'after the restart')
    check(a.get(call_a, 'Call', 'State') == 'active' and
          b.get(call_b, 'Call', 'State') == 'active', 'the call stayed active on both phones')
    check(a.proc.alive() and b.proc.alive(), 'both daemons still run')

    a.call(None, 'Manager', 'PlayTone', ('dial', 0), 'su')
    check(pulse.wait_for_tone(a.spk + '.monitor', 350, 400, 5, threshold=0.2),
          'a tone plays after the restart')
    pulse.restart()
    check(pulse.wait_for_tone(a.spk + '.monitor', 350, 400, 15, threshold=0.2),
          'the tone comes back after a second restart')
    a.call(None, 'Manager', 'StopTone')
    a.call(call_a, 'Call', 'Hangup')
    b.wait_prop(call_b, 'Call', 'State', 'disconnected', 5)
    ok('pulse-restart: all checks passed')
