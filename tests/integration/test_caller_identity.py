# SPDX-License-Identifier: LGPL-2.1-or-later
"""caller-identity: who is calling and who answered, as RemoteName/RemoteUri.

One offhookd without any account; SIPp peers direct-IP.

Incoming (uac-identity.xml; the test reads the ringing call, then hangs up):
1. From only: its display name and URI.
2. P-Asserted-Identity beats From.
3. Remote-Party-ID (party=calling) beats From when there is no PAI.
4. PAI beats Remote-Party-ID.
5. Privacy: id with an anonymous From: RemoteName "Anonymous", RemoteUri the
   anonymous From URI.
6. Privacy: id even with a PAI (a network that trusts us with it): still
   "Anonymous", and the PAI's URI is not shown.
7. Remote-Party-ID with privacy=full: "Anonymous".
Outgoing (uas-identity.xml):
8. A 180 with Remote-Party-ID (party=called) renames the alerting call, the
   200 with P-Asserted-Identity names who answered (name and URI).
9. Dial with the anonymous option: the INVITE on the wire has Privacy: id and
   an anonymous From ("Anonymous" <sip:anonymous@anonymous.invalid>), read
   from SIPp's message trace.

Run: OFFHOOKD=build/daemon/offhookd /usr/bin/python3 tests/integration/test_caller_identity.py
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ohtest  # noqa: E402
from ohtest import GLib, check, ok  # noqa: E402

ohtest.isolate()

PHONE_PORT = 5062
NO_ACCOUNT = GLib.Variant('o', '/')
FROM = '"Alice Liddell" <sip:alice@example.com>'
PAI = 'P-Asserted-Identity: "Reception" <sip:100@corp.example>'
RPID = 'Remote-Party-ID: "Night Desk" <sip:200@corp.example>;party=calling;screen=yes;privacy=off'
NONE = 'Subject: identity'
MEDIA = iter(range(17200, 17300, 10))

INCOMING = [
    ('From only', FROM, NONE, NONE, 'Alice Liddell', 'sip:alice@example.com'),
    ('P-Asserted-Identity', FROM, PAI, NONE, 'Reception', 'sip:100@corp.example'),
    ('Remote-Party-ID', FROM, RPID, NONE, 'Night Desk', 'sip:200@corp.example'),
    ('PAI before RPID', FROM, RPID, PAI, 'Reception', 'sip:100@corp.example'),
    ('Privacy: id, anonymous From', '"Anonymous" <sip:anonymous@anonymous.invalid>',
     'Privacy: id', NONE, 'Anonymous', 'sip:anonymous@anonymous.invalid'),
    ('Privacy: id with a PAI', '<sip:anonymous@anonymous.invalid>', 'Privacy: id', PAI,
     'Anonymous', 'sip:anonymous@anonymous.invalid'),
    ('RPID privacy=full', FROM,
     'Remote-Party-ID: "Night Desk" <sip:200@corp.example>;party=calling;privacy=full', NONE,
     'Anonymous', 'sip:alice@example.com'),
]


def sipp(fx, scenario, name, args, remote=None):
    return ohtest.Sipp(fx, scenario, name=name, timeout=20, remote=remote,
                       args=list(args) + ['-mi', '127.0.0.1', '-mp', str(next(MEDIA))])


with ohtest.Fixture('caller-identity', timeout=100) as fx:
    a = ohtest.Phone(fx, 'a', ohtest.Bus(fx), ohtest.Pulse(fx, sinks=['mic_a', 'spk_a']), PHONE_PORT)

    for n, (label, from_, h1, h2, name, uri) in enumerate(INCOMING):
        added = a.watch_signal(None, 'Manager', 'CallAdded')
        uac = sipp(fx, 'uac-identity.xml', f'uac-identity-{n}',
                   ['-s', 'alice', '-key', 'from', from_, '-key', 'h1', h1, '-key', 'h2', h2],
                   remote=f'127.0.0.1:{PHONE_PORT}')
        call = added.wait(10)[0]
        added.close()
        a.wait_prop(call, 'Call', 'State', 'incoming', 5)
        shown = (a.get(call, 'Call', 'RemoteName'), a.get(call, 'Call', 'RemoteUri'))
        check(shown == (name, uri), f'{label}: the call shows {shown}, expected {(name, uri)}')
        a.call(call, 'Call', 'Hangup')
        status = uac.wait()
        check(status == 0, f'{label}: the caller got 486 (SIPp exit {status}: {uac.errors()[-300:]})')
    ok('incoming calls show PAI, then RPID, then From, and "Anonymous" when the caller hides')

    # ---- 8: who rings, who answers
    uas = sipp(fx, 'uas-identity.xml', 'uas-identity',
               ['-d', '1500',
                '-key', 'h180', 'Remote-Party-ID: "Hunt Group" <sip:300@corp.example>;party=called',
                '-key', 'h200', 'P-Asserted-Identity: "Bob Answering" <sip:301@corp.example>'])
    uas.wait_bound()
    call = a.dial(f'sip:sales@127.0.0.1:{uas.local_port}', account=NO_ACCOUNT)
    a.wait_prop(call, 'Call', 'State', 'alerting', 5)
    a.wait_prop(call, 'Call', 'RemoteName', 'Hunt Group', 2)
    check(a.get(call, 'Call', 'RemoteUri') == 'sip:300@corp.example',
          'the 180\'s Remote-Party-ID names the ringing party')
    a.wait_prop(call, 'Call', 'State', 'active', 5)
    shown = (a.get(call, 'Call', 'RemoteName'), a.get(call, 'Call', 'RemoteUri'))
    check(shown == ('Bob Answering', 'sip:301@corp.example'),
          f'the 200\'s P-Asserted-Identity names who answered ({shown})')
    a.call(call, 'Call', 'Hangup')
    check(uas.wait() == 0, f'the callee got the BYE ({uas.errors()[-300:]})')
    ok('an outgoing call shows who rings and who answered')

    # ---- 9: anonymous on the wire
    uas = sipp(fx, 'uas-identity.xml', 'uas-anonymous', ['-key', 'h180', NONE, '-key', 'h200', NONE])
    uas.wait_bound()
    call = a.dial(f'sip:bob@127.0.0.1:{uas.local_port}', account=NO_ACCOUNT, anonymous=True)
    a.wait_prop(call, 'Call', 'State', 'active', 5)
    a.call(call, 'Call', 'Hangup')
    check(uas.wait() == 0, f'the anonymous call went through ({uas.errors()[-300:]})')
    invite = next((m for m in uas.messages().split('-----') if re.search(r'^INVITE ', m, re.M)), '')
    from_line = re.search(r'^From: (.*)$', invite, re.M)
    privacy = re.search(r'^Privacy: (.*)$', invite, re.M)
    check(privacy and privacy.group(1).strip() == 'id', f'the INVITE says Privacy: id ({privacy and privacy.group(0)})')
    check(from_line and '<sip:anonymous@anonymous.invalid>' in from_line.group(1) and
          '"Anonymous"' in from_line.group(1) and 'offhook' not in from_line.group(1),
          f'the INVITE has an anonymous From ({from_line and from_line.group(0)})')
    ok('caller-identity: all checks passed')
