# SPDX-License-Identifier: LGPL-2.1-or-later
"""codecs: every codec between two offhookd, negotiated by the rules.

Two phones registered to Kamailio call each other once per case; each case
sets both accounts' ``codecs`` (Account.Update) and checks the Codec both
phones show, then a tone both ways through their PulseAudio null devices.

- PCMA only on both sides: PCMA/8000.
- G.722 offered first by the caller, answerer prefers PCMU: the answer
  follows the offer's order (RFC 3264), so G722/8000; a 5 kHz tone, which
  no narrowband codec can carry, comes through (recorded at 16 kHz).
- Opus only where the caller lists it last and the answerer has nothing
  else: opus/48000, 5 kHz tone again (wideband for real).
- PCMU vs a list without it: the answerer has only PCMA, the caller offers
  PCMU then PCMA: PCMA/8000.
- An account codecs list naming an unknown codec is refused with
  InvalidArguments that names it.

Run: OFFHOOKD=build/daemon/offhookd /usr/bin/python3 tests/integration/test_codecs.py
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ohtest  # noqa: E402
from ohtest import check, ok  # noqa: E402

ohtest.isolate()


def set_codecs(phone, account, codecs):
    phone.call(account, 'Account', 'Update',
               ohtest.GLib.Variant.new_tuple(ohtest.variant_dict({'codecs': codecs})))



def call_with(a, acc_a, codecs_a, b, acc_b, codecs_b, pulse, expected,
              wideband):
    set_codecs(a, acc_a, codecs_a)
    set_codecs(b, acc_b, codecs_b)
    label = f'{",".join(codecs_a)} -> {",".join(codecs_b)}'
    call_a, call_b = ohtest.active_call(a, b, '1002')
    b.wait_prop(call_b, 'Call', 'State', 'active', 10)
    codec_a = a.wait_prop(call_a, 'Call', 'Codec', lambda c: c != '', 5)
    codec_b = b.get(call_b, 'Call', 'Codec')
    check(codec_a == expected and codec_b == expected,
          f'{label}: both phones show {expected} (A {codec_a}, B {codec_b})')
    if wideband:
        ohtest.tones_both_ways(pulse, a, b, label, (5000, 6000), rate=16000)
    else:
        ohtest.tones_both_ways(pulse, a, b, label)
    a.call(call_a, 'Call', 'Hangup')
    b.wait_prop(call_b, 'Call', 'State', 'disconnected', 5)
    a.wait_prop(call_a, 'Call', 'State', 'disconnected', 5)


with ohtest.Fixture('codecs', timeout=170) as fx:
    kam = ohtest.Kamailio(fx)
    pulse = ohtest.Pulse(fx, sinks=['mic_a', 'spk_a', 'mic_b', 'spk_b'])
    a, acc_a = ohtest.registered_phone(fx, 'a', pulse, kam, '1001', 5062)
    b, acc_b = ohtest.registered_phone(fx, 'b', pulse, kam, '1002', 5064)
    ok('both phones registered')

    call_with(a, acc_a, ['pcma'], b, acc_b, ['pcma'], pulse, 'PCMA/8000', False)
    ok('PCMA call with audio both ways')
    call_with(a, acc_a, ['g722', 'pcmu'], b, acc_b, ['pcmu', 'g722'], pulse,
              'G722/8000', True)
    ok('G.722 call, chosen by the offer\'s order, carries wideband audio')
    call_with(a, acc_a, ['pcmu', 'opus'], b, acc_b, ['opus'], pulse,
              'opus/48000', True)
    ok('Opus call carries wideband audio')
    call_with(a, acc_a, ['pcmu', 'pcma'], b, acc_b, ['pcma'], pulse,
              'PCMA/8000', False)
    ok('the answerer picks the one codec both have')

    msg = ohtest.Phone.expect_dbus_error(
        'InvalidArguments', set_codecs, a, acc_a, ['pcmu', 'g729'])
    check('g729' in msg, f'an unknown codec is refused by name ({msg})')
    ok('codecs: all checks passed')
