# SPDX-License-Identifier: LGPL-2.1-or-later
"""dtmf: digits reach the far end exactly once, whatever the method.

Two offhookd registered to Kamailio (A 1001, B 1002); one call per case,
A's account ``dtmf`` set by Account.Update:

- rfc4733: A SendDtmf("159,#*0D") -> B's DtmfReceived gives exactly
  1 5 9 # * 0 D, in order, nothing doubled, and the ',' holds the next digit
  back at least 400 ms; then B -> A "2468" the same way (B's default).
- info: the same digits in SIP INFO (application/dtmf-relay).
- inband: A offers no telephone-event, so both fall back to tones in the
  voice (dtmfsrc mixed in, dtmfdetect on the far end): "3#7".
- bad input: SendDtmf("12x") -> InvalidArguments naming 'x' at position 3;
  "" -> InvalidArguments; after hang-up -> InvalidState.

Against SIPp (uas-dtmf.xml, called through A's account): SIPp sends INFO dtmf-relay "5",
INFO application/dtmf "7" (both answered 200) and the RFC 2833 capture of
digit 1 that SIPp ships; A reports 5 7 1. A then sends "4" by INFO, which
SIPp checks (Signal=4) before hanging up.

Run: OFFHOOKD=build/daemon/offhookd /usr/bin/python3 tests/integration/test_dtmf.py
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ohtest  # noqa: E402
from ohtest import GLib, check, ok  # noqa: E402

ohtest.isolate()

def set_dtmf(phone, account, method):
    phone.call(account, 'Account', 'Update',
               GLib.Variant.new_tuple(ohtest.variant_dict({'dtmf': method})))


def send_and_expect(sender, send_call, receiver, recv_call, digits, label):
    expected = digits.replace(',', '').upper()
    watch = receiver.watch_signal(recv_call, 'Call', 'DtmfReceived')
    sender.call(send_call, 'Call', 'SendDtmf', (digits,), 's')
    arrivals = watch.collect(len(expected), 15)
    # quiet period: a doubled digit would arrive within a digit's time
    extra = watch.collect(len(expected) + 1, 1.5)
    watch.close()
    got = ''.join(args[0] for args, _ in arrivals)
    check(got == expected and len(extra) == len(expected),
          f'{label}: {digits!r} arrives as {got!r}, each digit once '
          f'({len(extra)} signals in all)')
    if ',' in digits:
        before = len(digits.split(',')[0])
        gap = arrivals[before][1] - arrivals[before - 1][1]
        check(gap >= 0.4, f'{label}: the \',\' pauses ({gap * 1000:.0f} ms '
              'between the digits around it)')


with ohtest.Fixture('dtmf', timeout=170) as fx:
    kam = ohtest.Kamailio(fx)
    pulse = ohtest.Pulse(fx, sinks=['mic_a', 'spk_a', 'mic_b', 'spk_b'])
    a, acc_a = ohtest.registered_phone(fx, 'a', pulse, kam, '1001', 5062)
    b, acc_b = ohtest.registered_phone(fx, 'b', pulse, kam, '1002', 5064)
    ok('both phones registered')

    for method, digits in (('rfc4733', '159,#*0D'), ('info', '159,#*0D'),
                           ('inband', '3#7')):
        set_dtmf(a, acc_a, method)
        call_a, call_b = ohtest.active_call(a, b, '1002')
        send_and_expect(a, call_a, b, call_b, digits, f'{method} A -> B')
        if method == 'rfc4733':
            send_and_expect(b, call_b, a, call_a, '2468', 'rfc4733 B -> A')
            msg = a.expect_dbus_error('InvalidArguments', a.call, call_a,
                                      'Call', 'SendDtmf', ('12x',), 's')
            check("'x'" in msg and '3' in msg,
                  f'a bad digit is refused by name and place ({msg})')
            msg = a.expect_dbus_error('InvalidArguments', a.call, call_a,
                                      'Call', 'SendDtmf', ('',), 's')
            ok(f'no digits are refused ({msg})')
        a.call(call_a, 'Call', 'Hangup')
        b.wait_prop(call_b, 'Call', 'State', 'disconnected', 5)
        if method == 'rfc4733':
            msg = a.expect_dbus_error('InvalidState', a.call, call_a, 'Call',
                                      'SendDtmf', ('1',), 's')
            ok(f'DTMF on an ended call is refused ({msg})')
        ok(f'{method}: digits sent and received')

    # ---- SIPp: INFO both content types and an RFC 2833 capture
    set_dtmf(a, acc_a, 'info')
    uas = ohtest.Sipp(fx, 'uas-dtmf.xml', name='uas-dtmf', timeout=30,
                      args=['-mi', '127.0.0.1', '-mp', '16400'])
    uas.wait_bound()
    added = a.watch_signal(None, 'Manager', 'CallAdded')
    # through A's account (Kamailio relays it), so that A sends by INFO
    call = a.dial(f'sip:ivr@127.0.0.1:{uas.local_port}',
                  account=GLib.Variant('o', acc_a))
    watch = a.watch_signal(call, 'Call', 'DtmfReceived')
    arrivals = watch.collect(3, 15)
    got = ''.join(args[0] for args, _ in arrivals)
    check(got == '571', f'SIPp\'s INFO dtmf-relay 5, INFO dtmf 7 and RFC 2833 '
          f'digit 1 arrive as {got!r}')
    a.call(call, 'Call', 'SendDtmf', ('4',), 's')
    a.wait_prop(call, 'Call', 'DisconnectReason', 'remote-hangup', 10)
    check(uas.wait() == 0, 'SIPp got our INFO with Signal=4 and ended the call '
          f'({uas.errors()[-300:]})')
    watch.close()
    added.close()
    ok('dtmf: all checks passed')
