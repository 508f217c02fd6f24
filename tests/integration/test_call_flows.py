# SPDX-License-Identifier: LGPL-2.1-or-later
"""call-flows: the call flows of the Cisco SIP phone guide's Appendix B that
end a call without a conversation, send it elsewhere or answer it by itself.

Run one flow: test_call_flows.py FLOW (meson registers each FLOW as a test).

Against SIPp peers on 127.0.0.1 (one offhookd, direct-IP or an account
without registration; wire details checked in SIPp's trace):
- b14-busy: the callee answers 486, then 600: DisconnectReason busy,
  SipStatus 486/600, the US busy tone (620 Hz, 500/500 ms) in the earpiece,
  the final response ACKed.
- b15-no-answer: the callee rings forever: after ring-timeout (3 s) the
  phone CANCELs (SIPp answers 487), no-answer; Hangup while alerting
  CANCELs too (local-hangup); a 480 from the far end is no-answer/480.
- b16-client-error: 404 and 403 through an account with two proxies:
  failed/404 (congestion tone, 250/250 ms) and rejected/403, and the second
  proxy never sees the INVITE (4xx are not retried).
- b17-server-error: a direct call answered 503 fails (failed/503,
  congestion tone); through an account whose first proxy answers 500, the
  same call (same object) goes on through the second proxy (RFC 3263) and
  is answered there; its SipCallId changes.
- b18-global-error: 600 busy/600 and 603 rejected/603 with the busy tone;
  with a second proxy configured, nothing is retried.
- deflect: Call.Deflect on a ringing call: 302 with the target as Contact,
  transferred/302; the same for a second call that rings while another is
  up (state waiting, or incoming where call waiting is not built), and an
  active call cannot be deflected (InvalidState).
- dnd: DoNotDisturb: 486 within 0.5 s, the call never rings (no 180,
  never "incoming"), rejected/486; with forward-busy set: 302 to it
  instead, transferred/302.
- redirect: outgoing calls follow 3xx: a 301 with two Contacts goes to the
  higher q first and is answered there (RemoteUri shows it, one D-Bus
  call); a 301 back to the target itself is not followed (failed/301, one
  INVITE); a redirect chain stops after 5 redirects (6 INVITEs,
  failed/301); a 302 to the very first INVITE (which Sofia-SIP follows by
  itself, to the first Contact) is shown the same way.

Between offhookd phones through Kamailio (A 1001, B 1002, C 1003):
- b10-forward-always: B forwards always to C: B answers 302 at once
  (SIPp sees the Contact, no 180) and never rings; A's call goes on to C,
  which answers: A shows RemoteUri sip:1003@..., audio flows both ways.
- b11-forward-busy: B (max-calls 1) is in a call: A's call goes on to C;
  then B with DoNotDisturb: the same.
- b12-forward-noanswer: B rings for forward-noanswer-timeout (1 s), then
  302: A's call goes from B (alerting) on to C.
- b19-auth-error: A's password is wrong: the INVITE is challenged (407),
  answered once, challenged again: failed/407, two INVITEs, no loop.
- auto-answer: A dials B with {'auto-answer': true}: the INVITE carries
  Answer-Mode: Auto and Call-Info ;answer-after=0 (checked at a SIPp UAS);
  B (auto-answer=proxy, the default) plays the confirm beeps (1400 Hz) on
  the speaker route and answers by itself; a SIPp caller that is not B's
  proxy asking for it only rings; with auto-answer=always, Call-Info
  ;answer-after=1 is answered after about 1 s and Alert-Info
  ;info=alert-autoanswer at once; during another call it only rings.
"""

import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ohtest  # noqa: E402
from ohtest import GLib, check, ok  # noqa: E402

ohtest.isolate()

PHONE_PORT = 5062
RING_TIMEOUT = 3
RATE = 8000
NO_ACCOUNT = GLib.Variant('o', '/')
# the US tones (the phone's default tone-country): 480+620 Hz; 620 Hz is in
# neither ringback (440+480) nor call waiting
TONE_HZ = 620
CADENCE = {'busy': (500, 500), 'congestion': (250, 250)}
FLOWS = {}


