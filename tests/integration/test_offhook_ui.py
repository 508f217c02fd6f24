# SPDX-License-Identifier: LGPL-2.1-or-later
"""offhook-ui: a person's hands on a real phone.

offhook-ui runs for phone A (registered as 1001 at Kamailio) inside tmux
with the terminal display, under umockdev with the recorded keypad and
handset of tests/hal/data and a line-1 LED; the test presses keys and moves
the hook switch by writing evdev events into the fake devices.  Phone B
(1002) is a plain offhookd driven over D-Bus.

1. Lifting the handset gives US dial tone (350 + 440 Hz) on A's handset
   sink; the display shows the digits 1002 pressed on the keypad; # dials;
   B rings; B answers; a tone each way is heard at the other end; the
   display shows the connected call; putting the handset down ends the
   call on both phones.
2. B calls A: the line lamp blinks fast (the LED's timer trigger at
   250 ms), the display shows the caller, and the frame written to
   --png-dir equals the committed picture
   (tests/integration/data/offhook-ui-incoming.png); lifting the handset
   answers, the lamp stays lit; softkey 1 holds the call (the lamp blinks
   slowly) and resumes it; softkey 3 (Conf) with a single call is refused
   by the daemon (a conference needs two calls) and the display shows that
   for a few seconds; the
   speaker key (a --keymap entry) takes the call over, so that putting the
   handset down does not end it (checked after the mute key's request,
   which follows any hang-up); B hanging up ends it.
3. A's daemon stops: the display says so; a new one starts on the same
   bus: the display follows it (its account registers) and lifting the
   handset gives dial tone from it.

Run: OFFHOOKD=build/daemon/offhookd OFFHOOK_UI=build/ui/offhook-ui/offhook-ui \
       /usr/bin/python3 tests/integration/test_offhook_ui.py
"""

import glob
import os
import shlex
import signal
import struct
import subprocess
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ohtest  # noqa: E402
from ohtest import check, ok  # noqa: E402

ohtest.isolate()

import gi  # noqa: E402
gi.require_version('UMockdev', '1.0')
from gi.repository import UMockdev  # noqa: E402

UI = os.environ.get('OFFHOOK_UI')
HERE = os.path.dirname(os.path.abspath(__file__))
HAL_DATA = os.path.join(HERE, '..', 'hal', 'data')
EXPECTED_PNG = os.path.join(HERE, 'data', 'offhook-ui-incoming.png')
LED = 'phone:green:line-1'
COLS, ROWS = 40, 12

EV_SYN, EV_KEY, EV_SW = 0, 1, 5
SW_DOCK = 5
KEYS = {str(i): 0x200 + i for i in range(10)}
KEYS.update({'*': 0x20a, '#': 0x20b, 'F1': 59, 'F3': 61, 'SPEAKER': 155, 'MUTE': 113})


class Devices:
    """The fake keypad, handset and line lamp (a umockdev testbed)."""

    def __init__(self):
        self.bed = UMockdev.Testbed.new()
        for name, node in (('keypad', '/dev/input/event0'), ('handset', '/dev/input/event1')):
            with open(os.path.join(HAL_DATA, name + '.umockdev')) as f:
                self.bed.add_from_string(f.read())
            self.bed.load_ioctl(node, os.path.join(HAL_DATA, name + '.ioctl'))
        self.bed.add_device('leds', LED, None,
                             ['brightness', '0', 'max_brightness', '255',
                              'trigger', '[none] timer', 'delay_on', '0', 'delay_off', '0'], [])

    def _write(self, node, events):
        fd = self.bed.get_dev_fd(node)
        data = b''.join(struct.pack('llHHi', 0, 0, t, c, v)
                        for t, c, v in events + [(EV_SYN, 0, 0)])
        if os.write(fd, data) != len(data):
            ohtest.fail(f'a short write to {node}')

    def keys(self, text):
        for ch in [text] if text in KEYS else text:
            self._write('/dev/input/event0', [(EV_KEY, KEYS[ch], 1)])
            self._write('/dev/input/event0', [(EV_KEY, KEYS[ch], 0)])

    def hook(self, off_hook):
        # the handset rests on SW_DOCK: active = on hook
        self._write('/dev/input/event1', [(EV_SW, SW_DOCK, 0 if off_hook else 1)])

    def led(self, attribute):
        path = os.path.join(self.bed.get_root_dir(), 'sys', 'devices', LED, attribute)
        with open(path) as f:
            return f.read().strip()


