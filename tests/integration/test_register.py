# SPDX-License-Identifier: LGPL-2.1-or-later
"""register: registration through a real Kamailio and against broken registrars.

Phone A (with --sip-trace) registers two accounts with Kamailio:
- work (1001, expires=60): REGISTER -> 401 -> REGISTER with Authorization ->
  200, RegistrationExpires about 60 s ahead, then a refreshing REGISTER before
  the binding runs out (Sofia refreshes 15..45 s into a 60 s binding), without
  the state ever leaving `registered`; at SIGTERM it is un-REGISTERed and the
  daemon exits 0.
- home (1002): Unregister(), Enabled=false and RemoveAccount() each send an
  un-REGISTER (expires 0) that Kamailio answers 200, with the states
  `unregistered` and `disabled` on the bus.
Phone B (t1-ms=100) has three accounts that cannot register:
- bad (1003, wrong password): `failed`/`auth`, and no further REGISTER.
- refused: a SIPp registrar answers 403: `failed`/`403 Forbidden`, no retry.
- silent: the proxy is a UDP socket of this test that never answers (no
  ICMP): `failed`/`timeout`, then retries after 5 s, then after a longer
  back-off.
Secrets: no password in any log (SIP trace on), on the bus (every object
manager property) or on the wire; the secrets file is 0600 and holds them,
accounts.conf does not; a removed account's secret is forgotten.
Every on-the-wire check reads one tshark capture at the end.
"""

import os
import re
import select
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ohtest  # noqa: E402
from ohtest import check, ok, info  # noqa: E402
from gi.repository import GLib  # noqa: E402

ohtest.isolate()

PW = {'1001': 'Kq7-pw1001-xZ', '1002': 'Kq7-pw1002-yW', '1003': 'Kq7-pw1003-vU'}
WRONG = 'Kq7-wrong1003-tS'
PORT_A, PORT_B = 5062, 5064
PORT_403, PORT_SILENT = 5080, 5090
PROPS = 'org.freedesktop.DBus.Properties'


FAILED = []


def expect(cond, msg):
    """A check that lets the test go on when it fails (so that every other
    check still runs); the test fails at the end."""
    if cond:
        ok(msg)
    else:
        print(f'not ok - {msg}', flush=True)
        FAILED.append(msg)


# ------------------------------------------------------------ wire helpers

def wire(cap):
    """All SIP messages of the capture, each with its epoch time."""
    msgs = cap.sip_messages()
    epochs = {r['frame.number']: float(r['frame.time_epoch'])
              for r in cap.packets('sip', ['frame.number', 'frame.time_epoch'])}
    for m in msgs:
        m['epoch'] = epochs[m['frame']]
    return msgs


def is_register(m):
    return m['method'] == 'REGISTER'


def is_unregister(m):
    return is_register(m) and (m['expires'].strip() == '0' or
                               re.search(r'expires=0(?!\d)', m['contact']))


def response(msgs, req):
    """The final response to req (same Call-ID and CSeq), or None."""
    for m in msgs:
        if (m['status'] and m['status'] >= 200 and m['frame'] != req['frame'] and
                m['call_id'] == req['call_id'] and m['cseq'] == req['cseq'] and
                m['cseq_method'] == req['method'] and
                int(m['frame']) > int(req['frame'])):
            return m
    return None


def transactions(msgs):
    """First message of each (Call-ID, CSeq): retransmissions dropped."""
    seen, out = set(), []
    for m in msgs:
        key = (m['call_id'], m['cseq'])
        if key not in seen:
            seen.add(key)
            out.append(m)
    return out


def registers(msgs, sport=None, dport=None, user=None):
    return [m for m in msgs if is_register(m) and
            (sport is None or m['sport'] == str(sport)) and
            (dport is None or m['dport'] == str(dport)) and
            (user is None or m['from_user'] == user)]


def requested_expires(m):
    c = re.search(r'expires=(\d+)', m['contact'])
    return int(c.group(1)) if c else int(m['expires'] or -1)


# ---------------------------------------------------------- silent proxy

