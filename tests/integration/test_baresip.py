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
``null``), PCMU only.  Needs packages baresip-core, libasound2-plugins.

1. A dials 1002, baresip reports the incoming call and accepts it (command
   ``accept``); a 1 kHz tone into A's microphone is heard on baresip's
   speaker and a 600 Hz tone into baresip's microphone on A's speaker;
   baresip hangs up and A sees ``remote-hangup``.
2. baresip dials 1001, A sees an incoming call from 1002 and answers over
   D-Bus; tones both ways again; A hangs up (``local-hangup``) and baresip
   reports the call closed.

Run: OFFHOOKD=build/daemon/offhookd /usr/bin/python3 tests/integration/test_baresip.py
"""

import json
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ohtest  # noqa: E402
from ohtest import check, ok  # noqa: E402

ohtest.isolate()

BARESIP_MODULES = '/usr/lib/baresip/modules'


class Baresip:
    """baresip with a private config dir, driven over ctrl_tcp."""

    def __init__(self, fx, pulse, kam, user, password, sip_port=5080,
                 ctrl_port=4444, mic='mic_b', spk='spk_b',
                 rtp_ports=(30000, 30099)):
        self.fx = fx
        self.user = user
        self.aor = f'sip:{user}@{kam.domain}'
        d = fx.path('baresip')
        os.makedirs(d)
        self.dir = d
        pulse.ensure_sink(mic)
        pulse.ensure_sink(spk)
        self.mic, self.spk = mic, spk
        for mod in ('g711', 'alsa', 'ctrl_tcp', 'menu', 'account'):
            if not os.path.exists(f'{BARESIP_MODULES}/{mod}.so'):
                ohtest.fail(f'baresip module {mod}.so is missing '
                            f'(package baresip-core)')
        with open(os.path.join(d, 'config'), 'w') as f:
            f.write(f"""\
poll_method		epoll
sip_listen		127.0.0.1:{sip_port}
net_interface		127.0.0.1
call_local_timeout	120
call_max_calls		4
audio_player		alsa,pulse:{spk}
audio_source		alsa,pulse:{mic}.monitor
audio_alert		alsa,null
ausrc_srate		8000
auplay_srate		8000
ausrc_channels		1
auplay_channels		1
audio_buffer		20-160
rtp_ports		{rtp_ports[0]}-{rtp_ports[1]}
rtcp_mux		no
jitter_buffer_delay	5-10
module_path		{BARESIP_MODULES}
module			g711.so
module			alsa.so
module_tmp		account.so
module_app		menu.so
module_app		ctrl_tcp.so
ctrl_tcp_listen		127.0.0.1:{ctrl_port}
""")
        # the account is created over ctrl_tcp once the test listens, so
        # that its REGISTER_OK event cannot be missed
        self.account = (f'<{self.aor}>;auth_user={user};auth_pass={password};'
                        f'outbound="{kam.uri}";regint=600;answermode=manual;'
                        'audio_codecs=pcmu')
        with open(os.path.join(d, 'accounts'), 'w') as f:
            f.write('')
        with open(os.path.join(d, 'contacts'), 'w') as f:
            f.write('')
        env = ohtest.base_env(HOME=d)
        env.update(pulse.env())
        self.proc = fx.spawn('baresip', ['baresip', '-f', d], env=env)
        self._events = []
        self._responses = []
        self._cond = threading.Condition()
        self._token = 0
        self.sock = ohtest.wait_until(lambda: self._connect(ctrl_port), 15,
                                      0.05, 'baresip ctrl_tcp to listen')
        self._reader = threading.Thread(target=self._read, daemon=True,
                                        name='baresip-ctrl')
        self._reader.start()
        fx.cleanup(self._close)

    def _connect(self, port):
        if not self.proc.alive():
            ohtest.fail(f'baresip exited with status {self.proc.returncode}')
        try:
            return socket.create_connection(('127.0.0.1', port), timeout=1)
        except OSError:
            return None

    def _close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def _read(self):
        buf = b''
        self.sock.settimeout(None)
        while True:
            try:
                chunk = self.sock.recv(65536)
            except OSError:
                chunk = b''
            if not chunk:
                break
            buf += chunk
            while b':' in buf:
                head, rest = buf.split(b':', 1)
                n = int(head)
                if len(rest) < n + 1:
                    break
                payload, buf = rest[:n], rest[n + 1:]
                msg = json.loads(payload.decode('utf-8', 'replace'))
                with self._cond:
                    if msg.get('event'):
                        self._events.append(msg)
                    else:
                        self._responses.append(msg)
                    self._cond.notify_all()
        with self._cond:
            self._events.append(None)
            self._cond.notify_all()

    def command(self, command, params='', timeout=10):
        """Run a baresip command; returns its response dict (ok must be
        true)."""
        self._token += 1
        token = f't{self._token}'
        data = json.dumps({'command': command, 'params': params,
                           'token': token}).encode()
        self.sock.sendall(b'%d:%s,' % (len(data), data))
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for r in self._responses:
                    if r.get('token') == token:
                        self._responses.remove(r)
                        if not r.get('ok'):
                            ohtest.fail(f'baresip {command} {params}: {r}')
                        return r
                left = deadline - time.monotonic()
                if left <= 0:
                    ohtest.fail(f'baresip did not answer {command} within '
                                f'{timeout} s')
                self._cond.wait(left)

    def mark(self):
        """Position in the event list: wait_event(after=mark) sees only
        later events."""
        with self._cond:
            return len(self._events)

    def wait_event(self, etype, timeout=10, after=0):
        """The first event of type etype (e.g. CALL_INCOMING) at or after
        position ``after``; returns (event, position after it)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            i = after
            while True:
                while i < len(self._events):
                    ev = self._events[i]
                    i += 1
                    if ev is None:
                        ohtest.fail(f'baresip control connection closed '
                                    f'before {etype}')
                    if ev.get('type') == etype:
                        return ev, i
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [e.get('type') for e in self._events[after:] if e]
                    ohtest.fail(f'baresip: no {etype} within {timeout} s '
                                f'(events: {seen})')
                self._cond.wait(left)


def tones_both_ways(pulse, a, b, label):
    tone_a = pulse.play_tone(a.mic, 1000)
    tone_b = pulse.play_tone(b.mic, 600)
    try:
        check(pulse.wait_for_tone(b.spk + '.monitor', 1000, 400, 15),
              f'{label}: 1 kHz from A\'s mic heard on baresip\'s speaker '
              f'({pulse.last_tone_ms} ms)')
        check(pulse.wait_for_tone(a.spk + '.monitor', 600, 400, 15),
              f'{label}: 600 Hz from baresip\'s mic heard on A\'s speaker '
              f'({pulse.last_tone_ms} ms)')
    finally:
        tone_a.stop()
        tone_b.stop()


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
    tones_both_ways(pulse, a, b, 'A -> baresip')
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
    tones_both_ways(pulse, a, b, 'baresip -> A')
    stats = a.wait_prop(call_b, 'Call', 'Statistics',
                        lambda s: s.get('packets-sent', 0) > 20 and s.get('packets-received', 0) > 20, 5)
    ok('A statistics: %d sent, %d received' % (stats['packets-sent'], stats['packets-received']))
    m = b.mark()
    a.call(call_b, 'Call', 'Hangup')
    a.wait_prop(call_b, 'Call', 'DisconnectReason', 'local-hangup', 5)
    b.wait_event('CALL_CLOSED', 10, m)
    ok('A hung up: baresip reports the call closed')
    check(b.proc.alive() and a.proc.alive(), 'both phones still run')
