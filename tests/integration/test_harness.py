# SPDX-License-Identifier: LGPL-2.1-or-later
"""harness-selftest: checks tests/integration/ohtest.py itself, no offhookd.

- Kamailio: OPTIONS probe, digest REGISTER (401) with SIPp, a wrong password
  is refused, INVITE is challenged (407), unknown users get 404, users
  without a binding 480, and a call between two registered SIPp users goes
  through the proxy (Record-Route, in-dialog BYE through the proxy).
- tshark capture of all that, parsed by Capture.sip_messages().
- PulseAudio: 1000 Hz played into mic_a is heard on mic_a.monitor, 440 Hz
  is not, and nothing is heard on spk_a.monitor.
- The D-Bus helpers of Phone against a small fake offhookd (this same file
  run with --fake-offhookd) on a private bus.

Run: /usr/bin/python3 tests/integration/test_harness.py
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ohtest  # noqa: E402
from ohtest import check, ok  # noqa: E402

DOMAIN = 'offhook.test'

REGISTER_XML = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="REGISTER with digest authentication">
  <send retrans="500">
    <![CDATA[

      REGISTER sip:DOMAIN SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      Max-Forwards: 70
      From: <sip:[service]@DOMAIN>;tag=[pid]reg[call_number]
      To: <sip:[service]@DOMAIN>
      Call-ID: [call_id]
      CSeq: 1 REGISTER
      Contact: <sip:[service]@[local_ip]:[local_port]>
      Expires: 3600
      Content-Length: 0

    ]]>
  </send>
  <recv response="401" auth="true"/>
  <send retrans="500">
    <![CDATA[

      REGISTER sip:DOMAIN SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      Max-Forwards: 70
      From: <sip:[service]@DOMAIN>;tag=[pid]reg[call_number]
      To: <sip:[service]@DOMAIN>
      Call-ID: [call_id]
      CSeq: 2 REGISTER
      Contact: <sip:[service]@[local_ip]:[local_port]>
      Expires: 3600
      [authentication]
      Content-Length: 0

    ]]>
  </send>
  <recv response="200"/>
</scenario>
""".replace('DOMAIN', DOMAIN)