def flow(fn):
    FLOWS[fn.__name__.replace('_', '-')] = fn
    return fn


# ---------------------------------------------------------------- helpers

def lone_phone(fx):
    """One offhookd on 127.0.0.1:PHONE_PORT without accounts, and its sound."""
    pulse = ohtest.Pulse(fx, sinks=['mic_a', 'spk_a'])
    a = ohtest.Phone(fx, 'a', ohtest.Bus(fx), pulse, sip_port=PHONE_PORT,
                     extra_config={'sip': {'ring-timeout': RING_TIMEOUT}})
    return pulse, a


def uas(fx, scenario, name, *args):
    peer = ohtest.Sipp(fx, scenario, name=name, timeout=30,
                       args=list(args) + ohtest.sipp_media_args())
    peer.wait_bound()
    return peer


def final_uas(fx, status, phrase, name=None):
    """A SIPp callee that rings for 300 ms, then answers status."""
    return uas(fx, 'uas-final.xml', name or f'uas-{status}', '-key', 'status', str(status),
               '-key', 'reason', phrase, '-d', '300')


def failure_heard(a, pulse, peer, target, status, phrase, reason, tone, what, **options):
    """a dials target, whose SIPp peer answers status: the call ends with
    reason/status, the tone plays, the final response is ACKed."""
    call, props, samples = ohtest.dial_and_record(a, pulse, target, 4.5, RATE, **options)
    if props.get('State') != 'disconnected':
        ohtest.call_ended(a, call, reason, status, what)
    else:
        check((props.get('DisconnectReason'), props.get('SipStatus')) == (reason, status),
              f'{what}: DisconnectReason {reason}, SipStatus {status} '
              f'(got {props.get("DisconnectReason")!r}, {props.get("SipStatus")})')
    # which tone, not its exact cadence (that is the tones test's): under the
    # load of a whole suite a stream stalls or drops out now and then
    ohtest.check_cadence(f'{what}: the {tone} tone',
                         ohtest.smooth(ohtest.cadence(samples, RATE, TONE_HZ), 150), *CADENCE[tone],
                         tolerance=100, median=True)
    msgs = ohtest.sipp_finished(peer, what)
    check(re.search(rf'^SIP/2\.0 {status} ', msgs, re.M) and re.search(r'^ACK sip:', msgs, re.M),
          f'{what}: SIPp sent {status} {phrase} and got the ACK')
    return msgs


def direct_failure(fx, a, pulse, status, phrase, reason, tone):
    peer = final_uas(fx, status, phrase)
    failure_heard(a, pulse, peer, f'sip:bob@127.0.0.1:{peer.local_port}', status, phrase, reason,
                  tone, f'a direct call answered {status}', account=NO_ACCOUNT)


def not_retried(a, pulse, fx, status, phrase, reason, tone):
    """Through an account with two proxies whose first answers status: the
    call ends, the second proxy never sees it."""
    first = final_uas(fx, status, phrase)
    account, second = two_proxy_account(fx, a, first.local_port)
    failure_heard(a, pulse, first, 'sip:1002@offhook.test', status, phrase, reason, tone,
                  f'first proxy answers {status}', account=GLib.Variant('o', account))
    check(invites(second.messages()) == [],
          f'{status} is not retried: the second proxy got no INVITE')


def two_proxy_account(fx, a, first_port):
    """An account of a whose proxies are two SIPp peers (no registration);
    returns (account path, the second proxy's SIPp, which must stay idle
    unless the flow retries)."""
    second = uas(fx, 'uas-answer.xml', 'second-proxy')
    account = a.add_account('work', 'sip:1001@offhook.test',
                            [f'sip:127.0.0.1:{first_port}', f'sip:127.0.0.1:{second.local_port}'],
                            register=False)
    return account, second


def invites(msgs):
    return re.findall(r'^INVITE (\S+) SIP/2\.0', msgs, re.M)


