# SPDX-License-Identifier: LGPL-2.1-or-later
"""baresip-media: G.722, Opus and DTMF against an independent softphone.

offhookd (A, 1001) and Debian's baresip (B, 1002) register with Kamailio
(driver: baresip.py). For G.722 and for Opus, baresip offering only that
codec: A dials B, B accepts, A shows the codec, a tone goes each way. In
the last call DTMF goes both ways: A's SendDtmf("12#") reaches baresip as
RFC 4733 events (its CALL_DTMF_START events, in order, once each) and
baresip's digit 4 (command sndcode) reaches A as DtmfReceived('4').

Run: OFFHOOKD=build/daemon/offhookd /usr/bin/python3 tests/integration/test_baresip_media.py
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ohtest  # noqa: E402
from baresip import Baresip  # noqa: E402
from ohtest import check, ok  # noqa: E402

ohtest.isolate()



with ohtest.Fixture('baresip-media', timeout=170) as fx:
    kam = ohtest.Kamailio(fx)
    pulse = ohtest.Pulse(fx, sinks=['mic_a', 'spk_a', 'mic_b', 'spk_b'])
    a, acc_a = ohtest.registered_phone(fx, 'a', pulse, kam, '1001', 5062,
                                       codecs=['g722', 'opus', 'pcmu'])
    ok('offhookd registered as 1001, offering G.722, Opus, PCMU')

    for i, (codec, expected) in enumerate((('g722', 'G722/8000'), ('opus', 'opus/48000'))):
        b = Baresip(fx, pulse, kam, '1002', 'pw1002', codec=codec,
                    sip_port=5080 + 2 * i, ctrl_port=4444 + i, name=f'baresip-{codec}')
        m = b.mark()
        b.command('uanew', b.account)
        b.wait_event('REGISTER_OK', 15, m)
        m = b.mark()
        call_a = a.dial('1002')
        b.wait_event('CALL_INCOMING', 10, m)
        b.command('accept')
        b.wait_event('CALL_ESTABLISHED', 10, m)
        a.wait_prop(call_a, 'Call', 'State', 'active', 10)
        check(a.get(call_a, 'Call', 'Codec') == expected, f'{codec}: A shows {expected}')
        ohtest.tones_both_ways(pulse, a, b, codec)

        if codec == 'opus':
            m = b.mark()
            a.call(call_a, 'Call', 'SendDtmf', ('12#',), 's')
            keys = []
            for _ in range(3):
                ev, m = b.wait_event('CALL_DTMF_START', 10, m)
                keys.append(ev.get('param', ''))
            check(keys == ['1', '2', '#'], f'A\'s DTMF reaches baresip as {keys}')
            watch = a.watch_signal(call_a, 'Call', 'DtmfReceived')
            b.command('sndcode', '4')
            got = watch.wait(10)[0]
            watch.close()
            check(got == '4', f'baresip\'s DTMF 4 reaches A ({got})')
        m = b.mark()
        a.call(call_a, 'Call', 'Hangup')
        b.wait_event('CALL_CLOSED', 10, m)
        b.stop()
        ok(f'{codec}: call with baresip')
    ok('baresip-media: all checks passed')
