# SPDX-License-Identifier: LGPL-2.1-or-later
"""early-media: a 183 with SDP plays the far end's audio instead of ringback.

One offhookd without any account (tone-country us: ringback is 440+480 Hz)
calls a SIPp callee direct-IP (uas-early-media.xml):

1. The INVITE says Supported: 100rel; the callee answers 183 Session
   Progress with SDP, Require: 100rel and RSeq: 1, and the phone PRACKs it
   (RAck: 1 <CSeq> INVITE), both checked by SIPp.
2. The call becomes `alerting`; the callee's announcement (a 1400 Hz tone,
   RTP from SIPp) comes out of the phone's speaker, and the local ringback
   (480 Hz) does not.
3. The 200 OK with the same SDP makes the call `active` and the same audio
   goes on without a new codec; Hangup sends BYE and SIPp ends cleanly.

Run: OFFHOOKD=build/daemon/offhookd /usr/bin/python3 tests/integration/test_early_media.py
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ohtest  # noqa: E402
from ohtest import GLib, check, ok  # noqa: E402

ohtest.isolate()

RATE = 8000
ANNOUNCEMENT_HZ = 1400
RINGBACK_HZ = 480


def ulaw(sample):
    """One s16 sample as G.711 mu-law."""
    sign = 0x80 if sample < 0 else 0
    magnitude = min(abs(sample), 32635) + 0x84
    exponent = max(magnitude.bit_length() - 8, 0)
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


def ulaw_tone(path, freq_hz, seconds):
    pcm = memoryview(ohtest.sine(freq_hz, seconds, RATE, 0.5)).cast('h')
    with open(path, 'wb') as f:
        f.write(bytes(ulaw(s) for s in pcm))


with ohtest.Fixture('early-media', timeout=90) as fx:
    pulse = ohtest.Pulse(fx, sinks=['mic_a', 'spk_a'])
    a = ohtest.Phone(fx, 'a', ohtest.Bus(fx), pulse, 5062,
                     extra_config={'audio': {'tone-country': 'us'}})
    ulaw_tone(fx.path('announcement.ulaw'), ANNOUNCEMENT_HZ, 1.0)  # SIPp's cwd

    uas = ohtest.Sipp(fx, 'uas-early-media.xml', timeout=40,
                      args=['-key', 'early_ms', '5000', '-mi', '127.0.0.1', '-mp', '16800'])
    uas.wait_bound()
    dialled = []
    # from before the INVITE on: not even a blip of ringback may sound
    samples = pulse.record(a.spk + '.monitor', 4.0, RATE, then=lambda: dialled.append(
        a.dial(f'sip:announcement@127.0.0.1:{uas.local_port}', account=GLib.Variant('o', '/'))))
    call = dialled[0]
    check(a.get(call, 'Call', 'State') == 'alerting', 'a reliable 183 with SDP makes the call alerting')
    heard = ohtest.tone_ms(samples, RATE, ANNOUNCEMENT_HZ, 0.2)
    ringback = ohtest.tone_ms(samples, RATE, RINGBACK_HZ, 0.2, block_ms=10)
    check(heard >= 1500, f'the far end\'s early audio ({ANNOUNCEMENT_HZ} Hz) plays '
          f'while the call is alerting ({heard} ms of 4000)')
    check(ringback == 0, f'no local ringback ({RINGBACK_HZ} Hz) at any time ({ringback} ms)')
    codec = a.get(call, 'Call', 'Codec')

    a.wait_prop(call, 'Call', 'State', 'active', 10)
    check(pulse.wait_for_tone(a.spk + '.monitor', ANNOUNCEMENT_HZ, 1000, 5),
          f'after the 200 OK the same audio goes on ({pulse.last_tone_ms} ms)')
    check(a.get(call, 'Call', 'Codec') == codec, f'the same media ({codec}) after the answer')
    a.call(call, 'Call', 'Hangup')
    a.wait_prop(call, 'Call', 'State', 'disconnected', 5)
    status = uas.wait()
    check(status == 0, f'SIPp saw Supported: 100rel, the PRACK with RAck 1 CSEQ INVITE, '
          f'the ACK and the BYE (exit {status}: {uas.errors()[-400:]})')
    ok('early-media: all checks passed')