def silent_attempt(sock, seen, timeout):
    """Wait for a REGISTER transaction not seen before on the silent proxy's
    socket; returns (monotonic arrival time, Call-ID, CSeq)."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            ohtest.fail(f'no new REGISTER on the silent proxy within {timeout} s')
        r, _, _ = select.select([sock], [], [], left)
        if not r:
            continue
        data = sock.recv(65535).decode('utf-8', 'replace')
        if not data.startswith('REGISTER '):
            continue
        cid = re.search(r'^(?:Call-ID|i)\s*:\s*(\S+)', data, re.M | re.I)
        cseq = re.search(r'^CSeq\s*:\s*(\d+)', data, re.M | re.I)
        key = (cid.group(1) if cid else '', cseq.group(1) if cseq else '')
        if key not in seen:
            seen.add(key)
            return time.monotonic(), key


def drain(sock, seen):
    sock.setblocking(False)
    try:
        while True:
            data = sock.recv(65535).decode('utf-8', 'replace')
            cid = re.search(r'^(?:Call-ID|i)\s*:\s*(\S+)', data, re.M | re.I)
            cseq = re.search(r'^CSeq\s*:\s*(\d+)', data, re.M | re.I)
            seen.add((cid.group(1) if cid else '', cseq.group(1) if cseq else ''))
    except BlockingIOError:
        pass
    finally:
        sock.setblocking(True)


def state_changes(phone, watch, after='registered'):
    """RegistrationState values announced by PropertiesChanged after the
    first time it became `after`, in order."""
    # a round trip: every signal the daemon sent before is in; deliver them
    phone.get(None, 'Manager', 'Version')
    ctx = GLib.MainContext.default()
    while ctx.iteration(False):
        pass
    out = []
    for iface, changed, invalidated in watch.events:
        if iface == ohtest.ACCOUNT and 'RegistrationState' in changed:
            out.append(changed['RegistrationState'])
    if after in out:
        out = out[out.index(after) + 1:]
    return out


with ohtest.Fixture('register', timeout=150) as fx:
    kam = ohtest.Kamailio(fx, users=PW)
    cap = ohtest.Capture(fx, filter='udp portrange 5060-5090',
                         sip_ports=(PORT_A, PORT_B, PORT_403, PORT_SILENT))
    registrar = ohtest.Sipp(fx, 'uas-register-403.xml', local_port=PORT_403,
                            timeout=60)
    registrar.wait_bound()
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(('127.0.0.1', PORT_SILENT))
    fx.cleanup(silent.close)

    bus_a = ohtest.Bus(fx, 'bus_a')
    bus_b = ohtest.Bus(fx, 'bus_b')
    a = ohtest.Phone(fx, 'a', bus_a, None, sip_port=PORT_A, args=['--sip-trace'])
    b = ohtest.Phone(fx, 'b', bus_b, None, sip_port=PORT_B, args=['--sip-trace'],
                     extra_config={'sip': {'t1-ms': 100}})

    # ---- (a) digest registration, expires=60
    work_watch = a.watch_signal('Account/work', PROPS, 'PropertiesChanged')
    work = a.add_account('work', 'sip:1001@offhook.test', [kam.uri], '1001',
                         PW['1001'], expires=60)
    a.wait_prop(work, 'Account', 'RegistrationState', 'registered', 10)
    t_registered = time.time()
    ok('work (1001) registered with Kamailio')
    exp1 = a.get(work, 'Account', 'RegistrationExpires')
    check(t_registered + 50 <= exp1 / 1e6 <= t_registered + 61,
          f'RegistrationExpires is about 60 s ahead ({exp1 / 1e6 - t_registered:.1f} s)')
    check(a.get(work, 'Account', 'RegistrationError') == '', 'no RegistrationError')
    check(a.get(work, 'Account', 'ActiveProxy') == kam.uri, 'ActiveProxy is Kamailio')

    home = a.add_account('home', 'sip:1002@offhook.test', [kam.uri], '1002', PW['1002'])
    a.wait_prop(home, 'Account', 'RegistrationState', 'registered', 10)
    ok('home (1002) registered with Kamailio')

    # ---- (d) (e) (f) accounts that cannot register, all at once on phone B
    bad_watch = b.watch_signal('Account/bad', PROPS, 'PropertiesChanged')
    refused_watch = b.watch_signal('Account/refused', PROPS, 'PropertiesChanged')
    bad = b.add_account('bad', 'sip:1003@offhook.test', [kam.uri], register=False)
    b.call(bad, 'Account', 'SetCredentials', ('1003', WRONG), 'ss')
    b.call(bad, 'Account', 'Update',
           GLib.Variant.new_tuple(ohtest.variant_dict({'register': True})))
    refused = b.add_account('refused', 'sip:2001@offhook.test',
                            [f'sip:127.0.0.1:{PORT_403}'])
    quiet = b.add_account('silent', 'sip:2002@offhook.test',
                          [f'sip:127.0.0.1:{PORT_SILENT}'])

    b.wait_prop(bad, 'Account', 'RegistrationState', 'failed', 10)
    t_bad_failed = time.time()
    check(b.get(bad, 'Account', 'RegistrationError') == 'auth',
          'wrong password: failed with RegistrationError "auth"')
    check(b.get(bad, 'Account', 'RegistrationExpires') == 0, 'no binding: RegistrationExpires 0')

    b.wait_prop(refused, 'Account', 'RegistrationState', 'failed', 10)
    t_refused_failed = time.time()
    err = b.get(refused, 'Account', 'RegistrationError')
    expect(err == '403 Forbidden', f'403 registrar: failed with "403 Forbidden" (got {err!r})')
    check(registrar.wait(10) == 0, 'the SIPp registrar got its REGISTER and sent 403')

    b.wait_prop(quiet, 'Account', 'RegistrationState', 'failed', 10)
    t_quiet_failed = time.monotonic()
    err = b.get(quiet, 'Account', 'RegistrationError')
    expect(err == 'timeout', f'silent proxy: failed with "timeout" (got {err!r})')
    seen = set()
    drain(silent, seen)
    check(len(seen) == 1, 'the silent proxy got one REGISTER transaction before the timeout')
    t_retry1, _ = silent_attempt(silent, seen, 10)
    gap1 = t_retry1 - t_quiet_failed
    check(gap1 >= 4.5, f'silent proxy: the retry REGISTER comes after the 5 s back-off '
          f'({gap1:.1f} s after the failure)')

    # ---- (c) Unregister, Register, Enabled=false/true, RemoveAccount on home
    # (epoch times: each un-REGISTER is looked for on the wire in the window
    # between the action and the next one; while registered again, none)
    t_unregister = time.time()
    a.call(home, 'Account', 'Unregister')
    a.wait_prop(home, 'Account', 'RegistrationState', 'unregistered', 10)
    check(a.get(home, 'Account', 'RegistrationExpires') == 0,
          'Unregister(): state unregistered, RegistrationExpires 0')
    t_register = time.time()
    a.call(home, 'Account', 'Register')
    a.wait_prop(home, 'Account', 'RegistrationState', 'registered', 10)
    ok('Register() registers again')

    t_disable = time.time()
    a.set(home, 'Account', 'Enabled', False)
    a.wait_prop(home, 'Account', 'RegistrationState', 'disabled', 10)
    ok('Enabled=false: state disabled')
    a.set(home, 'Account', 'Enabled', True)
    a.wait_prop(home, 'Account', 'RegistrationState', 'registered', 10)
    t_enabled = time.time()
    ok('Enabled=true registers again')

    t_remove = time.time()
    a.call(None, 'Manager', 'RemoveAccount', (home,), 'o')
    a.wait_prop(None, 'Manager', 'Accounts', lambda v: home not in v, 5)
    ok('RemoveAccount(): the account is gone from Manager.Accounts')
    try:
        a.get_all(home, 'Account')
        ohtest.fail('the removed account still answers GetAll')
    except GLib.Error:
        ok('the removed account object is gone from the bus')

    # ---- (g) secrets: bus, files
    for phone, secrets in ((a, [PW['1001'], PW['1002']]), (b, [WRONG])):
        objects = phone.call(None, 'org.freedesktop.DBus.ObjectManager',
                             'GetManagedObjects')[0]
        text = repr(objects)
        check(all(s not in text for s in secrets),
              f'phone {phone.name}: no password in any exported property')
    props = a.get_all(work, 'Account')
    check(props['HasPassword'] and props['Username'] == '1001',
          'work: HasPassword true, Username 1001')
    secrets_a = os.path.join(a.state_dir, 'secrets')
    check(os.path.exists(secrets_a), 'phone a has a secrets file in its state dir')
    mode = os.stat(secrets_a).st_mode & 0o777
    check(mode == 0o600, f'the secrets file is mode 0600 (is {mode:o})')
    with open(secrets_a) as f:
        text = f.read()
    check(PW['1001'] in text, 'the secrets file holds the password of work')
    check(PW['1002'] not in text, 'the removed account\'s password left the secrets file')
    with open(os.path.join(a.state_dir, 'accounts.conf')) as f:
        text = f.read()
    check(PW['1001'] not in text and PW['1002'] not in text,
          'accounts.conf holds no password')
    check('[account work]' in text or 'work' in text, 'accounts.conf holds the work account')
    with open(os.path.join(b.state_dir, 'secrets')) as f:
        check(WRONG in f.read(), 'phone b\'s secrets file holds the (wrong) password')
    with open(os.path.join(b.state_dir, 'accounts.conf')) as f:
        check(WRONG not in f.read(), 'phone b\'s accounts.conf holds no password')

    # ---- (f) the back-off grows
    t_retry2, _ = silent_attempt(silent, seen, 16)
    gap2 = t_retry2 - t_retry1
    check(gap2 >= gap1 + 3, f'silent proxy: the next retry waits longer ({gap2:.1f} s '
          f'after the first retry; the first came {gap1:.1f} s after the failure)')

    # ---- (b) refresh before expiry (Sofia: 15..45 s into a 60 s binding)
    left = t_registered + 52 - time.time()  # 45 s at the latest, + timer slack
    exp2 = a.wait_prop(work, 'Account', 'RegistrationExpires', lambda v: v > exp1 + 1e6,
                       max(left, 1))
    t_refreshed = time.time()
    check(t_refreshed < exp1 / 1e6, f'work refreshed {t_refreshed - t_registered:.1f} s '
          'after registering, before the binding ran out')
    check(exp2 / 1e6 - t_refreshed > 50, 'the refreshed binding again runs about 60 s')
    check(a.get(work, 'Account', 'RegistrationState') == 'registered', 'still registered')
    changes = state_changes(a, work_watch)
    check(changes == [], f'RegistrationState never left "registered" during the refresh '
          f'(changes: {changes})')
    work_watch.close()

    # ---- (d) (e) no retry after auth and 403 failures: both stay failed
    for what, path, since in (('bad', bad, t_bad_failed), ('refused', refused, t_refused_failed)):
        expect(time.time() - since >= 5, f'{what}: watched for {time.time() - since:.0f} s '
               'after the failure')
        expect(b.get(path, 'Account', 'RegistrationState') == 'failed',
               f'{what}: still failed')
    for what, watch in (('bad', bad_watch), ('refused', refused_watch)):
        changes = state_changes(b, watch, after='failed')
        expect(changes == [], f'{what}: RegistrationState stayed "failed": no retry by itself '
               f'(changes after the failure: {changes})')
        watch.close()

    # ---- (c) SIGTERM un-registers and exits 0
    t_stop = time.time()
    rc = a.stop(15)
    expect(rc == 0, f'offhookd a exits 0 on SIGTERM (status {rc})')
    rc = b.stop(15)
    expect(rc == 0, f'offhookd b exits 0 on SIGTERM (status {rc})')
    t_end = time.time()

    # ---- everything on the wire
    msgs = wire(cap)
    info(f'{len(msgs)} SIP messages captured')

    # (a)
    from_a = registers(msgs, sport=PORT_A, user='1001')
    authed = [m for m in from_a if m['authorization']]
    check(authed, 'work sent a REGISTER with Authorization')
    first = authed[0]
    ok200 = response(msgs, first)
    check(ok200 is not None and ok200['status'] == 200,
          f'the REGISTER with Authorization got 200 (got {ok200 and ok200["status"]})')
    expect('Digest' in first['authorization'] and 'response=' in first['authorization'] and
           'username="1001"' in first['authorization'],
           'the Authorization is a Digest for user 1001 with a response')
    plain = [m for m in from_a if m['call_id'] == first['call_id'] and
             m['cseq'] == first['cseq'] - 1]
    check(plain and not plain[0]['authorization'],
          'before it: a REGISTER without Authorization, same Call-ID, CSeq - 1')
    challenge = response(msgs, plain[0])
    expect(challenge is not None and challenge['status'] == 401 and
           'Digest' in challenge['www_authenticate'] and
           'realm="offhook.test"' in challenge['www_authenticate'],
           'Kamailio challenged it with 401 and a Digest WWW-Authenticate')
    expect(requested_expires(first) == 60, f'the REGISTER asks for 60 s '
           f'(Expires {first["expires"]!r}, Contact {first["contact"]!r})')

    # (b)
    refresh = [m for m in transactions(from_a)
               if m['call_id'] == first['call_id'] and m['cseq'] > first['cseq'] and
               not is_unregister(m) and m['epoch'] > ok200['epoch'] + 10]
    check(refresh, 'a refreshing REGISTER (same Call-ID, higher CSeq) went out')
    r = refresh[0]
    answer = response(msgs, r)
    if answer and answer['status'] == 401:
        again = [m for m in refresh if m['cseq'] == r['cseq'] + 1]
        check(again, 'the refresh answered Kamailio\'s new challenge')
        r = again[0]
        answer = response(msgs, r)
    expect(answer is not None and answer['status'] == 200 and r['authorization'],
           f'the refresh ({r["epoch"] - ok200["epoch"]:.1f} s after the first 200) carries '
           'Authorization and got 200')
    expect(r['epoch'] < exp1 / 1e6, 'the refresh went out before the binding expired')
    expect(requested_expires(r) == 60, 'the refresh asks for 60 s again')

    # (c)
    def unregister_in(user, window, what):
        lo, hi = window
        found = [m for m in transactions(registers(msgs, sport=PORT_A, user=user))
                 if is_unregister(m) and lo - 0.05 <= m['epoch'] <= hi + 0.05]
        check(found, f'{what}: an un-REGISTER (expires 0) for {user} went out')
        resp = response(msgs, found[0])
        expect(resp is not None and resp['status'] == 200,
               f'{what}: Kamailio answered the un-REGISTER 200 '
               f'(got {resp and resp["status"]})')
    unregister_in('1002', (t_unregister, t_register), 'Unregister()')
    unregister_in('1002', (t_disable, t_enabled), 'Enabled=false')
    unregister_in('1002', (t_remove, t_stop), 'RemoveAccount()')
    for lo, hi, what in ((t_register, t_disable, 'after Register()'),
                         (t_enabled, t_remove, 'after Enabled=true')):
        late = [m for m in registers(msgs, sport=PORT_A, user='1002')
                if is_unregister(m) and lo <= m['epoch'] <= hi]
        expect(not late, f'{what}: no un-REGISTER removes the new binding')
    home_regs = [m for m in transactions(registers(msgs, sport=PORT_A, user='1002'))
                 if t_disable <= m['epoch'] <= t_enabled]
    expect(home_regs and not is_unregister(home_regs[-1]) and
           response(msgs, home_regs[-1]) and response(msgs, home_regs[-1])['status'] == 200,
           'Enabled=false then true: the un-REGISTER comes before the new binding, '
           'which Kamailio accepts')
    unregister_in('1001', (t_stop, t_end), 'SIGTERM')

    # (d)
    bad_regs = transactions(registers(msgs, sport=PORT_B, user='1003'))
    expect([bool(m['authorization']) for m in bad_regs] == [False, True],
           f'wrong password: one REGISTER without and one with Authorization, no more '
           f'(saw {len(bad_regs)})')
    expect(all(response(msgs, m) and response(msgs, m)['status'] == 401 for m in bad_regs),
           'Kamailio answered both with 401')
    late = [m for m in bad_regs if m['epoch'] > t_bad_failed]
    expect(not late, f'no REGISTER for 1003 in the {t_stop - t_bad_failed:.0f} s after the '
           'failure')

    # (e)
    to_403 = transactions(registers(msgs, dport=PORT_403))
    expect(len(to_403) == 1, f'403 registrar: exactly one REGISTER transaction in '
           f'{t_stop - t_refused_failed:.0f} s (saw {len(to_403)})')
    resp = response(msgs, to_403[0])
    expect(resp is not None and resp['status'] == 403, 'it was answered 403')

    # (f)
    to_silent = registers(msgs, dport=PORT_SILENT)
    attempts = transactions(to_silent)
    expect(len(attempts) >= 3, f'silent proxy: first attempt and two retries '
           f'(saw {len(attempts)} transactions)')
    first_try = [m for m in to_silent if m['call_id'] == attempts[0]['call_id'] and
                 m['cseq'] == attempts[0]['cseq']]
    expect(len(first_try) >= 3, f'the first REGISTER was retransmitted before the timeout '
           f'({len(first_try)} copies within '
          f'{first_try[-1]["epoch"] - first_try[0]["epoch"]:.2f} s)')

    # (g) logs and wire
    for phone, secrets in ((a, [PW['1001'], PW['1002']]), (b, [WRONG])):
        log = phone.log_text()
        expect(re.search(r'REGISTER sip:\S+ SIP/2\.0', log) is not None,
               f'phone {phone.name}: the SIP trace is in the log')
        leaked = [s for s in secrets if s in log]
        expect(not leaked, f'phone {phone.name}: no password in the log')
    digests = set()
    for m in msgs:
        for v in re.findall(r'response="?([0-9a-f]{32,})', m['authorization']):
            digests.add(v)
    expect(digests, f'{len(digests)} digest responses seen on the wire')
    leaked = [d for d in digests if d in a.log_text() or d in b.log_text()]
    expect(not leaked, 'no digest response in the logs (the trace redacts them)')
    with open(cap.pcap, 'rb') as f:
        raw = f.read()
    expect(all(s.encode() not in raw for s in list(PW.values()) + [WRONG]),
           'no password in clear on the wire')

    if FAILED:
        ohtest.fail(f'{len(FAILED)} check(s) failed: ' + '; '.join(FAILED))
