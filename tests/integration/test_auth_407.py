# SPDX-License-Identifier: LGPL-2.1-or-later
"""auth-407: an outgoing call through Kamailio that challenges the INVITE.

Phone A (1001) and phone B (1002) register with Kamailio. A dials 1002;
Kamailio answers the first INVITE with 407 Proxy Authentication Required.
On the wire (tshark on Kamailio's port):
- the first INVITE carries no Proxy-Authorization;
- A acknowledges the 407 with an ACK that has the INVITE's Call-ID, CSeq
  number and Request-URI and the 407's To tag;
- A then sends the INVITE again: same Call-ID, CSeq number + 1, with a
  Digest Proxy-Authorization for user 1001 in realm offhook.test that
  carries a response=, and after the ACK;
- that INVITE gets 180 and 200 relayed from B.
On the bus: A's call goes dialing -> alerting -> active, B's rings on B's
account and is answered; A's SipCallId (and B's) is the Call-ID seen on the
wire; A hangs up and both see the call end. The dial string 1002 goes out
as sip:1002@offhook.test;user=phone (DBUS-API.md, Manager.Dial).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ohtest  # noqa: E402
from ohtest import check, ok, info  # noqa: E402

ohtest.isolate()

PROPS = 'org.freedesktop.DBus.Properties'
FAILED = []


def expect(cond, msg):
    """A check that lets the test go on when it fails; the test fails at
    the end."""
    if cond:
        ok(msg)
    else:
        print(f'not ok - {msg}', flush=True)
        FAILED.append(msg)


def states(phone, watch):
    """Call State values announced by PropertiesChanged so far, in order."""
    phone.get(None, 'Manager', 'Version')  # round trip: earlier signals are in
    ctx = ohtest.GLib.MainContext.default()
    while ctx.iteration(False):
        pass
    return [changed['State'] for iface, changed, _ in watch.events
            if iface == ohtest.CALL and 'State' in changed]


with ohtest.Fixture('auth-407', timeout=90) as fx:
    kam = ohtest.Kamailio(fx)
    cap = ohtest.Capture(fx, filter='udp port 5060')
    pulse = ohtest.Pulse(fx, sinks=['mic_a', 'spk_a', 'mic_b', 'spk_b'])
    a, acc_a = ohtest.registered_phone(fx, 'a', pulse, kam, '1001', 5062)
    b, acc_b = ohtest.registered_phone(fx, 'b', pulse, kam, '1002', 5064)
    ok('both phones registered')

    added_a = a.watch_signal(None, 'Manager', 'CallAdded')
    added_b = b.watch_signal(None, 'Manager', 'CallAdded')
    # the first call gets number 1: watch its states from the start
    watch = a.watch_signal('Call/1', PROPS, 'PropertiesChanged')
    call_a = a.dial('1002')
    check(call_a == ohtest.ROOT_PATH + '/Call/1', f'Dial returned {call_a}')
    check(added_a.wait(5)[0] == call_a, 'CallAdded announces the call')
    a.wait_prop(call_a, 'Call', 'State', 'alerting', 10)
    ok('A sees B ring (alerting) after the challenge')
    call_b = added_b.wait(10)[0]
    b.wait_prop(call_b, 'Call', 'State', 'incoming', 5)
    check('1001' in b.get(call_b, 'Call', 'RemoteUri'), 'B sees the caller 1001')
    got = b.get(call_b, 'Call', 'Account')
    expect(got == acc_b, f'B\'s call came in on its account 1002 (Account {got!r})')
    b.call(call_b, 'Call', 'Answer')
    a.wait_prop(call_a, 'Call', 'State', 'active', 10)
    b.wait_prop(call_b, 'Call', 'State', 'active', 10)
    ok('the call is active on both phones')
    seen = states(a, watch)
    check(seen == ['alerting', 'active'],
          f'A\'s call went dialing -> alerting -> active (changes: {seen})')
    call_id_a = a.get(call_a, 'Call', 'SipCallId')
    call_id_b = b.get(call_b, 'Call', 'SipCallId')

    a.call(call_a, 'Call', 'Hangup')
    a.wait_prop(call_a, 'Call', 'DisconnectReason', 'local-hangup', 5)
    b.wait_prop(call_b, 'Call', 'DisconnectReason', 'remote-hangup', 5)
    ok('A hangs up; both see the call end')
    watch.close()

    msgs = cap.sip_messages()
    info(f'{len(msgs)} SIP messages captured')
    from_a = [m for m in msgs if m['sport'] == '5062' and m['dport'] == '5060']
    invites, keys = [], set()
    for m in from_a:
        if m['method'] == 'INVITE' and (m['call_id'], m['cseq']) not in keys:
            keys.add((m['call_id'], m['cseq']))
            invites.append(m)   # first copy of each transaction
    check(len(invites) == 2, f'A sent two INVITE transactions to Kamailio (saw {len(invites)})')
    first = invites[0]
    check(first['proxy_authorization'] == '',
          'the first INVITE has no Proxy-Authorization')
    check(first['call_id'] == call_id_a,
          f'A\'s SipCallId is the Call-ID on the wire ({call_id_a!r})')
    check(call_id_b == call_id_a, 'B shows the same Call-ID')

    def answers(req):
        return [m for m in msgs if m['status'] and m['call_id'] == req['call_id'] and
                m['cseq'] == req['cseq'] and m['cseq_method'] == 'INVITE' and
                m['dport'] == '5062' and int(m['frame']) > int(req['frame'])]

    challenge = [m for m in answers(first) if m['status'] >= 200]
    check(challenge and challenge[0]['status'] == 407,
          f'Kamailio answered it 407 (got {[m["status"] for m in answers(first)]})')
    challenge = challenge[0]
    check('Digest' in challenge['proxy_authenticate'] and
          'realm="offhook.test"' in challenge['proxy_authenticate'],
          'the 407 carries a Digest Proxy-Authenticate for realm offhook.test')

    acks = [m for m in from_a if m['method'] == 'ACK' and m['call_id'] == first['call_id'] and
            int(m['frame']) > int(challenge['frame'])]
    check(acks, 'A sent an ACK for the 407 with the INVITE\'s Call-ID')
    ack = acks[0]
    check(ack['cseq'] == first['cseq'] and ack['cseq_method'] == 'ACK',
          f'the ACK has the INVITE\'s CSeq number {first["cseq"]} (CSeq: {ack["cseq"]} '
          f'{ack["cseq_method"]})')
    check(ack['r_uri'] == first['r_uri'],
          f'the ACK has the INVITE\'s Request-URI ({ack["r_uri"]})')
    check(ack['to_tag'] and ack['to_tag'] == challenge['to_tag'],
          'the ACK has the 407\'s To tag')

    second = invites[1]
    check(second['call_id'] == first['call_id'],
          'the second INVITE has the same Call-ID')
    check(second['cseq'] == first['cseq'] + 1,
          f'the second INVITE has CSeq {first["cseq"]} + 1 (got {second["cseq"]})')
    pa = second['proxy_authorization']
    check(pa.startswith('Digest') and 'response=' in pa and 'username="1001"' in pa and
          'realm="offhook.test"' in pa,
          f'the second INVITE has a Digest Proxy-Authorization for 1001 with a response '
          f'({pa[:60]}...)')
    check(second['authorization'] == '', 'and no Authorization header')
    check(int(ack['frame']) < int(second['frame']), 'the ACK went out before the new INVITE')
    check(second['to_tag'] == '', 'the new INVITE is out of dialog (no To tag)')
    codes = [m['status'] for m in answers(second)]
    check(180 in codes and 200 in codes,
          f'the authenticated INVITE got 180 and 200 relayed from B (got {codes})')
    expect(first['r_uri'] == 'sip:1002@offhook.test;user=phone',
           f'the dial string 1002 became the Request-URI sip:1002@offhook.test;user=phone '
           f'(got {first["r_uri"]!r})')

    if FAILED:
        ohtest.fail(f'{len(FAILED)} check(s) failed: ' + '; '.join(FAILED))