def sipp_caller(fx, target_phone, scenario, name, *args, headers=(), user='1002'):
    """A SIPp UAC calling target_phone directly; returns (sipp, call, props)."""
    text = ohtest.sipp_scenario(scenario, headers)
    peers = []
    call, props = ohtest.new_call(target_phone, lambda: peers.append(ohtest.Sipp(
        fx, text, name=name, timeout=30, remote=f'127.0.0.1:{target_phone.sip_port}',
        args=['-s', user] + list(args) + ohtest.sipp_media_args())))
    return peers[0], call, props


def redirector(fx, name, status, contact, calls=1, local_port=None):
    """A SIPp redirect server: every INVITE gets status (301 or 302) with
    Contact: contact, or with contact None a new one each call (hop1, hop2...)."""
    text = ohtest.sipp_scenario('uas-redirect.xml')
    if status == 301:
        text = text.replace('SIP/2.0 302 Moved Temporarily', 'SIP/2.0 301 Moved Permanently')
    if contact is None:
        text = text.replace('Contact: [contact]', 'Contact: <sip:hop[call_number]@[local_ip]:[local_port]>')
    peer = ohtest.Sipp(fx, text, name=name, timeout=30, calls=calls, local_port=local_port,
                       args=['-key', 'contact', contact] if contact else [])
    peer.wait_bound()
    return peer


def response_of(msgs, status):
    return ohtest.sipp_message(msgs, rf'SIP/2\.0 {status} ')


def three_phones(fx, b_config=None, **b_settings):
    """Kamailio with 1001..1003 and phones A, B (account settings
    b_settings, configuration b_config), C registered."""
    kam, pulse, [(a, _), (b, b_account), (c, _)] = ohtest.registered_phones(
        fx, 3, configs={'b': b_config}, settings={'b': b_settings})
    return kam, pulse, a, b, b_account, c


def forward_to_c(pulse, a, b, c, label, b_rings):
    """A dials 1002; B's call ends transferred/302 (ringing first only when
    b_rings) and the same call of A goes on to C, which answers: A shows C
    and they hear each other. Returns (A's call, seconds B's call lived)."""
    b_added = b.watch_signal(None, 'Manager', 'CallAdded')
    c_added = c.watch_signal(None, 'Manager', 'CallAdded')
    try:
        call_a = a.dial('1002')
        b_call, b_props = b_added.wait(10)
        c_call, c_props = c_added.wait(15)
        b_seen = b_added.times[0]
    finally:
        b_added.close()
        c_added.close()
    if not b_rings:
        check(b_props['State'] == 'disconnected',
              f'{label}: B never rings (CallAdded: {b_props["State"]})')
    ohtest.call_ended(b, b_call, 'transferred', 302, f'{label}: B\'s call')
    b_lived = c_added.times[0] - b_seen
    check(c_props['RemoteUri'].startswith('sip:1001@'),
          f'{label}: C rings with a call from 1001 ({c_props["RemoteUri"]})')
    c.wait_prop(c_call, 'Call', 'State', 'incoming', 5)
    c.call(c_call, 'Call', 'Answer')
    a.wait_prop(call_a, 'Call', 'State', 'active', 10)
    c.wait_prop(c_call, 'Call', 'State', 'active', 10)
    uri = a.get(call_a, 'Call', 'RemoteUri')
    check(uri == 'sip:1003@offhook.test', f'{label}: A\'s call (still {call_a}) shows C: {uri}')
    ohtest.tones_both_ways(pulse, a, c, label)
    a.call(call_a, 'Call', 'Hangup')
    c.wait_prop(c_call, 'Call', 'State', 'disconnected', 5)
    return call_a, b_lived


def stays_unanswered(phone, call, seconds, what):
    """Nothing answers the call for seconds (a bounded watch, no sleep)."""
    watch = phone.watch_signal(call, 'org.freedesktop.DBus.Properties', 'PropertiesChanged')
    try:
        seen = watch.collect(1, seconds)
    finally:
        watch.close()
    states = [args[1]['State'] for args, _ in seen if 'State' in args[1]]
    state = phone.get(call, 'Call', 'State')
    check(not states and state in ('incoming', 'waiting'),
          f'{what}: it rings and is not answered within {seconds} s ({state}, {states})')


