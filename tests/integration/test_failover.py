# SPDX-License-Identifier: LGPL-2.1-or-later
"""failover: a call and the registration move to the backup proxy and back.

Seed: Cisco SIP IP Phone Administrator Guide, Figure B-20 (a call that goes
through a backup proxy).

A LAN of network namespaces made by netns.Lan (a bridge in its own
namespace; every address exists only inside these namespaces):

    phone    10.77.0.10  offhookd (its D-Bus and PulseAudio are unix sockets
                         of the test), [sip] address=10.77.0.10 port=5060,
                         t1-ms=200, invite-retransmissions=2 (INVITE and
                         REGISTER time out after 200*(2^3-1) = 1.4 s),
                         probe-interval=2
    primary  10.77.0.1   Kamailio (kamailio.cfg.in), users 1001/1002
    backup   10.77.0.2   a second Kamailio, same users and domain
    callee   10.77.0.20  SIPp UAS (uas-answer.xml: 180, 200 after 300 ms,
                         waits for BYE)

The account 1001@offhook.test has proxies [primary, backup] and registers
at the primary.  Calls dial sip:1002@10.77.0.20, which either Kamailio
relays (the Request-URI is not its own) after a 407 challenge.

 1. the primary's eth0 goes down: Dial -> the INVITE to the primary times
    out (1.4 s) -> the same call object sends a new INVITE (new Call-ID)
    through the backup and reaches alerting, then active, within 5 s;
    ActiveProxy becomes the backup and the account registers there.
 2. the link comes back: the OPTIONS probe (every 2 s) finds the primary;
    ActiveProxy returns to it within probe-interval + 2.5 s and a REGISTER
    gets its 200 from the primary.
 3. an nft rule in the primary drops udp dport 5060: same as 1; then the
    rule goes and the phone returns as in 2.
 4. an nft rule rejects udp dport 5060 (ICMP port unreachable): the call
    reaches the backup at once (< 1 s, one INVITE to the primary, no
    retransmission); then the rule goes and the phone returns as in 2.

Every figure is printed (D-Bus time from Dial and the wire times seen by
tshark on the bridge).  Each case checks first, with an OPTIONS of its own
from the phone's namespace, that the primary is really silent or really
unreachable.
"""

import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ohtest  # noqa: E402
import netns  # noqa: E402
from ohtest import Gio, check, info, ok  # noqa: E402

ohtest.isolate()

T1_MS = 200
RETRANSMISSIONS = 2
TIMEOUT_S = T1_MS * ((2 << RETRANSMISSIONS) - 1) / 1000.0     # 1.4 s
PROBE_INTERVAL = 2
RETURN_BOUND = PROBE_INTERVAL + 2.5
DIAL_BOUND = 5.0
FAST_BOUND = 1.0

NFT_TABLE = 'ohtest_failover'


class PropLog:
    """Every PropertiesChanged of the phone, stamped when it is dispatched
    (the waits below keep the main context iterating)."""

    def __init__(self, conn):
        self.conn = conn
        self.events = []
        self.sid = conn.signal_subscribe(
            ohtest.BUS_NAME, 'org.freedesktop.DBus.Properties',
            'PropertiesChanged', None, None, Gio.DBusSignalFlags.NONE,
            self._on_changed)

    def _on_changed(self, conn, sender, path, iface, name, params):
        now = time.monotonic()
        _, changed, _ = params.unpack()
        for prop, value in changed.items():
            self.events.append((now, path, prop, value))

    def first(self, path, prop, value, after):
        for t, p, k, v in self.events:
            if t >= after and p == path and k == prop and v == value:
                return t
        return None

    def flush(self):
        """Dispatch what is already queued, so that it is not stamped
        later than it happened."""
        ctx = ohtest.GLib.MainContext.default()
        while ctx.iteration(False):
            pass

    def close(self):
        self.conn.signal_unsubscribe(self.sid)


