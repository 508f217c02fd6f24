# SPDX-License-Identifier: LGPL-2.1-or-later
"""baresip -- Debian's baresip as a headless far end (or peer) for tests.

Used by tests/integration/test_baresip.py and tests/bench/bench.py; the
only copy of the baresip driver.  Needs packages baresip-core and
libasound2-plugins, and a test started through ohtest (a Fixture, a Pulse,
a Kamailio).

baresip runs from a private config dir (``baresip -f DIR``) with no UI
module and is driven over its ``ctrl_tcp`` control socket: commands are
netstring-framed JSON ``{"command", "params", "token"}``, responses carry
the token back, events (``{"event": true, "type": ...}``) come the same
way.  Debian's baresip-core has no PulseAudio module, so audio goes through
the ``alsa`` module and ALSA's ``pulse`` plugin into the test's private
PulseAudio (``<mic>.monitor`` as microphone, ``<spk>`` as speaker; alerts to
ALSA's ``null``).  Only one codec module is loaded (``codec``: pcmu, the
default, g711.so; g722, g722.so; opus, opus.so, mono at 64 kbit/s like
GStreamer's opusenc), and the account offers that codec only.

Baresip(fx, pulse, kam, user, password, sip_port=5080, ctrl_port=4444,
        mic='mic_b', spk='spk_b', rtp_ports=(30000, 30099), name='baresip',
        register_at_start=False, regint=600, codec='pcmu')
    Writes DIR = fx.tmp/<name> (config, accounts, contacts), spawns
    ``baresip -f DIR`` through fx.spawn (log: fx.tmp/<name>.log, stdout
    pumped so that .proc.wait_output() works) and connects to ctrl_tcp
    (bounded).  The account is ``sip:<user>@<kam.domain>`` with digest
    credentials, outbound proxy ``kam.uri``, answermode=manual,
    audio_codecs=<codec>.
    register_at_start=False: the accounts file is empty; create the account
    with ``b.command('uanew', b.account)`` once you listen for REGISTER_OK
    (so the event cannot be missed).  True: the account is in the accounts
    file and baresip registers as it starts (events sent before the control
    connection exists are lost: use a capture or .proc.wait_output()).
    .proc (ohtest.Proc), .dir, .aor, .account (the account line), .mic,
    .spk, .sip_port, .ctrl_port
    .command(command, params='', timeout=10) -> response dict
        run a command and wait for its response (ok must be true, else
        TestFailure).  .last_sent: time.time() taken just before the
        command's bytes were written to the socket.
    .mark() -> position in the event list
    .wait_event(etype, timeout=10, after=0) -> (event dict, position)
        the first event of type etype (REGISTER_OK, CALL_INCOMING,
        CALL_RINGING, CALL_ESTABLISHED, CALL_CLOSED...) at or after ``after``.
    .stop(timeout=10) -> exit code: closes the control connection, then
        SIGTERM (baresip un-registers on the way out).
"""

import json
import os
import socket
import threading
import time

import ohtest

BARESIP_MODULES = '/usr/lib/baresip/modules'
REQUIRED_MODULES = ('alsa', 'ctrl_tcp', 'menu', 'account')
# codec: (module, the audio rate around it)
CODECS = {'pcmu': ('g711', 8000), 'g722': ('g722', 16000),
          'opus': ('opus', 48000)}


class Baresip:
    """baresip with a private config dir, driven over ctrl_tcp."""

    def __init__(self, fx, pulse, kam, user, password, sip_port=5080,
                 ctrl_port=4444, mic='mic_b', spk='spk_b',
                 rtp_ports=(30000, 30099), name='baresip',
                 register_at_start=False, regint=600, codec='pcmu'):
        self.fx = fx
        self.user = user
        self.aor = f'sip:{user}@{kam.domain}'
        self.sip_port = sip_port
        self.ctrl_port = ctrl_port
        name = fx.unique(name)
        d = fx.path(name)
        os.makedirs(d)
        self.dir = d
        pulse.ensure_sink(mic)
        pulse.ensure_sink(spk)
        self.mic, self.spk = mic, spk
        codec_module, rate = CODECS[codec]
        for mod in REQUIRED_MODULES + (codec_module,):
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
ausrc_srate		{rate}
auplay_srate		{rate}
ausrc_channels		1
auplay_channels		1
audio_buffer		20-160
rtp_ports		{rtp_ports[0]}-{rtp_ports[1]}
rtcp_mux		no
jitter_buffer_delay	5-10
module_path		{BARESIP_MODULES}
module			{codec_module}.so
opus_bitrate		64000
opus_stereo		no
opus_sprop_stereo	no
module			alsa.so
module_tmp		account.so
module_app		menu.so
module_app		ctrl_tcp.so
ctrl_tcp_listen		127.0.0.1:{ctrl_port}
""")
        self.account = (f'<{self.aor}>;auth_user={user};auth_pass={password};'
                        f'outbound="{kam.uri}";regint={regint};'
                        f'answermode=manual;audio_codecs={codec}')
        with open(os.path.join(d, 'accounts'), 'w') as f:
            f.write(self.account + '\n' if register_at_start else '')
        with open(os.path.join(d, 'contacts'), 'w') as f:
            f.write('')
        env = ohtest.base_env(HOME=d)
        env.update(pulse.env())
        self.proc = fx.spawn(name, ['baresip', '-f', d], env=env,
                             watch=True, reserved=True)
        self._events = []
        self._responses = []
        self._cond = threading.Condition()
        self._token = 0
        self.last_sent = None
        self.sock = ohtest.wait_until(lambda: self._connect(ctrl_port), 15,
                                      0.05, 'baresip ctrl_tcp to listen')
        self._reader = threading.Thread(target=self._read, daemon=True,
                                        name=f'{name}-ctrl')
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

    def stop(self, timeout=10):
        """Close the control connection (the client side keeps the
        TIME_WAIT), then SIGTERM baresip; returns its exit code."""
        self._close()
        self._reader.join(2)
        return self.proc.stop(timeout)

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
        true).  self.last_sent: when its bytes were handed to the kernel."""
        self._token += 1
        token = f't{self._token}'
        data = json.dumps({'command': command, 'params': params,
                           'token': token}).encode()
        frame = b'%d:%s,' % (len(data), data)
        self.last_sent = time.time()
        self.sock.sendall(frame)
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