# ---------------------------------------------------------------- the flows

@flow
def b14_busy(fx):
    pulse, a = lone_phone(fx)
    direct_failure(fx, a, pulse, 486, 'Busy Here', 'busy', 'busy')
    direct_failure(fx, a, pulse, 600, 'Busy Everywhere', 'busy', 'busy')


@flow
def b15_no_answer(fx):
    pulse, a = lone_phone(fx)
    what = f'nobody answers within {RING_TIMEOUT} s'
    peer = uas(fx, 'uas-ring-cancel.xml', 'ring-forever')
    t0 = time.monotonic()
    call = a.dial(f'sip:bob@127.0.0.1:{peer.local_port}', account=NO_ACCOUNT)
    a.wait_prop(call, 'Call', 'State', 'alerting', 5)
    a.wait_prop(call, 'Call', 'State', 'disconnected', RING_TIMEOUT + 5)
    took = time.monotonic() - t0
    check(RING_TIMEOUT - 0.5 <= took <= RING_TIMEOUT + 2, f'{what}: the phone gave up after {took:.1f} s')
    ohtest.call_ended(a, call, 'no-answer', None, what)
    msgs = ohtest.sipp_finished(peer, what)
    check(re.search(r'^CANCEL sip:', msgs, re.M) and re.search(r'^SIP/2\.0 487 ', msgs, re.M),
          f'{what}: the phone sent CANCEL (SIPp answered 487)')

    what = 'Hangup while alerting'
    peer = uas(fx, 'uas-ring-cancel.xml', 'ring-hangup')
    call = a.dial(f'sip:bob@127.0.0.1:{peer.local_port}', account=NO_ACCOUNT)
    a.wait_prop(call, 'Call', 'State', 'alerting', 5)
    a.call(call, 'Call', 'Hangup')
    ohtest.call_ended(a, call, 'local-hangup', None, what)
    msgs = ohtest.sipp_finished(peer, what)
    check(re.search(r'^CANCEL sip:', msgs, re.M) and re.search(r'^SIP/2\.0 487 ', msgs, re.M),
          f'{what}: SIPp got CANCEL and answered the INVITE 487')

    direct_failure(fx, a, pulse, 480, 'Temporarily Unavailable', 'no-answer', 'congestion')


@flow
def b16_client_error(fx):
    pulse, a = lone_phone(fx)
    not_retried(a, pulse, fx, 404, 'Not Found', 'failed', 'congestion')
    direct_failure(fx, a, pulse, 403, 'Forbidden', 'rejected', 'busy')


@flow
def b17_server_error(fx):
    pulse, a = lone_phone(fx)
    direct_failure(fx, a, pulse, 503, 'Service Unavailable', 'failed', 'congestion')

    what = 'the first proxy answers 500'
    first = final_uas(fx, 500, 'Server Internal Error')
    account, second = two_proxy_account(fx, a, first.local_port)
    call = a.dial('1002', account=GLib.Variant('o', account))
    a.wait_prop(call, 'Call', 'State', 'active', 10)
    ok(f'{what}: the same call ({call}) is answered through the second proxy')
    msgs = ohtest.sipp_finished(first, what)
    first_id = ohtest.sip_header(ohtest.sipp_message(msgs, 'INVITE '), 'Call-ID', 'i')
    now_id = a.get(call, 'Call', 'SipCallId')
    check(first_id and now_id and now_id != first_id,
          f'{what}: SipCallId is the new INVITE\'s ({first_id} -> {now_id})')
    check(invites(second.messages()) == ['sip:1002@offhook.test;user=phone'],
          f'{what}: the second proxy got the INVITE ({invites(second.messages())})')
    active = a.get(account, 'Account', 'ActiveProxy')
    check(active == f'sip:127.0.0.1:{first.local_port}',
          f'{what}: the account stays with its first proxy ({active})')
    a.call(call, 'Call', 'Hangup')
    ohtest.call_ended(a, call, 'local-hangup', None, what)
    ohtest.sipp_finished(second, what)