figures = []       # (case, what, seconds)
marks = {}         # case -> dict of wall-clock times for the wire analysis


def figure(case, what, seconds):
    figures.append((case, what, seconds))
    info(f'case {case}: {what}: {seconds:.3f} s')


def primary_state(phone_ns, primary, want):
    """Our own OPTIONS from the phone's namespace to the primary."""
    got = netns.sip_options(phone_ns, primary.address, primary.port,
                            timeout=0.5)
    check(got == want, f'primary answers our OPTIONS with {want!r} '
          f'(got {got!r})')


def wait_registered_at(phone, acc, uri, timeout):
    phone.wait_prop(acc, 'Account', 'ActiveProxy', uri, timeout)
    phone.wait_prop(acc, 'Account', 'RegistrationState', 'registered',
                    timeout)


def failover_call(case, phone, acc, log, primary, backup, callee_uri,
                  bound):
    """Dial while the primary is unreachable; the call must go on through
    the backup.  Returns the call path."""
    before = set(phone.get(None, 'Manager', 'Calls'))
    check(phone.get(acc, 'Account', 'ActiveProxy') == primary.uri,
          f'case {case}: before Dial, ActiveProxy is the primary')
    added = phone.watch_signal(None, 'Manager', 'CallAdded')
    log.flush()
    marks[case] = {'dial': time.time()}
    t0 = time.monotonic()
    call = phone.dial(callee_uri)
    path, props = added.wait(2)
    check(path == call, f'case {case}: Dial returns {call}, CallAdded '
          'announces it')
    first_call_id = props.get('SipCallId', '')
    check(props.get('State') == 'dialing' and bool(first_call_id),
          f'case {case}: it starts in dialing with the Call-ID of the INVITE '
          f'to the primary ({first_call_id})')

    def alerting_or_active(state):
        return state in ('alerting', 'active')
    phone.wait_prop(call, 'Call', 'State', alerting_or_active, bound)
    t_alert = log.first(call, 'State', 'alerting', t0) or time.monotonic()
    figure(case, 'Dial -> alerting through the backup', t_alert - t0)
    phone.wait_prop(call, 'Call', 'State', 'active',
                    max(0.5, bound - (time.monotonic() - t0)))
    t_active = log.first(call, 'State', 'active', t0) or time.monotonic()
    figure(case, 'Dial -> active through the backup', t_active - t0)
    check(t_active - t0 <= bound, f'case {case}: the call is active '
          f'through the backup {t_active - t0:.2f} s after Dial '
          f'(bound {bound} s)')

    second_call_id = phone.get(call, 'Call', 'SipCallId')
    check(second_call_id and second_call_id != first_call_id,
          f'case {case}: the same call object carries a new Call-ID '
          f'({second_call_id})')
    check(phone.get(call, 'Call', 'Direction') == 'outgoing' and
          phone.get(call, 'Call', 'DisconnectReason') == '',
          f'case {case}: the call object lived through the failover')
    now_calls = set(phone.get(None, 'Manager', 'Calls'))
    check(now_calls - before == {call}, f'case {case}: the user sees one '
          f'call ({sorted(now_calls - before)})')
    check([e[0] for e in added.events] == [call],
          f'case {case}: CallAdded was emitted once, for {call}')
    added.close()

    phone.wait_prop(acc, 'Account', 'ActiveProxy', backup.uri, 2)
    t_switch = log.first(acc, 'ActiveProxy', backup.uri, t0)
    if t_switch is not None:
        figure(case, 'Dial -> ActiveProxy = backup', t_switch - t0)
    phone.wait_prop(acc, 'Account', 'RegistrationState', 'registered',
                    max(1.0, bound - (time.monotonic() - t0)))
    t_reg = log.first(acc, 'RegistrationState', 'registered',
                      t_switch or t0) or time.monotonic()
    figure(case, 'Dial -> registered at the backup', t_reg - t0)
    check(phone.get(acc, 'Account', 'ActiveProxy') == backup.uri,
          f'case {case}: ActiveProxy is the backup {backup.uri} and the '
          'account is registered there')
    return call


