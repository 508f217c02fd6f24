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
    a = ohtest.Phone(fx, 'a', ohtest.Bus(fx, 'bus_a'), pulse, sip_port=5062)
    b = ohtest.Phone(fx, 'b', ohtest.Bus(fx, 'bus_b'), pulse, sip_port=5064)
    acc_a = a.add_account('work', 'sip:1001@offhook.test', [kam.uri], '1001', 'pw1001',
                          accept_direct_calls=False)
    acc_b = b.add_account('work', 'sip:1002@offhook.test', [kam.uri], '1002', 'pw1002')
    a.wait_prop(acc_a, 'Account', 'RegistrationState', 'registered', 10)
    b.wait_prop(acc_b, 'Account', 'RegistrationState', 'registered', 10)

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