@flow
def b18_global_error(fx):
    pulse, a = lone_phone(fx)
    not_retried(a, pulse, fx, 600, 'Busy Everywhere', 'busy', 'busy')
    direct_failure(fx, a, pulse, 603, 'Decline', 'rejected', 'busy')


@flow
def b19_auth_error(fx):
    kam = ohtest.Kamailio(fx)
    cap = ohtest.Capture(fx)
    pulse = ohtest.Pulse(fx, sinks=['mic_a', 'spk_a'])
    a = ohtest.Phone(fx, 'a', ohtest.Bus(fx), pulse, sip_port=PHONE_PORT)
    account = a.add_account('work', 'sip:1001@offhook.test', [kam.uri], '1001', 'not-pw1001',
                            register=False)
    call = a.dial('1002', account=GLib.Variant('o', account))
    ohtest.call_ended(a, call, 'failed', 407, 'a wrong password')
    messages = cap.sip_messages()
    sent = [m for m in messages if m['method'] == 'INVITE']
    challenges = [m for m in messages if m['status'] == 407]
    check(len(sent) == 2 and len(challenges) == 2 and not sent[0]['proxy_authorization'] and
          sent[1]['proxy_authorization'],
          f'a wrong password: one INVITE, one answer to the challenge, no loop '
          f'({len(sent)} INVITEs, {len(challenges)} 407s)')
    check('not-pw1001' not in a.log_text(), 'the password is not in the log')


@flow
def deflect(fx):
    pulse, a = lone_phone(fx)
    what = 'Deflect a ringing call'
    peer, call, _ = sipp_caller(fx, a, 'uac-call-rejected.xml', 'deflected', '-set', 'expect', '302',
                                user='alice')
    a.wait_prop(call, 'Call', 'State', 'incoming', 5)
    a.call(call, 'Call', 'Deflect', ('sip:other@127.0.0.1:5999',), 's')
    ohtest.call_ended(a, call, 'transferred', 302, what)
    msgs = ohtest.sipp_finished(peer, what)
    contact = ohtest.sip_header(response_of(msgs, 302), 'Contact', 'm')
    check(contact == '<sip:other@127.0.0.1:5999>' and response_of(msgs, 180),
          f'{what}: the caller got 180, then 302 with Contact <sip:other@127.0.0.1:5999> ({contact!r})')

    what = 'Deflect a second call during a call'
    talker, first, _ = sipp_caller(fx, a, 'uac-call.xml', 'talker', '-key', 'hold_ms', '4000',
                                   '-rtp_echo', user='alice')
    a.wait_prop(first, 'Call', 'State', 'incoming', 5)
    a.call(first, 'Call', 'Answer')
    a.wait_prop(first, 'Call', 'State', 'active', 5)
    peer, second, _ = sipp_caller(fx, a, 'uac-call-rejected.xml', 'deflected-2', '-set', 'expect',
                                  '302', user='alice')
    state = a.wait_prop(second, 'Call', 'State', lambda v: v in ('incoming', 'waiting'), 5)
    a.call(second, 'Call', 'Deflect', ('sip:voicemail@127.0.0.1:5999',), 's')
    ohtest.call_ended(a, second, 'transferred', 302, f'{what} ({state})')
    msgs = ohtest.sipp_finished(peer, what)
    contact = ohtest.sip_header(response_of(msgs, 302), 'Contact', 'm')
    check(contact == '<sip:voicemail@127.0.0.1:5999>', f'{what}: 302 to the voicemail ({contact!r})')
    message = a.expect_dbus_error('InvalidState', a.call, first, 'Call', 'Deflect',
                                  ('sip:x@127.0.0.1:5999',), 's')
    check(a.get(first, 'Call', 'State') == 'active',
          f'an active call cannot be deflected ({message}) and goes on')
    ohtest.call_ended(a, first, 'remote-hangup', 0, 'the first call')
    ohtest.sipp_finished(talker, 'the first call')