def hang_up(phone, call):
    phone.call(call, 'Call', 'Hangup')
    phone.wait_prop(call, 'Call', 'DisconnectReason', 'local-hangup', 5)


def wait_return(case, phone, acc, log, primary, restore):
    """restore() makes the primary reachable again: back to it, registered."""
    log.flush()
    marks.setdefault(case, {})['restore'] = time.time()
    t0 = time.monotonic()
    restore()
    phone.wait_prop(acc, 'Account', 'ActiveProxy', primary.uri,
                    RETURN_BOUND)
    t_back = log.first(acc, 'ActiveProxy', primary.uri, t0) or \
        time.monotonic()
    figure(case, 'primary reachable -> ActiveProxy = primary', t_back - t0)
    check(t_back - t0 <= RETURN_BOUND, f'case {case}: ActiveProxy returns '
          f'to the primary within probe-interval + 2.5 s')
    phone.wait_prop(acc, 'Account', 'RegistrationState', 'registered', 5)
    t_reg = log.first(acc, 'RegistrationState', 'registered', t_back) or \
        time.monotonic()
    figure(case, 'primary reachable -> registered at the primary',
           t_reg - t0)
    check(phone.get(acc, 'Account', 'ActiveProxy') == primary.uri,
          f'case {case}: registered at the primary again')
    marks[case]['back'] = time.time()


def nft_rule(ns, verdict):
    ns.nft(f'table inet {NFT_TABLE} {{\n'
           '  chain input {\n'
           '    type filter hook input priority 0; policy accept;\n'
           f'    udp dport 5060 {verdict}\n'
           '  }\n'
           '}\n')


def nft_clear(ns):
    ns.nft(f'delete table inet {NFT_TABLE}\n')


