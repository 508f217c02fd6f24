# SPDX-License-Identifier: LGPL-2.1-or-later
"""b03-hold: the Cisco guide's Appendix B call-hold flow. Hold/Resume, being held, and no RTP while held.

Two phones (A 1001, B 1002) registered with Kamailio, one call:

1. A holds: Hold() returns once B took the re-INVITE; A is `held`, B sees
   RemoteHeld; for 1.5 s neither phone receives a single RTP packet (each
   side's packets-received, counted at its socket, stands still: nothing on
   the wire either way), and A's microphone tone does not reach B.
   Hold again -> InvalidState. Resume -> `active`, RemoteHeld false, tones
   both ways, and DTMF still goes as RFC 4733 events (the re-INVITEs kept
   telephone-event).
2. B holds A: A stays `active` with RemoteHeld; A sends nothing. Then A
   holds too (its offer becomes inactive), both resume.
3. The old way: a SIPp callee re-INVITEs with c=0.0.0.0: A shows RemoteHeld
   and sends nothing, until the callee takes the hold back.
4. Glare: a SIPp callee answers A's hold with 491; A retries after RFC
   3261's 2.1-4 s wait (A owns the Call-ID) and the retry is accepted;
   Hold() returns only then.

Run: OFFHOOKD=build/daemon/offhookd /usr/bin/python3 tests/integration/test_b03_hold.py
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ohtest  # noqa: E402
from ohtest import GLib, check, ok  # noqa: E402

ohtest.isolate()


def stat(phone, call, key):
    return phone.get(call, 'Call', 'Statistics').get(key, 0)


def fresh(phone, call, key):
    """The statistic from the next Statistics refresh (once a second)."""
    watch = phone.watch_signal(call, 'org.freedesktop.DBus.Properties', 'PropertiesChanged')
    try:
        args = watch.wait(5, predicate=lambda a: 'Statistics' in a[1])
    finally:
        watch.close()
    return args[1]['Statistics'].get(key, 0)


def still(phone, call, key, seconds=2.0):
    """How much the statistic moved over about @seconds, between two
    refreshes that both came after the hold took effect."""
    fresh(phone, call, key)          # this one may still count the last packets
    before = fresh(phone, call, key)
    time.sleep(seconds)              # the window in which nothing may move
    return fresh(phone, call, key) - before


def moving(phone, call, key):
    before = stat(phone, call, key)
    phone.wait_prop(call, 'Call', 'Statistics', lambda s: s.get(key, 0) > before + 20, 5)
    return True



def sipp_call(fx, a, acc_a, scenario, args, name):
    uas = ohtest.Sipp(fx, scenario, name=name, timeout=30,
                      args=['-mi', '127.0.0.1', '-mp', '16700'] + args)
    uas.wait_bound()
    call = a.dial(f'sip:uas@127.0.0.1:{uas.local_port}', account=GLib.Variant('o', '/'))
    a.wait_prop(call, 'Call', 'State', 'active', 10)
    return uas, call


with ohtest.Fixture('b03-hold', timeout=170) as fx:
    kam = ohtest.Kamailio(fx)
    pulse = ohtest.Pulse(fx, sinks=['mic_a', 'spk_a', 'mic_b', 'spk_b'])
    a, acc_a = ohtest.registered_phone(fx, 'a', pulse, kam, '1001', 5062)
    b, acc_b = ohtest.registered_phone(fx, 'b', pulse, kam, '1002', 5064)
    ok('both phones registered')

    call_a, call_b = ohtest.active_call(a, b, '1002')
    moving(b, call_b, 'packets-received')

    # ---- 1: A holds
    a.call(call_a, 'Call', 'Hold')
    check(a.get(call_a, 'Call', 'State') == 'held', 'Hold() returns with the call held')
    b.wait_prop(call_b, 'Call', 'RemoteHeld', True, 5)
    check(b.get(call_b, 'Call', 'State') == 'active', 'B stays active, held by A')
    tone_a = pulse.play_tone(a.mic, 1000)
    moved_b = still(b, call_b, 'packets-received')
    moved_a = still(a, call_a, 'packets-received')
    check(moved_b == 0 and moved_a == 0,
          f'held: no RTP either way ({moved_b} packets reached B, {moved_a} reached A)')
    check(not pulse.wait_for_tone(b.spk + '.monitor', 1000, 100, 1.5),
          'held: A\'s microphone does not reach B')
    tone_a.stop()
    msg = a.expect_dbus_error('InvalidState', a.call, call_a, 'Call', 'Hold')
    ok(f'holding a held call is refused ({msg})')
    a.call(call_a, 'Call', 'Resume')
    check(a.get(call_a, 'Call', 'State') == 'active', 'Resume() returns with the call active')
    b.wait_prop(call_b, 'Call', 'RemoteHeld', False, 5)
    ohtest.tones_both_ways(pulse, a, b, 'resumed', min_ms=300, timeout=10)
    digits = b.watch_signal(call_b, 'Call', 'DtmfReceived')
    a.call(call_a, 'Call', 'SendDtmf', ('5',), 's')
    check(digits.wait(5)[0] == '5', 'after the resume DTMF still goes as RFC 4733 events')
    digits.close()
    ok('hold and resume from A')

    # ---- 2: B holds A, then A holds too
    b.call(call_b, 'Call', 'Hold')
    a.wait_prop(call_a, 'Call', 'RemoteHeld', True, 5)
    check(a.get(call_a, 'Call', 'State') == 'active', 'held by B, A stays active')
    check(still(b, call_b, 'packets-received') == 0, 'held by B: A sends nothing')
    a.call(call_a, 'Call', 'Hold')
    check(a.get(call_a, 'Call', 'State') == 'held' and b.get(call_b, 'Call', 'State') == 'held',
          'both hold')
    a.call(call_a, 'Call', 'Resume')
    b.call(call_b, 'Call', 'Resume')
    a.wait_prop(call_a, 'Call', 'RemoteHeld', False, 5)
    b.wait_prop(call_b, 'Call', 'RemoteHeld', False, 5)
    ohtest.tones_both_ways(pulse, a, b, 'both resumed', min_ms=300, timeout=10)
    a.call(call_a, 'Call', 'Hangup')
    b.wait_prop(call_b, 'Call', 'State', 'disconnected', 5)
    ok('being held, and holding back')

    # ---- 3: c=0.0.0.0
    uas, call = sipp_call(fx, a, acc_a, 'uas-hold-old.xml',
                          ['-key', 'hold_after_ms', '1000', '-key', 'held_ms', '6000'], 'uas-hold-old')
    a.wait_prop(call, 'Call', 'RemoteHeld', True, 5)
    check(still(a, call, 'packets-sent') == 0, 'held with c=0.0.0.0: A sends nothing')
    a.wait_prop(call, 'Call', 'RemoteHeld', False, 5)
    moving(a, call, 'packets-sent')
    a.wait_prop(call, 'Call', 'State', 'disconnected', 10)
    check(uas.wait() == 0, f'the SIPp callee ended cleanly ({uas.errors()[-300:]})')
    ok('the old hold (c=0.0.0.0) is understood')

    # ---- 4: glare
    uas, call = sipp_call(fx, a, acc_a, 'uas-glare.xml', [], 'uas-glare')
    t0 = time.monotonic()
    a.call(call, 'Call', 'Hold', timeout=15)
    took = time.monotonic() - t0
    check(a.get(call, 'Call', 'State') == 'held' and 2.0 <= took <= 5.0,
          f'after a 491 the hold is retried 2.1-4 s later and succeeds (took {took:.2f} s)')
    a.call(call, 'Call', 'Hangup')
    check(uas.wait() == 0, f'SIPp saw the hold twice, then the BYE ({uas.errors()[-300:]})')
    ok('hold: all checks passed')