# INVITE sip:[service]@DOMAIN as user -au, answered by the proxy with 407,
# resent with credentials; the final answer must be FINAL (not 2xx).
INVITE_FINAL_XML = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="INVITE through the proxy, rejected with FINAL">
  <send retrans="500">
    <![CDATA[

      INVITE sip:[service]@DOMAIN SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      Max-Forwards: 70
      From: <sip:CALLER@DOMAIN>;tag=[pid]inv[call_number]
      To: <sip:[service]@DOMAIN>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:CALLER@[local_ip]:[local_port]>
      Content-Length: 0

    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="407" auth="true"/>
  <send>
    <![CDATA[

      ACK sip:[service]@DOMAIN SIP/2.0
      [last_Via:]
      Max-Forwards: 70
      From: <sip:CALLER@DOMAIN>;tag=[pid]inv[call_number]
      To: <sip:[service]@DOMAIN>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Content-Length: 0

    ]]>
  </send>
  <send retrans="500">
    <![CDATA[

      INVITE sip:[service]@DOMAIN SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      Max-Forwards: 70
      From: <sip:CALLER@DOMAIN>;tag=[pid]inv[call_number]
      To: <sip:[service]@DOMAIN>
      Call-ID: [call_id]
      CSeq: 2 INVITE
      Contact: <sip:CALLER@[local_ip]:[local_port]>
      [authentication]
      Content-Length: 0

    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="FINAL"/>
  <send>
    <![CDATA[

      ACK sip:[service]@DOMAIN SIP/2.0
      [last_Via:]
      Max-Forwards: 70
      From: <sip:CALLER@DOMAIN>;tag=[pid]inv[call_number]
      To: <sip:[service]@DOMAIN>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 ACK
      Content-Length: 0

    ]]>
  </send>
</scenario>
"""

CALL_UAC_XML = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="call through the proxy, caller hangs up">
  <send retrans="500">
    <![CDATA[

      INVITE sip:[service]@DOMAIN SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      Max-Forwards: 70
      From: <sip:1001@DOMAIN>;tag=[pid]call[call_number]
      To: <sip:[service]@DOMAIN>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:1001@[local_ip]:[local_port]>
      Content-Length: 0

    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="407" auth="true"/>
  <send>
    <![CDATA[

      ACK sip:[service]@DOMAIN SIP/2.0
      [last_Via:]
      Max-Forwards: 70
      From: <sip:1001@DOMAIN>;tag=[pid]call[call_number]
      To: <sip:[service]@DOMAIN>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Content-Length: 0

    ]]>
  </send>
  <send retrans="500">
    <![CDATA[

      INVITE sip:[service]@DOMAIN SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      Max-Forwards: 70
      From: <sip:1001@DOMAIN>;tag=[pid]call[call_number]
      To: <sip:[service]@DOMAIN>
      Call-ID: [call_id]
      CSeq: 2 INVITE
      Contact: <sip:1001@[local_ip]:[local_port]>
      [authentication]
      Content-Length: 0

    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="200" rrs="true"/>
  <send>
    <![CDATA[

      ACK [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      [routes]
      Max-Forwards: 70
      From: <sip:1001@DOMAIN>;tag=[pid]call[call_number]
      To: <sip:[service]@DOMAIN>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 ACK
      Content-Length: 0

    ]]>
  </send>
  <pause milliseconds="200"/>
  <send retrans="500">
    <![CDATA[

      BYE [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      [routes]
      Max-Forwards: 70
      From: <sip:1001@DOMAIN>;tag=[pid]call[call_number]
      To: <sip:[service]@DOMAIN>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 3 BYE
      Content-Length: 0

    ]]>
  </send>
  <recv response="200"/>
</scenario>
""".replace('DOMAIN', DOMAIN)

CALL_UAS_XML = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="callee behind the proxy (copies Record-Route)">
  <recv request="INVITE" crlf="true"/>
  <send>
    <![CDATA[

      SIP/2.0 180 Ringing
      [last_Via:]
      [last_Record-Route:]
      [last_From:]
      [last_To:];tag=[pid]uas[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:1002@[local_ip]:[local_port]>
      Content-Length: 0

    ]]>
  </send>
  <send retrans="500">
    <![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_Record-Route:]
      [last_From:]
      [last_To:];tag=[pid]uas[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:1002@[local_ip]:[local_port]>
      Content-Length: 0

    ]]>
  </send>
  <recv request="ACK" crlf="true"/>
  <recv request="BYE"/>
  <send>
    <![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]>
  </send>
</scenario>
"""


def invite_final_xml(caller, final):
    return (INVITE_FINAL_XML.replace('DOMAIN', DOMAIN)
            .replace('CALLER', caller).replace('FINAL', str(final)))


def sipp_register(fx, kam, user, password, port, name):
    return ohtest.Sipp(fx, REGISTER_XML, ['-s', user, '-au', user,
                                          '-ap', password],
                       remote=kam.host_port, name=name, local_port=port,
                       timeout=10)


def check_kamailio(fx):
    kam = ohtest.Kamailio(fx)
    check(kam.options_ping() == 200, 'kamailio answers OPTIONS over UDP')
    check(kam.options_ping(transport='tcp') == 200,
          'kamailio answers OPTIONS over TCP')
    cap = ohtest.Capture(fx, filter='port 5060')

    bad = sipp_register(fx, kam, '1001', 'not-the-password', 5071,
                        'reg-1001-wrong')
    check(bad.wait() != 0 and "received 'SIP/2.0 401" in bad.errors(),
          'REGISTER with a wrong password is challenged again (401)')

    s = ohtest.Sipp(fx, invite_final_xml('1001', 480),
                    ['-s', '1002', '-au', '1001', '-ap', 'pw1001'],
                    remote=kam.host_port, name='invite-offline',
                    local_port=5071, timeout=10)
    check(s.wait() == 0, 'INVITE is challenged (407); a user without a '
          'binding gets 480')
    s = ohtest.Sipp(fx, invite_final_xml('1001', 404),
                    ['-s', '9999', '-au', '1001', '-ap', 'pw1001'],
                    remote=kam.host_port, name='invite-unknown',
                    local_port=5071, timeout=10)
    check(s.wait() == 0, 'an unknown user gets 404')

    r1 = sipp_register(fx, kam, '1001', 'pw1001', 5071, 'reg-1001')
    r2 = sipp_register(fx, kam, '1002', 'pw1002', 5072, 'reg-1002')
    rc1, rc2 = r1.wait(), r2.wait()
    check(rc1 == 0 and rc2 == 0, f'two SIPp clients register with digest '
          f'auth (exit {rc1}, {rc2})')

    uas = ohtest.Sipp(fx, CALL_UAS_XML, remote=None, name='uas-1002',
                      local_port=5072, timeout=15)
    uas.wait_bound()
    uac = ohtest.Sipp(fx, CALL_UAC_XML, ['-s', '1002', '-au', '1001',
                                         '-ap', 'pw1001'],
                      remote=kam.host_port, name='uac-1001',
                      local_port=5071, timeout=15)
    rc_uac, rc_uas = uac.wait(), uas.wait()
    check(rc_uac == 0 and rc_uas == 0, f'1001 calls 1002 through the proxy '
          f'(exit {rc_uac}, {rc_uas})')

    msgs = cap.sip_messages()
    check(len(msgs) > 10, f'the capture holds {len(msgs)} SIP messages')
    regs = [m for m in msgs if m['cseq_method'] == 'REGISTER']
    check(any(m['status'] == 401 and 'realm="offhook.test"' in
              m['www_authenticate'] for m in regs),
          'REGISTER is answered 401 with realm offhook.test')
    check(any(m['method'] == 'REGISTER' and 'username="1002"' in
              m['authorization'] for m in regs) and
          any(m['status'] == 200 for m in regs),
          'REGISTER with Authorization is answered 200')
    invites = [m for m in msgs if m['cseq_method'] == 'INVITE']
    check(any(m['status'] == 407 and m['proxy_authenticate'] for m in
              invites), 'INVITE is answered 407 with Proxy-Authenticate')
    check(any(m['method'] == 'INVITE' and 'username="1001"' in
              m['proxy_authorization'] for m in invites),
          'INVITE is resent with Proxy-Authorization')
    check({404, 480} <= {m['status'] for m in invites},
          'the capture shows the 404 and the 480')
    byes = [m for m in msgs if m['method'] == 'BYE']
    check(any(m['dport'] == '5060' and 'lr' in m['route'] for m in byes),
          'the BYE goes through the proxy (record-routed)')
    check(any(m['sport'] == '5060' and m['dport'] == '5072' for m in byes),
          'the proxy relays the BYE to the callee')


def check_pulse(fx):
    pulse = ohtest.Pulse(fx, sinks=['mic_a', 'spk_a'])
    check(pulse.server.startswith('unix:') and
          os.path.exists(pulse.server[5:]), 'pulseaudio is up')
    tone = pulse.play_tone('mic_a', 1000)
    check(pulse.wait_for_tone('mic_a.monitor', 1000, 500, 5),
          f'1000 Hz played into mic_a is heard on mic_a.monitor '
          f'({pulse.last_tone_ms} ms)')
    samples = pulse.record('mic_a.monitor', 1.0)
    check(len(samples) >= 7000, f'recorded {len(samples)} samples in 1 s')
    heard = ohtest.tone_ms(samples, 8000, 1000)
    check(heard >= 800, f'{heard} ms of 1000 Hz in a 1 s recording')
    heard440 = ohtest.tone_ms(samples, 8000, 440)
    check(heard440 == 0, f'no 440 Hz in it ({heard440} ms)')
    check(not pulse.wait_for_tone('mic_a.monitor', 440, 100, 1),
          f'wait_for_tone(440 Hz) is False ({pulse.last_tone_ms} ms)')
    check(not pulse.wait_for_tone('spk_a.monitor', 1000, 100, 1),
          'nothing is heard on spk_a.monitor')
    tone.stop()
    dtmf = pulse.play_tone('spk_a', (697, 1209), seconds=1.0)
    check(pulse.wait_for_tone('spk_a.monitor', 1209, 300, 5) and
          pulse.last_tone_ms >= 300, 'a bounded dual tone (DTMF 1) is heard')
    dtmf.wait(5)
    check(not pulse.wait_for_tone('spk_a.monitor', 697, 60, 0.5),
          'the bounded tone ended by itself')
    pure = ohtest.sine(1000, 0.2, 8000)
    import array
    a = array.array('h')
    a.frombytes(pure)
    check(ohtest.tone_ms(a, 8000, 1000) == 200 and
          ohtest.tone_ms(a, 8000, 1100) == 0 and
          ohtest.tone_ms(array.array('h', [0] * 1600), 8000, 1000) == 0,
          'tone_ms on synthetic samples')
    return pulse


def check_dbus(fx, pulse):
    bus = ohtest.Bus(fx)
    check(bus.address.startswith('unix:path='), f'private bus {bus.address}')
    phone = ohtest.Phone(fx, 'a', bus, pulse, sip_port=5062,
                         exe=[sys.executable, os.path.abspath(__file__),
                              '--fake-offhookd'],
                         extra_config={'sip': {'ring-timeout': '5'}})
    version = phone.get('', 'Manager', 'Version')
    check(version == 'fake port=5062 source=mic_a.monitor sink=spk_a '
          'ring-timeout=5', f'the config reaches the daemon ({version})')
    phone.set('', 'Manager', 'DoNotDisturb', True)
    phone.wait_prop('', 'Manager', 'DoNotDisturb', True, 5)
    ok('wait_prop sees a delayed PropertiesChanged')
    try:
        phone.wait_prop('', 'Manager', 'DoNotDisturb', False, 0.3)
    except ohtest.TestFailure:
        ok('wait_prop times out on a value that never comes')
    else:
        ohtest.fail('wait_prop returned a value that never came')
    acc = phone.add_account('work', 'sip:1001@offhook.test',
                            ['sip:127.0.0.1:5060'], '1001', 'pw1001',
                            transport='udp', call_waiting=True)
    check(acc == '/org/offhook/Phone1/Account/work', f'AddAccount -> {acc}')
    phone.wait_prop(acc, 'Account', 'RegistrationState',
                    lambda s: s == 'registered', 5)
    ok('account registered (fake)')
    msg = phone.expect_dbus_error('InvalidArguments', phone.dial, '')
    check('empty' in msg, f'expect_dbus_error returns the message ({msg!r})')
    args = phone.wait_signal('', 'Manager', 'CallAdded', 5,
                             trigger=lambda: phone.dial('1002'))
    check(args[0] == '/org/offhook/Phone1/Call/1' and
          args[1]['RemoteUri'] == 'sip:1002@offhook.test',
          f'wait_signal(CallAdded) -> {args[0]}')
    rc = phone.stop()
    check(rc == 0, f'the fake daemon exits 0 on SIGTERM ({rc})')


def main():
    ohtest.isolate()
    with ohtest.Fixture('harness-selftest', timeout=100) as fx:
        check_kamailio(fx)
        pulse = check_pulse(fx)
        check_dbus(fx, pulse)


# ------------------------------------------------------------ fake offhookd

FAKE_XML = """
<node>
  <interface name="org.offhook.Phone1.Manager">
    <method name="AddAccount">
      <arg direction="in" type="a{sv}" name="settings"/>
      <arg direction="out" type="o" name="account"/>
    </method>
    <method name="Dial">
      <arg direction="in" type="s" name="target"/>
      <arg direction="in" type="a{sv}" name="options"/>
      <arg direction="out" type="o" name="call"/>
    </method>
    <signal name="CallAdded">
      <arg type="o" name="call"/>
      <arg type="a{sv}" name="properties"/>
    </signal>
    <property name="Version" type="s" access="read"/>
    <property name="DoNotDisturb" type="b" access="readwrite"/>
  </interface>
  <interface name="org.offhook.Phone1.Account">
    <method name="SetCredentials">
      <arg direction="in" type="s" name="username"/>
      <arg direction="in" type="s" name="password"/>
    </method>
    <property name="RegistrationState" type="s" access="read"/>
  </interface>
</node>
"""


def fake_offhookd(argv):
    """A stand-in for offhookd, enough to exercise ohtest.Phone."""
    import signal
    from gi.repository import Gio, GLib
    assert '--session' in argv and '--verbose' in argv, argv
    cfg = GLib.KeyFile()
    cfg.load_from_file(argv[argv.index('--config') + 1], 0)
    assert os.path.isdir(argv[argv.index('--state-dir') + 1])
    version = (f"fake port={cfg.get_integer('sip', 'port')} "
               f"source={cfg.get_string('audio', 'source')} "
               f"sink={cfg.get_string('audio', 'sink')} "
               f"ring-timeout={cfg.get_string('sip', 'ring-timeout')}")
    assert os.environ.get('G_DEBUG') == 'fatal-criticals'
    assert os.environ.get('PULSE_SERVER', '').startswith('unix:')
    node = Gio.DBusNodeInfo.new_for_xml(FAKE_XML)
    manager_if = node.lookup_interface('org.offhook.Phone1.Manager')
    account_if = node.lookup_interface('org.offhook.Phone1.Account')
    state = {'DoNotDisturb': False, 'calls': 0}
    accounts = {}
    loop = GLib.MainLoop()
    conn = Gio.bus_get_sync(Gio.BusType.SESSION, None)

    def changed(path, iface, prop, value):
        conn.emit_signal(None, path, 'org.freedesktop.DBus.Properties',
                         'PropertiesChanged',
                         GLib.Variant('(sa{sv}as)', (iface, {prop: value},
                                                     [])))

    def later(ms, fn):
        def run():
            fn()
            return GLib.SOURCE_REMOVE
        GLib.timeout_add(ms, run)

    def account_get(conn_, sender, path, iface, prop):
        return GLib.Variant('s', accounts[path])

    def account_call(conn_, sender, path, iface, method, params, inv):
        user, _password = params.unpack()
        accounts[path] = 'registering'
        changed(path, iface, 'RegistrationState',
                GLib.Variant('s', 'registering'))

        def registered():
            accounts[path] = 'registered'
            changed(path, iface, 'RegistrationState',
                    GLib.Variant('s', 'registered'))
        later(200, registered)
        inv.return_value(None)

    def manager_call(conn_, sender, path, iface, method, params, inv):
        err = 'org.offhook.Phone1.Error.'
        if method == 'AddAccount':
            settings = params.unpack()[0]
            if not settings.get('id') or not settings.get('aor'):
                inv.return_dbus_error(err + 'InvalidArguments',
                                      'id and aor are required')
                return
            assert settings['proxies'] == ['sip:127.0.0.1:5060'], settings
            assert settings['call-waiting'] is True, settings
            apath = f'/org/offhook/Phone1/Account/{settings["id"]}'
            accounts[apath] = 'unregistered'
            conn.register_object(apath, account_if, account_call,
                                 account_get, None)
            inv.return_value(GLib.Variant('(o)', (apath,)))
        elif method == 'Dial':
            target, _options = params.unpack()
            if not target:
                inv.return_dbus_error(err + 'InvalidArguments',
                                      'the target is empty')
                return
            state['calls'] += 1
            cpath = f'/org/offhook/Phone1/Call/{state["calls"]}'
            inv.return_value(GLib.Variant('(o)', (cpath,)))
            conn.emit_signal(None, '/org/offhook/Phone1', iface, 'CallAdded',
                             GLib.Variant('(oa{sv})', (cpath, {
                                 'RemoteUri': GLib.Variant(
                                     's', f'sip:{target}@offhook.test')})))

    def manager_get(conn_, sender, path, iface, prop):
        if prop == 'Version':
            return GLib.Variant('s', version)
        return GLib.Variant('b', state['DoNotDisturb'])

    def manager_set(conn_, sender, path, iface, prop, value):
        def apply():
            state['DoNotDisturb'] = value.unpack()
            changed(path, iface, prop, value)
        later(150, apply)     # a real daemon may take its time too
        return True

    conn.register_object('/org/offhook/Phone1', manager_if, manager_call,
                         manager_get, manager_set)
    Gio.bus_own_name_on_connection(conn, 'org.offhook.Phone1',
                                   Gio.BusNameOwnerFlags.NONE, None,
                                   lambda *a: loop.quit())
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    print('fake offhookd running', flush=True)
    loop.run()
    print('fake offhookd: SIGTERM, exiting', flush=True)
    return 0


if __name__ == '__main__':
    if len(sys.argv) > 1 and sys.argv[1] == '--fake-offhookd':
        sys.exit(fake_offhookd(sys.argv[2:]))
    main()