class Tmux:
    """offhook-ui on a terminal of a private tmux server."""

    def __init__(self, fx, argv, env):
        self.socket = fx.path('tmux.sock')
        self.pid_file, self.status_file = fx.path('offhook-ui.pid'), fx.path('offhook-ui.status')
        launcher = fx.path('offhook-ui.sh')
        # the shell keeps offhook-ui's pid and exit status: tmux does not
        # always reap its pane's process in time to report it
        with open(launcher, 'w') as f:
            f.write('env -i %s %s 2>%s &\necho $! >%s\nwait $!\necho $? >%s.new\nmv %s.new %s\n' % (
                ' '.join(shlex.quote(f'{k}={v}') for k, v in env.items()),
                ' '.join(shlex.quote(a) for a in argv), shlex.quote(fx.path('offhook-ui.log')),
                *(shlex.quote(p) for p in (self.pid_file, self.status_file, self.status_file,
                                           self.status_file))))
        fx.cleanup(self.stop)
        self.run('-f', '/dev/null', 'new-session', '-d', '-x', str(COLS), '-y', str(ROWS),
                 'sh ' + shlex.quote(launcher))

    def run(self, *args):
        return subprocess.run(['tmux', '-S', self.socket] + list(args), check=True,
                              capture_output=True, text=True, timeout=10).stdout

    def screen(self):
        return self.run('capture-pane', '-p', '-t', '0')

    def wait_for(self, text, timeout=10):
        """The pane shows text (there is no event for a terminal's contents)."""
        return ohtest.wait_until(lambda: text in self.screen(), timeout, interval=0.1,
                                 what=f'"{text}" on the terminal')

    def terminate(self):
        """SIGTERM to offhook-ui; its exit status."""
        with open(self.pid_file) as f:
            os.kill(int(f.read()), signal.SIGTERM)
        ohtest.wait_until(lambda: os.path.exists(self.status_file), 10, interval=0.1,
                          what='offhook-ui ending')
        with open(self.status_file) as f:
            return int(f.read())

    def stop(self):
        subprocess.run(['tmux', '-S', self.socket, 'kill-server'], capture_output=True, timeout=10)


def ui_log(fx):
    with open(fx.path('offhook-ui.log')) as f:
        return f.read()


def png_pixels(path):
    """The decompressed image data of a PNG (what it shows, not how it was compressed)."""
    with open(path, 'rb') as f:
        data = f.read()
    pos, idat, header = 8, b'', b''
    while pos < len(data):
        length, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b'IHDR':
            header = body
        elif kind == b'IDAT':
            idat += body
        pos += 12 + length
    return header, zlib.decompress(idat)


def ui_env(bed):
    env = {k: v for k, v in ohtest.base_env().items()
           if k in ('PATH', 'LANG', 'ASAN_OPTIONS', 'UBSAN_OPTIONS', 'LSAN_OPTIONS')}
    env.update(UMOCKDEV_DIR=bed.get_root_dir(), TERM='screen', LC_ALL='C.UTF-8',
               G_DEBUG='fatal-criticals')
    # the preload library comes first in the library order, which ASan accepts when told
    env['ASAN_OPTIONS'] = ':'.join(filter(None, [env.get('ASAN_OPTIONS', 'detect_leaks=0'),
                                                 'verify_asan_link_order=0']))
    return env


