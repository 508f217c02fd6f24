# SPDX-License-Identifier: LGPL-2.1-or-later
"""silent-peer: a far end that answers but never sends RTP shows in Statistics.

Phone A (no account) calls a SIPp UAS directly (uas-answer.xml without
-rtp_echo: it answers with PCMU and sends no media at all). While the call is
active A keeps sending its microphone, and its Statistics say that nothing
comes back: ``packets-received`` 0, ``receiving`` false, a growing
``last-packet-age-ms`` and a MOS of 1, instead of a call that looks fine
and is silent. A hangs up and SIPp sees the BYE.

Run: OFFHOOKD=build/daemon/offhookd /usr/bin/python3 tests/integration/test_silent_peer.py
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ohtest  # noqa: E402
from ohtest import check, ok  # noqa: E402

ohtest.isolate()

with ohtest.Fixture('silent-peer', timeout=60) as fx:
    pulse = ohtest.Pulse(fx, sinks=['mic_a', 'spk_a'])
    a = ohtest.Phone(fx, 'a', ohtest.Bus(fx), pulse, sip_port=5062)
    uas = ohtest.Sipp(fx, 'uas-answer.xml', timeout=40, args=['-mi', '127.0.0.1', '-mp', '16000'])
    uas.wait_bound()
    tone = pulse.play_tone(a.mic, 1000)

    call = a.dial(f'sip:silent@127.0.0.1:{uas.local_port}')
    a.wait_prop(call, 'Call', 'State', 'active', 10)
    ok('the silent far end answered')
    stats = a.wait_prop(call, 'Call', 'Statistics',
                        lambda s: s.get('last-packet-age-ms', 0) >= 2500, 10)
    check(stats['packets-sent'] >= 50, f'A sends its microphone ({stats["packets-sent"]} packets)')
    check(stats['packets-received'] == 0, 'A received no RTP packet')
    check(stats['receiving'] is False, 'Statistics say A is not receiving')
    check(stats['mos'] == 1.0, f'the estimated MOS is 1 ({stats["mos"]})')
    check(a.get(call, 'Call', 'State') == 'active', 'the call itself is still active')
    tone.stop()

    a.call(call, 'Call', 'Hangup')
    a.wait_prop(call, 'Call', 'State', 'disconnected', 5)
    check(uas.wait(10) == 0, 'SIPp saw the call end with a BYE')
    ok('silent-peer: all checks passed')
