# SPDX-License-Identifier: LGPL-2.1-or-later
"""baresip: offhookd talks to an independent softphone (Debian's baresip).

offhookd (A, 1001) and baresip (B, 1002) register with Kamailio. baresip
runs headless from a private config dir (``baresip -f DIR``): no UI module,
driven over its ``ctrl_tcp`` control socket (netstring-framed JSON commands,
events come back the same way); its account is created with ``uanew`` once
the test listens, so REGISTER_OK cannot be missed.  Debian's baresip-core
has no PulseAudio module, so audio goes through the ``alsa`` module and
ALSA's ``pulse`` plugin (libasound2-plugins) into the test's private
PulseAudio (mic_b.monitor as microphone, spk_b as speaker; alerts to ALSA's
``null``), PCMU only.  The driver is tests/integration/baresip.py.  Needs
packages baresip-core, libasound2-plugins.

1. A dials 1002, baresip reports the incoming call and accepts it (command
   ``accept``); a 1 kHz tone into A's microphone is heard on baresip's
   speaker and a 600 Hz tone into baresip's microphone on A's speaker;
   baresip hangs up and A sees ``remote-hangup``.
2. baresip dials 1001, A sees an incoming call from 1002 and answers over
   D-Bus; tones both ways again; A hangs up (``local-hangup``) and baresip
   reports the call closed.

Run: OFFHOOKD=build/daemon/offhookd /usr/bin/python3 tests/integration/test_baresip.py
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ohtest  # noqa: E402
from baresip import Baresip  # noqa: E402
from ohtest import check, ok  # noqa: E402

ohtest.isolate()



with ohtest.Fixture('baresip', timeout=150) as fx:
    kam = ohtest.Kamailio(fx)
    pulse = ohtest.Pulse(fx, sinks=['mic_a', 'spk_a', 'mic_b', 'spk_b'])
    bus = ohtest.Bus(fx)
    a = ohtest.Phone(fx, 'a', bus, pulse, sip_port=5062)
    acc_a = a.add_account('work', 'sip:1001@offhook.test', [kam.uri], '1001', 'pw1001')
    b = Baresip(fx, pulse, kam, '1002', 'pw1002')
    m = b.mark()
    b.command('uanew', b.account)
    b.wait_event('REGISTER_OK', 15, m)
    ok('baresip registered as 1002')
    a.wait_prop(acc_a, 'Account', 'RegistrationState', 'registered', 10)
    ok('offhookd registered as 1001')

    # ---- 1: offhookd calls baresip, baresip hangs up
    m = b.mark()
    call_a = a.dial('1002')
    ev, m = b.wait_event('CALL_INCOMING', 10, m)
    check('1001' in ev.get('peeruri', ''), f'baresip sees a call from 1001 ({ev.get("peeruri")})')
    a.wait_prop(call_a, 'Call', 'State', 'alerting', 10)
    ok('A hears the far end ring (alerting)')
    b.command('accept')
    b.wait_event('CALL_ESTABLISHED', 10, m)
    a.wait_prop(call_a, 'Call', 'State', 'active', 10)
    check(a.get(call_a, 'Call', 'Codec') == 'PCMU/8000', 'codec is PCMU/8000')
    ok('call A -> baresip is up')
    ohtest.tones_both_ways(pulse, a, b, 'A -> baresip')
    m = b.mark()
    b.command('hangup')
    b.wait_event('CALL_CLOSED', 10, m)
    a.wait_prop(call_a, 'Call', 'DisconnectReason', 'remote-hangup', 10)
    check(a.get(call_a, 'Call', 'State') == 'disconnected',
          'baresip hung up: A shows the call disconnected by the remote side')

    # ---- 2: baresip calls offhookd, offhookd hangs up
    added = a.watch_signal(None, 'Manager', 'CallAdded')
    m = b.mark()
    b.command('dial', 'sip:1001@offhook.test')
    call_b = added.wait(10)[0]
    added.close()
    a.wait_prop(call_b, 'Call', 'State', 'incoming', 10)
    check(a.get(call_b, 'Call', 'Direction') == 'incoming', 'A sees an incoming call')
    check('1002' in a.get(call_b, 'Call', 'RemoteUri'),
          f'A sees the caller 1002 ({a.get(call_b, "Call", "RemoteUri")})')
    b.wait_event('CALL_RINGING', 10, m)
    ok('baresip hears A ring')
    a.call(call_b, 'Call', 'Answer')
    a.wait_prop(call_b, 'Call', 'State', 'active', 10)
    b.wait_event('CALL_ESTABLISHED', 10, m)
    check(a.get(call_b, 'Call', 'Codec') == 'PCMU/8000', 'codec is PCMU/8000')
    ok('call baresip -> A is up')
    ohtest.tones_both_ways(pulse, a, b, 'baresip -> A')
    stats = a.wait_prop(call_b, 'Call', 'Statistics',
                        lambda s: s.get('packets-sent', 0) > 20 and s.get('packets-received', 0) > 20, 5)
    ok('A statistics: %d sent, %d received' % (stats['packets-sent'], stats['packets-received']))
    m = b.mark()
    a.call(call_b, 'Call', 'Hangup')
    a.wait_prop(call_b, 'Call', 'DisconnectReason', 'local-hangup', 5)
    b.wait_event('CALL_CLOSED', 10, m)
    ok('A hung up: baresip reports the call closed')
    check(b.proc.alive() and a.proc.alive(), 'both phones still run')