with ohtest.Fixture('offhook-ui', timeout=85) as fx:
    check(UI and os.access(UI, os.X_OK), 'OFFHOOK_UI names the offhook-ui binary')
    kam = ohtest.Kamailio(fx)
    pulse = ohtest.Pulse(fx, sinks=['mic_a', 'spk_a', 'mic_b', 'spk_b'])
    a, acc_a = ohtest.registered_phone(fx, 'a', pulse, kam, '1001', 5062)
    b, acc_b = ohtest.registered_phone(fx, 'b', pulse, kam, '1002', 5064)
    ok('both phones registered')

    dev = Devices()
    png_dir = fx.path('frames')
    keymap = fx.path('phone.keymap')
    with open(keymap, 'w') as f:
        f.write('[keys]\nKEY_MAIL = speaker\n')
    tmux = Tmux(fx, ['umockdev-wrapper', UI, '--address', a.bus.address,
                     '--display', f'terminal:{COLS}x{ROWS}', '--keypad', '/dev/input/event0',
                     '--hook', '/dev/input/event1', '--hook-code', 'SW_DOCK', '--hook-inverted',
                     '--keymap', keymap, '--png-dir', png_dir], ui_env(dev.bed))
    tmux.wait_for('registered')
    ok('the idle screen shows the account registered')

    # 1. an outgoing call made with the handset and the keypad
    dev.hook(True)
    check(pulse.wait_for_tone(a.spk + '.monitor', 350, 400, 10), 'dial tone: 350 Hz on the handset')
    check(pulse.wait_for_tone(a.spk + '.monitor', 440, 400, 5), 'dial tone: 440 Hz on the handset')
    check(a.get(None, 'Manager', 'AudioRoute') == 'handset', 'the audio route is the handset')
    added = b.watch_signal(None, 'Manager', 'CallAdded')
    dev.keys('1002')
    tmux.wait_for('Dial: 1002')
    ok('the display shows the digits: ' + tmux.screen().splitlines()[2].strip())
    dev.keys('#')
    call_b = added.wait(10)[0]
    b.wait_prop(call_b, 'Call', 'State', 'incoming', 5)
    ok('B rings')
    call_a = a.get(None, 'Manager', 'Calls')[-1]
    a.wait_prop(call_a, 'Call', 'State', 'alerting', 5)
    tmux.wait_for('Ringing')
    b.call(call_b, 'Call', 'Answer')
    a.wait_prop(call_a, 'Call', 'State', 'active', 10)
    tmux.wait_for('Connected')
    ok('the display shows the call connected')
    tone_a = pulse.play_tone(a.mic, 1000)
    tone_b = pulse.play_tone(b.mic, 600)
    check(pulse.wait_for_tone(b.spk + '.monitor', 1000, 400, 15), "A's 1 kHz heard on B's speaker")
    check(pulse.wait_for_tone(a.spk + '.monitor', 600, 400, 15), "B's 600 Hz heard on A's handset")
    tone_a.stop()
    tone_b.stop()
    dev.hook(False)
    a.wait_prop(call_a, 'Call', 'DisconnectReason', 'local-hangup', 5)
    b.wait_prop(call_b, 'Call', 'DisconnectReason', 'remote-hangup', 5)
    ok('putting the handset down ended the call on both phones')
    added.close()

    # 2. an incoming call: the lamp blinks, the caller shows, lifting answers
    added = a.watch_signal(None, 'Manager', 'CallAdded')
    call_b = b.dial('1001')
    call_a = added.wait(10)[0]
    a.wait_prop(call_a, 'Call', 'State', 'incoming', 5)
    tmux.wait_for('Incoming call')
    ohtest.wait_until(lambda: dev.led('trigger') == 'timer' and dev.led('delay_on') == '250', 5,
                      what='the line lamp blinking fast')
    ok('the line lamp blinks fast (timer trigger, 250 ms)')
    check('1002' in tmux.screen(), 'the display shows the caller 1002')
    expected = png_pixels(EXPECTED_PNG)
    frames = sorted(glob.glob(os.path.join(png_dir, 'frame-*.png')))
    check(any(png_pixels(f) == expected for f in frames),
          f'a frame of the incoming call equals {os.path.basename(EXPECTED_PNG)} '
          f'({len(frames)} frames in {png_dir})')
    dev.hook(True)
    a.wait_prop(call_a, 'Call', 'State', 'active', 10)
    b.wait_prop(call_b, 'Call', 'State', 'active', 10)
    ok('lifting the handset answered the call')
    ohtest.wait_until(lambda: dev.led('trigger') == 'none' and dev.led('brightness') != '0', 5,
                      what='the line lamp steadily lit')
    ok('the line lamp is lit during the call')
    dev.keys('F1')
    a.wait_prop(call_a, 'Call', 'State', 'held', 10)
    b.wait_prop(call_b, 'Call', 'RemoteHeld', True, 10)
    tmux.wait_for('On hold')
    ohtest.wait_until(lambda: dev.led('delay_on') == '1000', 5, what='the line lamp blinking slowly')
    ok('softkey 1 (Hold) held the call: the display and the slowly blinking lamp show it')
    dev.keys('F1')
    a.wait_prop(call_a, 'Call', 'State', 'active', 10)
    tmux.wait_for('Connected')
    ok('softkey 1 again (Resume) resumed it')
    dev.keys('F3')
    tmux.wait_for('Conference:')
    ok('softkey 3 (Conf) asked the daemon, its refusal shows: '
       + [l for l in tmux.screen().splitlines() if 'Conference:' in l][0].strip())
    ohtest.wait_until(lambda: 'Conference:' not in tmux.screen(), 6, interval=0.2,
                      what='the message going')
    check(a.get(call_a, 'Call', 'State') == 'active', 'the call goes on')
    dev.keys('SPEAKER')
    a.wait_prop(None, 'Manager', 'AudioRoute', 'speaker', 5)
    ok('the speaker key (KEY_MAIL by --keymap) moves the call to the speaker')
    downs = ui_log(fx).count('handset put down')
    dev.hook(False)
    ohtest.wait_until(lambda: ui_log(fx).count('handset put down') > downs, 5,
                      what='offhook-ui seeing the handset put down')
    # the mute key's request follows any hang-up on offhook-ui's connection
    dev.keys('MUTE')
    a.wait_prop(None, 'Manager', 'MicrophoneMuted', True, 5)
    check(a.get(call_a, 'Call', 'State') == 'active',
          'putting the handset down did not end the call the speaker took over')
    b.call(call_b, 'Call', 'Hangup')
    a.wait_prop(call_a, 'Call', 'DisconnectReason', 'remote-hangup', 5)
    ohtest.wait_until(lambda: dev.led('brightness') == '0', 10, what='the line lamp dark')
    ok('the line lamp goes dark after the call')

    # 3. the daemon restarts: the UI waits for it and follows the new one
    a.stop()
    tmux.wait_for('offhookd not running')
    ok('the display says the daemon is gone')
    a2 = ohtest.Phone(fx, 'a2', a.bus, pulse, sip_port=5066, mic=a.mic, spk=a.spk)
    tmux.wait_for('No account')
    acc = a2.add_account('work', 'sip:1001@' + kam.domain, [kam.uri], '1001', kam.users['1001'])
    a2.wait_prop(acc, 'Account', 'RegistrationState', 'registered', 10)
    tmux.wait_for('registered')
    ok('the display follows the restarted daemon')
    dev.hook(True)
    check(pulse.wait_for_tone(a.spk + '.monitor', 350, 400, 10), 'dial tone again from the new daemon')
    dev.hook(False)

    end = tmux.terminate()
    check(end == 0, f'offhook-ui exits 0 on SIGTERM (status {end})')
    log = ui_log(fx)
    for bad in ('CRITICAL', 'WARNING', 'runtime error', 'AddressSanitizer'):
        check(bad not in log, f'no "{bad}" in offhook-ui\'s log')