@flow
def dnd(fx):
    pulse, a = lone_phone(fx)
    account = a.add_account('work', 'sip:1001@offhook.test', [], register=False)
    a.set(None, 'Manager', 'DoNotDisturb', GLib.Variant('b', True))
    a.wait_prop(None, 'Manager', 'DoNotDisturb', True, 5)

    what = 'DoNotDisturb'
    peer, call, props = sipp_caller(fx, a, 'uac-call-busy.xml', 'dnd', user='1001')
    msgs = ohtest.sipp_finished(peer, what)
    times = ohtest.sipp_times(msgs)
    sent, busy = ohtest.first_time(times, 'INVITE '), ohtest.first_time(times, 'SIP/2.0 486 ')
    check(props['State'] != 'incoming' and not response_of(msgs, 180) and sent and busy and
          busy - sent < 0.5,
          f'{what}: 486 at once ({(busy - sent) * 1000 if sent and busy else -1:.0f} ms), '
          f'no 180, never "incoming" (CallAdded: {props["State"]})')
    ohtest.call_ended(a, call, 'rejected', 486, what)

    what = 'DoNotDisturb with forward-busy'
    a.call(account, 'Account', 'Update',
           GLib.Variant.new_tuple(ohtest.variant_dict({'forward-busy': 'sip:voicemail@127.0.0.1:5999'})))
    peer, call, props = sipp_caller(fx, a, 'uac-call-rejected.xml', 'dnd-forward', '-set', 'expect',
                                    '302', user='1001')
    msgs = ohtest.sipp_finished(peer, what)
    contact = ohtest.sip_header(response_of(msgs, 302), 'Contact', 'm')
    check(contact == '<sip:voicemail@127.0.0.1:5999>' and not response_of(msgs, 180) and
          props['State'] != 'incoming',
          f'{what}: 302 to the forward-busy target ({contact!r}), no 180, never "incoming"')
    ohtest.call_ended(a, call, 'transferred', 302, what)


@flow
def redirect(fx):
    pulse, a = lone_phone(fx)
    what = 'a 301 with two Contacts'
    answerer = uas(fx, 'uas-answer.xml', 'answerer')
    bob = f'sip:bob@127.0.0.1:{answerer.local_port}'
    server = redirector(fx, 'redirector', 301, f'<sip:low@127.0.0.1:5999>;q=0.1, "Bob" <{bob}>;q=0.9')
    call = a.dial(f'sip:carol@127.0.0.1:{server.local_port}', account=NO_ACCOUNT)
    a.wait_prop(call, 'Call', 'State', 'active', 10)
    uri = a.get(call, 'Call', 'RemoteUri')
    check(uri == bob and a.get(None, 'Manager', 'Calls') == [call],
          f'{what}: the same call ({call}) went to the higher q and shows it ({uri})')
    ohtest.sipp_finished(server, what)
    check(invites(answerer.messages()) == [bob], f'{what}: the INVITE went to {bob}')
    a.call(call, 'Call', 'Hangup')
    ohtest.call_ended(a, call, 'local-hangup', None, what)
    ohtest.sipp_finished(answerer, what)

    what = 'a 301 back to the target'
    port = answerer.local_port + 1
    looper = redirector(fx, 'looper', 301, f'<sip:carol@127.0.0.1:{port}>', local_port=port)
    call = a.dial(f'sip:carol@127.0.0.1:{port}', account=NO_ACCOUNT)
    ohtest.call_ended(a, call, 'failed', 301, what)
    msgs = ohtest.sipp_finished(looper, what)
    check(len(invites(msgs)) == 1, f'{what}: not followed ({len(invites(msgs))} INVITE)')

    what = 'a chain of redirects'
    chain = redirector(fx, 'chain', 301, None, calls=6)
    call = a.dial(f'sip:hop0@127.0.0.1:{chain.local_port}', account=NO_ACCOUNT)
    ohtest.call_ended(a, call, 'failed', 301, what)
    msgs = ohtest.sipp_finished(chain, what)
    sent = invites(msgs)
    check(len(sent) == 6 and len(set(sent)) == 6,
          f'{what}: five redirects followed, the sixth not ({len(sent)} INVITEs: {sent})')

    what = 'a 302 to the first INVITE'
    answerer = uas(fx, 'uas-answer.xml', 'answerer-302')
    dave = f'sip:dave@127.0.0.1:{answerer.local_port}'
    server = redirector(fx, 'redirector-302', 302, f'<{dave}>')
    call = a.dial(f'sip:carol@127.0.0.1:{server.local_port}', account=NO_ACCOUNT)
    a.wait_prop(call, 'Call', 'State', 'active', 10)
    uri = a.get(call, 'Call', 'RemoteUri')
    check(uri == dave and invites(answerer.messages()) == [dave],
          f'{what}: the same call ({call}) went on to the Contact and shows it ({uri})')
    a.call(call, 'Call', 'Hangup')
    ohtest.call_ended(a, call, 'local-hangup', None, what)
    ohtest.sipp_finished(answerer, what)


