# SPDX-License-Identifier: LGPL-2.1-or-later
"""direct-calls: accept-direct-calls=false stops "ghost calls".

Phone A is registered as 1001 through Kamailio with accept-direct-calls=false.
A SIP scanner (SIPp) that sends an INVITE straight to A's port is refused with
480 and A never shows a call; a real call from phone B through the proxy rings
on A. With accept-direct-calls=true again, the direct INVITE rings.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ohtest  # noqa: E402
from ohtest import check, ok  # noqa: E402
from gi.repository import GLib  # noqa: E402

ohtest.isolate()

SCANNER = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="INVITE straight to the phone, expecting a refusal">
  <send retrans="500">
    <![CDATA[
      INVITE sip:1001@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "scanner" <sip:100@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:1001@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:100@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="%s"/>
  <send>
    <![CDATA[
      ACK sip:1001@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      [last_From:]
      [last_To:]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
</scenario>
"""

with ohtest.Fixture('direct-calls', timeout=90) as fx:
    kam = ohtest.Kamailio(fx)
    pulse = ohtest.Pulse(fx, sinks=['mic_a', 'spk_a', 'mic_b', 'spk_b'])
    a, acc_a = ohtest.registered_phone(fx, 'a', pulse, kam, '1001', 5062,
                                       accept_direct_calls=False)
    b, acc_b = ohtest.registered_phone(fx, 'b', pulse, kam, '1002', 5064)

    added = a.watch_signal(None, 'Manager', 'CallAdded')
    scanner = ohtest.Sipp(fx, SCANNER % '480', remote='127.0.0.1:5062', timeout=10)
    check(scanner.wait(15) == 0, 'a direct INVITE to the phone is refused with 480')
    check(added.events == [] and a.get(None, 'Manager', 'Calls') == [],
          'the refused direct call never showed up on the phone')
    check('refused' in open(a.log).read(), 'the daemon logs why it refused it')

    call_b = b.dial('1001')
    call_a = added.wait(10)[0]
    a.wait_prop(call_a, 'Call', 'State', 'incoming', 5)
    ok('a call through the proxy rings')
    b.wait_prop(call_b, 'Call', 'State', 'alerting', 5)
    a.call(call_a, 'Call', 'Hangup')
    b.wait_prop(call_b, 'Call', 'DisconnectReason', 'busy', 5)
    ok('refusing it gives the caller busy')

    a.call(acc_a, 'Account', 'Update',
           GLib.Variant('(a{sv})', ({'accept-direct-calls': GLib.Variant('b', True)},)))
    scanner = ohtest.Sipp(fx, SCANNER % '486', remote='127.0.0.1:5062', timeout=10)
    call_a = added.wait(10, predicate=lambda args: args[0] != call_a)[0]
    a.wait_prop(call_a, 'Call', 'State', 'incoming', 5)
    ok('with accept-direct-calls=true the direct INVITE rings')
    a.call(call_a, 'Call', 'Hangup')
    check(scanner.wait(15) == 0, 'and hanging it up answers 486')
