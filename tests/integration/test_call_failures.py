# SPDX-License-Identifier: LGPL-2.1-or-later
"""call-failures: calls that end without a conversation, and how they end.

One offhookd without any account (ring-timeout=3) and SIPp peers on
127.0.0.1, direct-IP.

Outgoing (Dial sip:bob@127.0.0.1:PORT, account '/') to a SIPp UAS:
- 486 -> busy/486, 603 -> rejected/603, 404 -> failed/404,
  480 -> no-answer/480, 503 -> failed/503, each after 300 ms of ringing:
  the call goes dialing -> alerting -> disconnected and the phone ACKs the
  final response (uas-final.xml exits 0);
- Hangup while alerting -> local-hangup; SIPp got CANCEL and sent 487;
- the callee rings forever -> no-answer after the 3 s ring timeout, with a
  CANCEL on the wire.
Incoming (a SIPp UAC calls the phone):
- the caller cancels while it rings -> incoming, then cancelled;
- Hangup while it rings -> the caller gets 486, the call shows rejected/486;
- DoNotDisturb -> the caller gets 486 at once, the call never shows
  `incoming` and ends rejected/486;
- Answer, the caller hangs up -> active, then remote-hangup;
- Deflect('sip:other@127.0.0.1:5999') -> the caller gets 302 with that
  Contact, the call shows transferred;
- nobody answers -> after the 3 s ring timeout the caller gets 480, the call
  shows no-answer/480.
Every case checks the D-Bus side and the SIPp side (exit status, trace).
"""

import os
import re
import sys
import time
from datetime import datetime

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ohtest  # noqa: E402
from ohtest import check, ok  # noqa: E402
from gi.repository import GLib  # noqa: E402

ohtest.isolate()

PROPS = 'org.freedesktop.DBus.Properties'
PHONE_PORT = 5062
RING_TIMEOUT = 3
NO_ACCOUNT = GLib.Variant('o', '/')
FAILED = []
_media = [16000]


def expect(cond, msg):
    """A check that lets the other cases run when it fails; the test fails
    at the end."""
    if cond:
        ok(msg)
    else:
        print(f'not ok - {msg}', flush=True)
        FAILED.append(msg)


def media_args():
    _media[0] += 10
    return ['-mi', '127.0.0.1', '-mp', str(_media[0])]


def states(phone, watch):
    """Call State values announced by PropertiesChanged so far, in order."""
    phone.get(None, 'Manager', 'Version')  # round trip: earlier signals are in
    ctx = GLib.MainContext.default()
    while ctx.iteration(False):
        pass
    return [changed['State'] for iface, changed, _ in watch.events
            if iface == ohtest.CALL and 'State' in changed]


def ended(phone, call, reason, status, what):
    phone.wait_prop(call, 'Call', 'State', 'disconnected', 10)
    got = phone.get(call, 'Call', 'DisconnectReason')
    code = phone.get(call, 'Call', 'SipStatus')
    if status is None:
        expect(got == reason, f'{what}: DisconnectReason {reason} (got {got!r}, SipStatus {code})')
    else:
        expect((got, code) == (reason, status),
               f'{what}: DisconnectReason {reason}, SipStatus {status} (got {got!r}, {code})')


def sipp_times(msgs):
    """[(epoch, first line)] of every message in a SIPp -trace_msg log."""
    out = []
    for m in re.finditer(r'^-{10,} (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+)\s*\n'
                         r'[^\n]*message[^\n]*\n\s*\n([^\r\n]*)', msgs, re.M):
        ts = datetime.strptime(m.group(1), '%Y-%m-%d %H:%M:%S.%f').timestamp()
        out.append((ts, m.group(2)))
    return out


def first_time(times, prefix):
    for ts, line in times:
        if line.startswith(prefix):
            return ts
    return None


def sipp_done(sipp, what, timeout=15):
    rc = sipp.wait(timeout)
    expect(rc == 0, f'{what}: SIPp finished its scenario (exit {rc})')
    return sipp.messages()


def incoming(fx, a, scenario, args, name):
    """Start a SIPp UAC calling the phone; returns (sipp, call, properties)."""
    added = a.watch_signal(None, 'Manager', 'CallAdded')
    uac = ohtest.Sipp(fx, scenario, args=['-s', 'alice'] + list(args) + media_args(),
                      remote=f'127.0.0.1:{PHONE_PORT}', name=name, timeout=30)
    call, props = added.wait(10)
    added.close()
    return uac, call, props


