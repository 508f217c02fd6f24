# SPDX-License-Identifier: LGPL-2.1-or-later
"""call-failures: incoming calls that end without a conversation, and how.

One offhookd without any account (ring-timeout=3); SIPp callers on
127.0.0.1 call it direct-IP:
- the caller cancels while it rings -> incoming, then cancelled (180, then
  487 for the INVITE);
- Hangup while it rings -> the caller gets 486, the call shows rejected/486;
- Answer, the caller hangs up -> active, then remote-hangup;
- nobody answers -> after the 3 s ring timeout the caller gets 480, the call
  shows no-answer/480.
Every case checks the D-Bus side and the SIPp side (exit status, trace).
The outgoing failures (busy, no answer, 4xx, 5xx, 6xx, authentication),
DoNotDisturb and Deflect are the flows of test_call_flows.py.
"""

import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ohtest  # noqa: E402
from ohtest import check  # noqa: E402

ohtest.isolate()

PHONE_PORT = 5062
RING_TIMEOUT = 3


def incoming(fx, a, scenario, args, name):
    """Start a SIPp UAC calling the phone; returns (sipp, call, properties)."""
    peers = []
    call, props = ohtest.new_call(a, lambda: peers.append(ohtest.Sipp(
        fx, scenario, args=['-s', 'alice'] + list(args) + ohtest.sipp_media_args(),
        remote=f'127.0.0.1:{PHONE_PORT}', name=name, timeout=30)))
    return peers[0], call, props


with ohtest.Fixture('call-failures', timeout=100) as fx:
    pulse = ohtest.Pulse(fx, sinks=['mic_a', 'spk_a'])
    bus = ohtest.Bus(fx)
    a = ohtest.Phone(fx, 'a', bus, pulse, sip_port=PHONE_PORT,
                     extra_config={'sip': {'ring-timeout': RING_TIMEOUT}})
    check(a.get(None, 'Manager', 'Accounts') == [], 'the phone has no account')

    # ------------------------------------------------ caller cancels
    what = 'the caller cancels while it rings'
    uac, call, props = incoming(fx, a, 'uac-call-cancel.xml',
                                ['-key', 'ring_ms', '1000', '-key', 'ring', 'Bellcore-dr1'], 'uac-cancel')
    check(props['State'] == 'incoming' and props['Direction'] == 'incoming',
          f'{what}: CallAdded shows an incoming call ringing')
    ohtest.call_ended(a, call, 'cancelled', None, what)
    msgs = ohtest.sipp_finished(uac, what)
    check(re.search(r'^SIP/2\.0 180 ', msgs, re.M) and re.search(r'^SIP/2\.0 487 ', msgs, re.M),
          f'{what}: the caller got 180, then 487 for its INVITE after the CANCEL')

    # ------------------------------------------------ the phone rejects
    what = 'Hangup while it rings'
    uac, call, props = incoming(fx, a, 'uac-call-rejected.xml', ['-set', 'expect', '486'], 'uac-hangup')
    a.wait_prop(call, 'Call', 'State', 'incoming', 5)
    a.call(call, 'Call', 'Hangup')
    ohtest.call_ended(a, call, 'rejected', 486, what)
    msgs = ohtest.sipp_finished(uac, what)
    check(re.search(r'^SIP/2\.0 486 ', msgs, re.M), f'{what}: the caller got 486 Busy Here')

    # ------------------------------------------------ answered, caller hangs up
    what = 'answered, the caller hangs up'
    uac, call, props = incoming(fx, a, 'uac-call.xml', ['-key', 'hold_ms', '1000', '-rtp_echo'], 'uac-bye')
    a.wait_prop(call, 'Call', 'State', 'incoming', 5)
    a.call(call, 'Call', 'Answer')
    a.wait_prop(call, 'Call', 'State', 'active', 5)
    check(a.get(call, 'Call', 'ConnectTime') > 0, f'{what}: active with a ConnectTime')
    ohtest.call_ended(a, call, 'remote-hangup', 0, what)
    msgs = ohtest.sipp_finished(uac, what)
    check(re.search(r'^SIP/2\.0 200 ', msgs, re.M) and re.search(r'^BYE sip:', msgs, re.M),
          f'{what}: the caller got 200 OK and sent BYE')

    # ------------------------------------------------ nobody answers
    what = f'nobody answers within {RING_TIMEOUT} s'
    uac, call, props = incoming(fx, a, 'uac-call-rejected.xml', ['-set', 'expect', '480'], 'uac-noanswer')
    t0 = time.monotonic()
    a.wait_prop(call, 'Call', 'State', 'disconnected', RING_TIMEOUT + 5)
    took = time.monotonic() - t0
    check(RING_TIMEOUT - 1 <= took <= RING_TIMEOUT + 2, f'{what}: the phone stopped ringing after {took:.1f} s')
    ohtest.call_ended(a, call, 'no-answer', 480, what)
    msgs = ohtest.sipp_finished(uac, what)
    times = ohtest.sipp_times(msgs)
    ringing = ohtest.first_time(times, 'SIP/2.0 180 ')
    gone = ohtest.first_time(times, 'SIP/2.0 480 ')
    check(ringing and gone and RING_TIMEOUT - 1 <= gone - ringing <= RING_TIMEOUT + 2,
          f'{what}: the caller got 480 Temporarily Unavailable '
          f'{gone - ringing if ringing and gone else -1:.1f} s after 180 Ringing')