def wire_checks(cap, primary, backup, phone_ip):
    """What went over the bridge, per case (wall-clock windows)."""
    fields = ['frame.time_epoch', 'ip.src', 'ip.dst', 'sip.Method',
              'sip.Status-Code', 'sip.CSeq.method', 'sip.Call-ID',
              'sip.Contact']
    rows = cap.packets('sip', fields)
    msgs = []
    for r in rows:
        msgs.append({'t': float(r['frame.time_epoch']), 'src': r['ip.src'],
                     'dst': r['ip.dst'], 'method': r['sip.Method'],
                     'status': r['sip.Status-Code'],
                     'cseq': r['sip.CSeq.method'],
                     'call_id': r['sip.Call-ID'],
                     'contact': r['sip.Contact']})

    def binding_ok(x, proxy):
        # a 200 that confirms a binding (the 200 to an un-REGISTER of the
        # old proxy has no Contact)
        return (x['cseq'] == 'REGISTER' and x['status'] == '200' and
                x['src'] == proxy.address and x['dst'] == phone_ip and
                phone_ip in x['contact'] and 'expires=0' not in x['contact'])

    def between(t0, t1):
        return [m for m in msgs if t0 <= m['t'] < t1]

    for case, back in (('1', '2'), ('3', '3b'), ('4', '4b')):
        m = marks[case]
        window = between(m['dial'], marks[back]['restore'])
        to_primary = [x for x in window if x['method'] == 'INVITE' and
                      x['src'] == phone_ip and x['dst'] == primary.address]
        to_backup = [x for x in window if x['method'] == 'INVITE' and
                     x['src'] == phone_ip and x['dst'] == backup.address]
        check(to_primary and to_backup, f'case {case} (wire): INVITEs to '
              f'the primary ({len(to_primary)}) and then the backup '
              f'({len(to_backup)})')
        gap = to_backup[0]['t'] - to_primary[0]['t']
        figure(case, 'wire: first INVITE to primary -> first INVITE to '
               'backup', gap)
        figure(case, 'wire: Dial -> first INVITE to backup',
               to_backup[0]['t'] - m['dial'])
        ringing = [x for x in window if x['status'] == '180' and
                   x['src'] == backup.address and x['dst'] == phone_ip]
        check(bool(ringing), f'case {case} (wire): 180 Ringing came to the '
              'phone from the backup')
        figure(case, 'wire: Dial -> 180 from the backup',
               ringing[0]['t'] - m['dial'])
        check(to_primary[0]['call_id'] != to_backup[0]['call_id'],
              f'case {case} (wire): the INVITE through the backup has a new '
              'Call-ID')
        regs = [x for x in window if binding_ok(x, backup)]
        check(bool(regs), f'case {case} (wire): a REGISTER got 200 from the '
              'backup with the phone\'s binding')
        figure(case, 'wire: Dial -> REGISTER 200 from the backup',
               regs[0]['t'] - m['dial'])
        tx = len({x['t'] for x in to_primary})
        info(f'case {case}: {tx} INVITE transmission(s) to the primary')
        if case == '4':
            check(tx == 1, 'case 4 (wire): one INVITE to the primary, no '
                  'retransmission (the ICMP error ended it)')
            check(gap < FAST_BOUND, f'case 4 (wire): the backup got the '
                  f'INVITE {gap:.3f} s after the primary (< {FAST_BOUND} s)')
        else:
            check(tx >= RETRANSMISSIONS + 1, f'case {case} (wire): the '
                  f'INVITE was retransmitted to the silent primary ({tx}x)')
            check(TIMEOUT_S * 0.85 <= gap <= TIMEOUT_S + 1.0,
                  f'case {case} (wire): the backup got the INVITE after the '
                  f'{TIMEOUT_S} s timeout ({gap:.3f} s)')
    for case in ('2', '3b', '4b'):
        m = marks[case]
        window = between(m['restore'], m['back'] + 2)
        # the daemon's probes (ours are sent from another port and carry
        # netns-probe Call-IDs)
        answered = [x for x in window if x['cseq'] == 'OPTIONS' and
                    x['status'] == '200' and x['src'] == primary.address and
                    x['dst'] == phone_ip and
                    not x['call_id'].endswith('@netns-probe')]
        check(bool(answered), f'case {case} (wire): the phone probed the '
              'primary with OPTIONS and got 200')
        regs = [x for x in window if binding_ok(x, primary) and
                x['t'] >= answered[0]['t']]
        check(bool(regs), f'case {case} (wire): then a REGISTER got 200 from '
              'the primary with the phone\'s binding')
        figure(case, 'wire: primary reachable -> probe answered',
               answered[0]['t'] - m['restore'])
        figure(case, 'wire: primary reachable -> REGISTER 200 from primary',
               regs[0]['t'] - m['restore'])


