# SPDX-License-Identifier: LGPL-2.1-or-later
"""Call transfer, the Cisco guide's Appendix B flows (RFC 5589):

  b06-blind-transfer     test_transfer.py blind
  b08-attended-transfer  test_transfer.py attended

Three phones registered with Kamailio: A 1001 (the transferee), B 1002 (the
transferor), C 1003 (the target).

blind: A calls B; B Transfer()s A to C. On the wire B holds A, then sends
REFER (Refer-To C, Referred-By B); A takes it (202), calls C with
Referred-By and reports by NOTIFY (message/sipfrag). C answers: Transfer()
returns, B's call ends `transferred`, A's old call ends `transferred`, and A
and C hear each other. Then the failing case: C refuses (486), Transfer()
fails with a message naming 486, and B's call with A stays `held` until B
resumes it and they talk again.

attended: A calls B; B calls C (A goes on hold by itself), C answers; B
TransferToCall()s A's call to C's: the REFER's Refer-To carries Replaces
with the B-C dialog; A's INVITE with Replaces reaches C, which takes it at
once in place of its call with B (no ringing). All of B's calls end
`transferred`, A and C hear each other. An INVITE whose Replaces matches no
call gets 481 (SIPp).

Run: OFFHOOKD=build/daemon/offhookd /usr/bin/python3 tests/integration/test_transfer.py blind|attended
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ohtest  # noqa: E402
from ohtest import check, ok  # noqa: E402

FLOW = sys.argv[1] if len(sys.argv) > 1 else ''
if FLOW not in ('blind', 'attended'):
    sys.exit('usage: test_transfer.py blind|attended')

ohtest.isolate()

PORTS = (5060, 5062, 5064, 5066)
FIELDS = ['frame.number', 'sip.Method', 'sip.Refer-To', 'sip.Referred-by', 'sip.Replaces',
          'sip.Event', 'sipfrag.line']


def new_call(watch, timeout=10):
    return watch.wait(timeout)[0]


def wire(cap, method):
    rows = cap.packets(f'sip.Method == "{method}"', FIELDS)
    return rows


with ohtest.Fixture(f'transfer-{FLOW}', timeout=200) as fx:
    cap = ohtest.Capture(fx, filter=' or '.join(f'udp port {p}' for p in PORTS), sip_ports=PORTS)
    kam, pulse, [(a, acc_a), (b, acc_b), (c, acc_c)] = ohtest.registered_phones(fx, 3)
    ok('three phones registered')

    a_b, b_a = ohtest.active_call(a, b, '1002')
    added_a = a.watch_signal(None, 'Manager', 'CallAdded')
    added_c = c.watch_signal(None, 'Manager', 'CallAdded')

    if FLOW == 'blind':
        # B's Transfer() returns only when the transfer is over: run it async
        pending = b.call_async(b_a, 'Call', 'Transfer', ('1003',), 's')
        a_c = new_call(added_a)
        check(a.get(a_c, 'Call', 'RemoteUri').startswith('sip:1003@'),
              f'A calls the transfer target ({a.get(a_c, "Call", "RemoteUri")})')
        c_a = new_call(added_c)
        c.wait_prop(c_a, 'Call', 'State', 'incoming', 10)
        check(b.get(b_a, 'Call', 'State') == 'held', 'B holds A while the transfer goes on')
        c.call(c_a, 'Call', 'Answer')
        pending.result(15)
        ok('Transfer() returned once C answered')
    else:
        added_c.close()
        b_c, c_b = ohtest.active_call(b, c, '1003')
        added_c = c.watch_signal(None, 'Manager', 'CallAdded')
        b.wait_prop(b_a, 'Call', 'State', 'held', 10)
        b.call(b_a, 'Call', 'TransferToCall', (b_c,), 'o', timeout=15)
        ok('TransferToCall() returned')
        a_c = new_call(added_a)
        c_a = new_call(added_c)
        c.wait_prop(c_a, 'Call', 'State', 'active', 10)
        c.wait_prop(c_b, 'Call', 'State', 'disconnected', 10)
        check(c.get(c_b, 'Call', 'DisconnectReason') == 'transferred',
              'C\'s call with B ended `transferred`: the new one replaced it')
        b.wait_prop(b_c, 'Call', 'State', 'disconnected', 10)
        check(b.get(b_c, 'Call', 'DisconnectReason') == 'transferred',
              'B\'s consultation call ended `transferred`')

    a.wait_prop(a_c, 'Call', 'State', 'active', 10)
    b.wait_prop(b_a, 'Call', 'State', 'disconnected', 10)
    check(b.get(b_a, 'Call', 'DisconnectReason') == 'transferred', 'B\'s call with A ended `transferred`')
    a.wait_prop(a_b, 'Call', 'State', 'disconnected', 10)
    check(a.get(a_b, 'Call', 'DisconnectReason') == 'transferred', 'A\'s old call ended `transferred`')
    ohtest.tones_both_ways(pulse, a, c, 'A and C after the transfer')
    ok(f'{FLOW} transfer: A talks to C')

    refers = wire(cap, 'REFER')
    check(len(refers) >= 1, f'a REFER went out ({len(refers)} seen on the wire)')
    refer = refers[0]
    check('1003' in refer['sip.Refer-To'] and '1002' in refer['sip.Referred-by'],
          f'Refer-To names C and Referred-By names B ({refer["sip.Refer-To"]!r}, '
          f'{refer["sip.Referred-by"]!r})')
    if FLOW == 'attended':
        check('Replaces=' in refer['sip.Refer-To'], 'the Refer-To carries Replaces')
    invites = [r for r in wire(cap, 'INVITE') if r['sip.Referred-by']]
    check(invites and '1002' in invites[0]['sip.Referred-by'],
          'A\'s INVITE to C carries Referred-By B')
    if FLOW == 'attended':
        check(invites[0]['sip.Replaces'], f'and Replaces ({invites[0]["sip.Replaces"]!r})')
    frags = [r['sipfrag.line'] for r in wire(cap, 'NOTIFY') if 'refer' in r['sip.Event']]
    check(frags and frags[0].startswith('SIP/2.0 100') and frags[-1].startswith('SIP/2.0 200'),
          f'A reported progress by NOTIFY sipfrag, 100 first and 200 last ({frags})')
    ok('REFER, Referred-By, Replaces and NOTIFY on the wire')

    a.call(a_c, 'Call', 'Hangup')
    c.wait_prop(c_a, 'Call', 'State', 'disconnected', 10)

    if FLOW == 'blind':
        # ---- the target refuses
        a_b, b_a = ohtest.active_call(a, b, '1002')
        pending = b.call_async(b_a, 'Call', 'Transfer', ('1003',), 's')
        c_a = new_call(added_c)
        c.wait_prop(c_a, 'Call', 'State', 'incoming', 10)
        c.call(c_a, 'Call', 'Hangup')
        err = pending.error(15)
        check(err and 'Failed' in err[0] and '486' in err[1],
              f'Transfer() fails naming the target\'s answer ({err})')
        check(b.get(b_a, 'Call', 'State') == 'held', 'B\'s call with A stays held')
        check(a.get(a_b, 'Call', 'State') == 'active', 'A\'s call with B goes on')
        b.call(b_a, 'Call', 'Resume')
        ohtest.tones_both_ways(pulse, a, b, 'A and B after the failed transfer')
        ok('a refused transfer leaves the call held, and it resumes')
    else:
        # ---- Replaces that matches nothing
        uac = ohtest.Sipp(fx, 'uac-replaces.xml', name='uac-replaces', timeout=20,
                          args=['-s', '1003', '-mi', '127.0.0.1', '-mp', '16700'],
                          remote=f'127.0.0.1:{c.sip_port}')
        check(uac.wait() == 0, 'an INVITE with an unknown Replaces gets 481')
    added_a.close()
    added_c.close()