@flow
def b10_forward_always(fx):
    kam, pulse, a, b, _, c = three_phones(fx, forward_always='sip:1003@offhook.test')
    forward_to_c(pulse, a, b, c, 'B-10', b_rings=False)
    what = 'B-10 on the wire'
    peer, call, props = sipp_caller(fx, b, 'uac-call-rejected.xml', 'b10', '-set', 'expect', '302')
    msgs = ohtest.sipp_finished(peer, what)
    contact = ohtest.sip_header(response_of(msgs, 302), 'Contact', 'm')
    check(contact == '<sip:1003@offhook.test>' and not response_of(msgs, 180),
          f'{what}: 302 with Contact <sip:1003@offhook.test> ({contact!r}) and no 180')


@flow
def b11_forward_busy(fx):
    kam, pulse, a, b, b_account, c = three_phones(fx, b_config={'sip': {'max-calls': 1}},
                                                  forward_busy='sip:1003@offhook.test')
    talker, first, _ = sipp_caller(fx, b, 'uac-call.xml', 'talker', '-key', 'hold_ms', '12000',
                                   '-rtp_echo', user='1002')
    b.wait_prop(first, 'Call', 'State', 'incoming', 5)
    b.call(first, 'Call', 'Answer')
    b.wait_prop(first, 'Call', 'State', 'active', 5)
    forward_to_c(pulse, a, b, c, 'B-11, every line of B in use', b_rings=False)
    ohtest.call_ended(b, first, 'remote-hangup', 0, 'B\'s first call', timeout=15)
    ohtest.sipp_finished(talker, 'B\'s first call')

    b.set(None, 'Manager', 'DoNotDisturb', GLib.Variant('b', True))
    b.wait_prop(None, 'Manager', 'DoNotDisturb', True, 5)
    forward_to_c(pulse, a, b, c, 'B-11, B with DoNotDisturb', b_rings=False)


@flow
def b12_forward_noanswer(fx):
    kam, pulse, a, b, _, c = three_phones(fx, forward_noanswer='sip:1003@offhook.test',
                                          forward_noanswer_timeout=1)
    _, lived = forward_to_c(pulse, a, b, c, 'B-12', b_rings=True)
    check(0.9 <= lived <= 3, f'B-12: B rang for about 1 s first ({lived:.1f} s)')