with ohtest.Fixture('failover', timeout=120) as fx:
    started = time.monotonic()
    for tool in ('ip', 'nft', 'kamailio', 'sipp', 'tshark'):
        check(bool(shutil.which(tool)), f'{tool} is installed')
    offhookd = os.environ.get('OFFHOOKD')
    if not offhookd:
        ohtest.fail('OFFHOOKD is not set (meson sets it to the built '
                    'offhookd)')

    lan = netns.Lan(fx, {'phone': 10, 'primary': 1, 'backup': 2,
                         'callee': 20})
    phone_ns, callee_ns = lan['phone'], lan['callee']
    ok(f'LAN: {", ".join(f"{r}={ns.name}/{ns.address}" for r, ns in lan.hosts.items())}')

    cap = netns.Capture(fx, lan.bridge, 'br0', 'udp port 5060',
                        name='capture-br0',
                        marker=(lan['phone'], lan.address('callee')))
    primary = netns.Kamailio(fx, lan['primary'], name='kamailio-primary')
    backup = netns.Kamailio(fx, lan['backup'], name='kamailio-backup')
    ok(f'primary {primary.uri} and backup {backup.uri} answer OPTIONS')
    check(netns.sip_options(phone_ns, primary.address) == 200 and
          netns.sip_options(phone_ns, backup.address) == 200,
          'both proxies are reachable from the phone\'s namespace')

    uas = netns.Sipp(fx, callee_ns, 'uas-answer.xml',
                     ['-d', '300', '-mi', callee_ns.address, '-mp', '16000',
                      '-rtp_echo'], name='uas-callee', calls=3, timeout=100)
    uas.wait_bound()
    callee_uri = f'sip:1002@{callee_ns.address}:5060'

    pulse = ohtest.Pulse(fx, sinks=['mic_a', 'spk_a'])
    bus = ohtest.Bus(fx)
    log = PropLog(bus.conn)
    fx.cleanup(log.close)
    phone = ohtest.Phone(fx, 'a', bus, pulse, sip_port=5060,
                         exe=phone_ns.argv([offhookd]),
                         extra_config={'sip': {
                             'address': phone_ns.address,
                             't1-ms': T1_MS,
                             'invite-retransmissions': RETRANSMISSIONS,
                             'probe-interval': PROBE_INTERVAL}})
    acc = phone.add_account('work', 'sip:1001@offhook.test',
                            [primary.uri, backup.uri], '1001', 'pw1001')
    check(phone.get(acc, 'Account', 'Proxies') == [primary.uri, backup.uri],
          'Proxies: primary first, then the backup')
    wait_registered_at(phone, acc, primary.uri, 10)
    ok(f'registered at the primary {primary.uri}')
    info(f'set-up took {time.monotonic() - started:.1f} s')

    # -- case 1: the primary's link goes down
    lan['primary'].ip('link', 'set', 'eth0', 'down')
    primary_state(phone_ns, primary, None)
    call = failover_call('1', phone, acc, log, primary, backup, callee_uri,
                         DIAL_BOUND)
    hang_up(phone, call)
    ok('case 1: link down -> the call went through the backup')

    # -- case 2: the link comes back
    wait_return('2', phone, acc, log, primary,
                lambda: lan['primary'].ip('link', 'set', 'eth0', 'up'))
    primary_state(phone_ns, primary, 200)
    ok('case 2: back on the primary')

    # -- case 3: nft drop
    nft_rule(lan['primary'], 'drop')
    primary_state(phone_ns, primary, None)
    call = failover_call('3', phone, acc, log, primary, backup, callee_uri,
                         DIAL_BOUND)
    hang_up(phone, call)
    ok('case 3: nft drop -> the call went through the backup')
    wait_return('3b', phone, acc, log, primary,
                lambda: nft_clear(lan['primary']))

    # -- case 4: nft reject (ICMP port unreachable): fail over at once
    nft_rule(lan['primary'], 'reject')
    primary_state(phone_ns, primary, 'unreachable')
    call = failover_call('4', phone, acc, log, primary, backup, callee_uri,
                         DIAL_BOUND)
    alert = [s for c, w, s in figures
             if c == '4' and w == 'Dial -> alerting through the backup'][0]
    check(alert < FAST_BOUND, f'case 4: ICMP port unreachable -> alerting '
          f'through the backup after {alert:.3f} s (< {FAST_BOUND} s, well '
          f'under the {TIMEOUT_S} s timeout)')
    hang_up(phone, call)
    ok('case 4: nft reject -> the call went through the backup at once')
    wait_return('4b', phone, acc, log, primary,
                lambda: nft_clear(lan['primary']))

    check(uas.wait(15) == 0, 'the callee saw 3 complete calls (SIPp UAS '
          'exit 0)')
    wire_checks(cap, primary, backup, phone_ns.address)

    info('figures (seconds):')
    for case, what, seconds in figures:
        info(f'  {case:>3}  {seconds:7.3f}  {what}')
    info(f'run time {time.monotonic() - started:.1f} s')
