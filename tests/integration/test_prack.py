# SPDX-License-Identifier: LGPL-2.1-or-later
"""prack: incoming calls with reliable provisional responses (RFC 3262).

One offhookd without any account; SIPp callers (uac-100rel.xml) call it
direct-IP:

1. An INVITE with Require: 100rel is not refused with 420: the phone rings
   with a reliable 180 (Require: 100rel, RSeq), takes the caller's PRACK
   (200 OK), and Answer connects the call; the caller hangs up.
2. The same with only Supported: 100rel: the 180 is reliable too.
SIPp checks the wire (its exit status), the test the D-Bus states.

Run: OFFHOOKD=build/daemon/offhookd /usr/bin/python3 tests/integration/test_prack.py
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ohtest  # noqa: E402
from ohtest import check, ok  # noqa: E402

ohtest.isolate()

PHONE_PORT = 5062

with ohtest.Fixture('prack', timeout=60) as fx:
    a = ohtest.Phone(fx, 'a', ohtest.Bus(fx), ohtest.Pulse(fx, sinks=['mic_a', 'spk_a']), PHONE_PORT)

    for n, feature in enumerate(('Require', 'Supported')):
        added = a.watch_signal(None, 'Manager', 'CallAdded')
        uac = ohtest.Sipp(fx, 'uac-100rel.xml', name=f'uac-{feature.lower()}', timeout=20,
                          args=['-s', 'alice', '-key', 'feature', feature, '-key', 'hold_ms', '2000',
                                '-mi', '127.0.0.1', '-mp', str(16900 + 10 * n)],
                          remote=f'127.0.0.1:{PHONE_PORT}')
        call = added.wait(10)[0]
        added.close()
        a.wait_prop(call, 'Call', 'State', 'incoming', 5)
        a.call(call, 'Call', 'Answer')
        a.wait_prop(call, 'Call', 'State', 'active', 5)
        a.wait_prop(call, 'Call', 'State', 'disconnected', 10)
        reason = a.get(call, 'Call', 'DisconnectReason')
        check(reason == 'remote-hangup', f'{feature}: 100rel: the caller hung up ({reason})')
        status = uac.wait()
        check(status == 0, f'{feature}: 100rel: a reliable 180 (Require: 100rel, RSeq), the PRACK '
              f'answered 200, then the 200 OK to the INVITE (SIPp exit {status}: {uac.errors()[-400:]})')
        ok(f'{feature}: 100rel gets a reliable 180 and its PRACK is answered')
    ok('prack: all checks passed')