@flow
def auto_answer(fx):
    kam = ohtest.Kamailio(fx)
    pulse = ohtest.Pulse(fx, sinks=['mic_a', 'spk_a', 'mic_b', 'spk_b'])
    a, _ = ohtest.registered_phone(fx, 'a', pulse, kam, '1001', 5062)
    b, b_account = ohtest.registered_phone(fx, 'b', pulse, kam, '1002', 5064)

    what = 'Dial with auto-answer'
    peer = uas(fx, 'uas-answer.xml', 'aa-uas')
    call = a.dial(f'sip:bob@127.0.0.1:{peer.local_port}', account=NO_ACCOUNT, auto_answer=True)
    a.wait_prop(call, 'Call', 'State', 'active', 10)
    a.call(call, 'Call', 'Hangup')
    msgs = ohtest.sipp_finished(peer, what)
    invite = ohtest.sipp_message(msgs, 'INVITE ')
    mode = ohtest.sip_header(invite, 'Answer-Mode')
    info = ohtest.sip_header(invite, 'Call-Info')
    check(mode == 'Auto' and info and info.endswith(';answer-after=0'),
          f'{what}: the INVITE says Answer-Mode: {mode}, Call-Info: {info}')

    what = 'A calls B with auto-answer through their proxy'
    made = []
    added = b.watch_signal(None, 'Manager', 'CallAdded')
    try:
        samples = pulse.record(b.spk + '.monitor', 2.0, RATE,
                               then=lambda: made.append(a.dial('1002', auto_answer=True)))
        b_call = added.wait(5)[0]
    finally:
        added.close()
    beeped = ohtest.tone_ms(samples, RATE, 1400, 0.2, block_ms=10)
    check(beeped >= 200, f'{what}: B beeps (1400 Hz, {beeped} ms) on its speaker')
    b.wait_prop(b_call, 'Call', 'State', 'active', 5)
    a.wait_prop(made[0], 'Call', 'State', 'active', 5)
    route = b.get(None, 'Manager', 'AudioRoute')
    check(route == 'speaker', f'{what}: B answered by itself on the speaker route ({route})')
    ohtest.tones_both_ways(pulse, a, b, what)
    a.call(made[0], 'Call', 'Hangup')
    ohtest.call_ended(b, b_call, 'remote-hangup', 0, what)

    what = 'Answer-Mode: Auto from elsewhere than the proxy'
    peer, call, _ = sipp_caller(fx, b, 'uac-call-rejected.xml', 'aa-stranger', '-set', 'expect',
                                '486', headers=['Answer-Mode: Auto'])
    stays_unanswered(b, call, 1.5, what)
    b.call(call, 'Call', 'Hangup')
    ohtest.sipp_finished(peer, what)

    b.call(b_account, 'Account', 'Update',
           GLib.Variant.new_tuple(ohtest.variant_dict({'auto-answer': 'always'})))
    for header, low, high in (('Call-Info: <sip:1002@127.0.0.1>;answer-after=1', 1.5, 3.5),
                              ('Alert-Info: <http://127.0.0.1/x>;info=alert-autoanswer', 0.4, 2.0)):
        what = f'auto-answer=always, {header.split(":")[0]}'
        added = b.watch_signal(None, 'Manager', 'CallAdded')
        try:
            peer = ohtest.Sipp(fx, ohtest.sipp_scenario('uac-call.xml', [header]),
                               name='aa-' + header.split(':')[0], timeout=30,
                               remote=f'127.0.0.1:{b.sip_port}',
                               args=['-s', '1002', '-key', 'hold_ms', '500'] + ohtest.sipp_media_args())
            call = added.wait(10)[0]
            t0 = added.times[0]
        finally:
            added.close()
        b.wait_prop(call, 'Call', 'State', 'active', high + 2)
        took = time.monotonic() - t0
        check(low <= took <= high, f'{what}: answered by itself after {took:.1f} s')
        ohtest.call_ended(b, call, 'remote-hangup', 0, what)
        ohtest.sipp_finished(peer, what)

    what = 'Answer-Mode: Auto during another call'
    call_a, call_b = ohtest.active_call(a, b, '1002')
    peer, call, _ = sipp_caller(fx, b, 'uac-call-rejected.xml', 'aa-busy', '-set', 'expect', '486',
                                headers=['Answer-Mode: Auto'])
    stays_unanswered(b, call, 1.5, what)
    b.call(call, 'Call', 'Hangup')
    ohtest.sipp_finished(peer, what)
    check(b.get(call_b, 'Call', 'State') == 'active', f'{what}: the call goes on')
    a.call(call_a, 'Call', 'Hangup')


if __name__ == '__main__':
    if len(sys.argv) != 2 or sys.argv[1] not in FLOWS:
        print(f'usage: {sys.argv[0]} FLOW (one of {", ".join(FLOWS)})', file=sys.stderr)
        sys.exit(2)
    with ohtest.Fixture(sys.argv[1], timeout=100) as fixture:
        FLOWS[sys.argv[1]](fixture)