with ohtest.Fixture('call-failures', timeout=150) as fx:
    pulse = ohtest.Pulse(fx, sinks=['mic_a', 'spk_a'])
    bus = ohtest.Bus(fx)
    a = ohtest.Phone(fx, 'a', bus, pulse, sip_port=PHONE_PORT,
                     extra_config={'sip': {'ring-timeout': RING_TIMEOUT}})
    check(a.get(None, 'Manager', 'Accounts') == [], 'the phone has no account')
    number = [0]

    # ------------------------------------------------ outgoing, final errors
    for status, phrase, reason in ((486, 'Busy Here', 'busy'),
                                   (603, 'Decline', 'rejected'),
                                   (404, 'Not Found', 'failed'),
                                   (480, 'Temporarily Unavailable', 'no-answer'),
                                   (503, 'Service Unavailable', 'failed')):
        what = f'outgoing, callee answers {status}'
        uas = ohtest.Sipp(fx, 'uas-final.xml', name=f'uas-{status}', timeout=30,
                          args=['-key', 'status', str(status), '-key', 'reason', phrase,
                                '-d', '300'] + media_args())
        uas.wait_bound()
        # calls are numbered 1, 2, ...: watch this one from its start
        number[0] += 1
        watch = a.watch_signal(f'Call/{number[0]}', PROPS, 'PropertiesChanged')
        call = a.dial(f'sip:bob@127.0.0.1:{uas.local_port}', account=NO_ACCOUNT)
        check(call == f'{ohtest.ROOT_PATH}/Call/{number[0]}', f'{what}: dialed {call}')
        ended(a, call, reason, status, what)
        seen = states(a, watch)
        watch.close()
        expect(seen == ['alerting', 'disconnected'],
               f'{what}: the call went dialing -> alerting -> disconnected ({seen})')
        msgs = sipp_done(uas, what)
        expect(re.search(rf'^SIP/2\.0 {status} ', msgs, re.M) and
               re.search(r'^ACK sip:', msgs, re.M),
               f'{what}: SIPp sent {status} {phrase} and got the ACK')

    # ------------------------------------------------ outgoing, cancel while ringing
    what = 'outgoing, Hangup while alerting'
    uas = ohtest.Sipp(fx, 'uas-ring-cancel.xml', name='uas-cancel', timeout=30,
                      args=media_args())
    uas.wait_bound()
    call = a.dial(f'sip:bob@127.0.0.1:{uas.local_port}', account=NO_ACCOUNT)
    a.wait_prop(call, 'Call', 'State', 'alerting', 5)
    a.call(call, 'Call', 'Hangup')
    ended(a, call, 'local-hangup', None, what)
    msgs = sipp_done(uas, what)
    expect(re.search(r'^CANCEL sip:', msgs, re.M) and
           re.search(r'^SIP/2\.0 487 ', msgs, re.M),
           f'{what}: SIPp got CANCEL and answered the INVITE 487')

    # ------------------------------------------------ outgoing, ring timeout
    what = f'outgoing, nobody answers within {RING_TIMEOUT} s'
    uas = ohtest.Sipp(fx, 'uas-ring-cancel.xml', name='uas-ring-forever', timeout=30,
                      args=media_args())
    uas.wait_bound()
    t0 = time.monotonic()
    call = a.dial(f'sip:bob@127.0.0.1:{uas.local_port}', account=NO_ACCOUNT)
    a.wait_prop(call, 'Call', 'State', 'alerting', 5)
    a.wait_prop(call, 'Call', 'State', 'disconnected', RING_TIMEOUT + 5)
    took = time.monotonic() - t0
    # g_timeout_add_seconds() may round to the whole second: allow -1 s
    expect(RING_TIMEOUT - 1 <= took <= RING_TIMEOUT + 2,
           f'{what}: the phone gave up after {took:.1f} s')
    ended(a, call, 'no-answer', None, what)
    msgs = sipp_done(uas, what)
    expect(re.search(r'^CANCEL sip:', msgs, re.M) and
           re.search(r'^SIP/2\.0 487 ', msgs, re.M),
           f'{what}: the phone sent CANCEL (SIPp answered 487)')

    # ------------------------------------------------ incoming, caller cancels
    what = 'incoming, caller cancels while it rings'
    uac, call, props = incoming(fx, a, 'uac-call-cancel.xml', ['-key', 'ring_ms', '1000', '-key', 'ring', 'Bellcore-dr1'],
                                'uac-cancel')
    check(props['State'] == 'incoming' and props['Direction'] == 'incoming',
          f'{what}: CallAdded shows an incoming call ringing')
    a.wait_prop(call, 'Call', 'State', 'incoming', 5)
    ended(a, call, 'cancelled', None, what)
    msgs = sipp_done(uac, what)
    expect(re.search(r'^SIP/2\.0 180 ', msgs, re.M) and
           re.search(r'^SIP/2\.0 487 ', msgs, re.M),
           f'{what}: the caller got 180, then 487 for its INVITE after the CANCEL')

    # ------------------------------------------------ incoming, phone rejects
    what = 'incoming, Hangup while it rings'
    uac, call, props = incoming(fx, a, 'uac-call-rejected.xml', ['-set', 'expect', '486'],
                                'uac-hangup')
    a.wait_prop(call, 'Call', 'State', 'incoming', 5)
    a.call(call, 'Call', 'Hangup')
    ended(a, call, 'rejected', 486, what)
    msgs = sipp_done(uac, what)
    expect(re.search(r'^SIP/2\.0 486 ', msgs, re.M),
           f'{what}: the caller got 486 Busy Here')

    # ------------------------------------------------ incoming, do not disturb
    what = 'incoming, DoNotDisturb'
    a.set(None, 'Manager', 'DoNotDisturb', True)
    a.wait_prop(None, 'Manager', 'DoNotDisturb', True, 5)
    uac, call, props = incoming(fx, a, 'uac-call-busy.xml', [], 'uac-dnd')
    expect(props['State'] != 'incoming',
           f'{what}: the call never shows "incoming" (CallAdded: {props["State"]})')
    msgs = sipp_done(uac, what)
    times = sipp_times(msgs)
    sent, busy = first_time(times, 'INVITE '), first_time(times, 'SIP/2.0 486 ')
    expect(sent and busy and busy - sent < 0.5,
           f'{what}: the caller got 486 at once '
           f'({(busy - sent) * 1000 if sent and busy else -1:.0f} ms after its INVITE)')
    # the call was refused from within the INVITE's own event handler: the
    # daemon must have survived that (a round trip, then its process)
    try:
        a.get(None, 'Manager', 'Version')
        answers = True
    except GLib.Error as e:
        answers = False
        ohtest.info(f'offhookd does not answer: {e.message}')
    check(answers and a.proc.alive(), f'{what}: offhookd survives refusing the call '
          f'(exit status {a.proc.popen.poll()}; see its log for a sanitizer report)')
    ended(a, call, 'rejected', 486, what)
    a.set(None, 'Manager', 'DoNotDisturb', False)
    a.wait_prop(None, 'Manager', 'DoNotDisturb', False, 5)

    # ------------------------------------------------ incoming, answered, caller hangs up
    what = 'incoming, answered, caller hangs up'
    uac, call, props = incoming(fx, a, 'uac-call.xml',
                                ['-key', 'hold_ms', '1000', '-rtp_echo'], 'uac-bye')
    a.wait_prop(call, 'Call', 'State', 'incoming', 5)
    a.call(call, 'Call', 'Answer')
    a.wait_prop(call, 'Call', 'State', 'active', 5)
    expect(a.get(call, 'Call', 'ConnectTime') > 0, f'{what}: active with a ConnectTime')
    ended(a, call, 'remote-hangup', 0, what)
    msgs = sipp_done(uac, what)
    expect(re.search(r'^SIP/2\.0 200 ', msgs, re.M) and re.search(r'^BYE sip:', msgs, re.M),
           f'{what}: the caller got 200 OK and sent BYE')

    # ------------------------------------------------ incoming, deflected
    what = 'incoming, Deflect'
    uac, call, props = incoming(fx, a, 'uac-call-rejected.xml', ['-set', 'expect', '302'],
                                'uac-deflect')
    a.wait_prop(call, 'Call', 'State', 'incoming', 5)
    a.call(call, 'Call', 'Deflect', ('sip:other@127.0.0.1:5999',), 's')
    ended(a, call, 'transferred', None, what)
    msgs = sipp_done(uac, what)
    m = re.search(r'^SIP/2\.0 302 .*?(?:\r?\n\r?\n)', msgs, re.M | re.S)
    contact = re.search(r'^(?:Contact|m)\s*:\s*(.*)$', m.group(0), re.M | re.I) if m else None
    expect(contact and '<sip:other@127.0.0.1:5999>' in contact.group(1),
           f'{what}: the caller got 302 with Contact <sip:other@127.0.0.1:5999> '
           f'(got {contact.group(1) if contact else None!r})')

    # ------------------------------------------------ incoming, nobody answers
    what = f'incoming, nobody answers within {RING_TIMEOUT} s'
    uac, call, props = incoming(fx, a, 'uac-call-rejected.xml', ['-set', 'expect', '480'],
                                'uac-noanswer')
    t0 = time.monotonic()
    a.wait_prop(call, 'Call', 'State', 'disconnected', RING_TIMEOUT + 5)
    took = time.monotonic() - t0
    expect(RING_TIMEOUT - 1 <= took <= RING_TIMEOUT + 2,
           f'{what}: the phone stopped ringing after {took:.1f} s')
    ended(a, call, 'no-answer', 480, what)
    msgs = sipp_done(uac, what)
    times = sipp_times(msgs)
    ringing, gone = first_time(times, 'SIP/2.0 180 '), first_time(times, 'SIP/2.0 480 ')
    expect(ringing and gone and RING_TIMEOUT - 1 <= gone - ringing <= RING_TIMEOUT + 2,
           f'{what}: the caller got 480 Temporarily Unavailable '
           f'{gone - ringing if ringing and gone else -1:.1f} s after 180 Ringing')

    if FAILED:
        ohtest.fail(f'{len(FAILED)} check(s) failed: ' + '; '.join(FAILED))
