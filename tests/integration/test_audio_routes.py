# SPDX-License-Identifier: LGPL-2.1-or-later
"""audio-routes: the route, volume and mute of a live call.

Phone A maps its handset to spk_a/mic_a and its speaker route to
spk_a2/mic_a2 (config [audio]); B is a plain phone. During one call:

1. On the handset, B's 600 Hz comes out of spk_a, not spk_a2.
2. AudioRoute=speaker: the tone moves to spk_a2 and leaves spk_a; A's
   speaker microphone (mic_a2) now reaches B; the same call stays active.
3. Volume=25 on the speaker route: A's call stream in PulseAudio is at 25 %;
   back on the handset Volume shows the handset's own value (60), and
   audio.conf in the state directory holds route and both volumes.
4. MicrophoneMuted=true: B hears nothing from A's microphone while RTP
   still arrives at B (packets-received grows) and the call stays active;
   false: the tone is back.
5. A bad AudioRoute keeps the old one.

Run: OFFHOOKD=build/daemon/offhookd /usr/bin/python3 tests/integration/test_audio_routes.py
"""

import configparser
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ohtest  # noqa: E402
from ohtest import GLib, check, ok  # noqa: E402

ohtest.isolate()


def call_stream_volume(pulse, pid):
    """Volume in % of A's call playback stream, from pactl."""
    text = pulse.pactl('list', 'sink-inputs')
    for block in text.split('Sink Input #')[1:]:
        if (f'application.process.id = "{pid}"' in block and
                'offhook.role = "call"' in block and
                'media.name = "tone"' not in block):
            m = re.search(r'Volume:.*?(\d+)%', block)
            if m:
                return int(m.group(1))
    return None


with ohtest.Fixture('audio-routes', timeout=170) as fx:
    kam = ohtest.Kamailio(fx)
    pulse = ohtest.Pulse(fx, sinks=['mic_a', 'spk_a', 'mic_a2', 'spk_a2',
                                    'mic_b', 'spk_b'])
    a, acc_a = ohtest.registered_phone(
        fx, 'a', pulse, kam, '1001', 5062,
        extra_config={'audio': {'speaker-sink': 'spk_a2',
                                'speaker-source': 'mic_a2.monitor'}})
    b, acc_b = ohtest.registered_phone(fx, 'b', pulse, kam, '1002', 5064)
    ok('both phones registered')

    call_a, call_b = ohtest.active_call(a, b, '1002')

    # ---- 1: handset
    tone_b = pulse.play_tone(b.mic, 600)
    check(pulse.wait_for_tone('spk_a.monitor', 600, 400, 10),
          'on the handset, B is heard on spk_a')
    check(not pulse.wait_for_tone('spk_a2.monitor', 600, 100, 1.5),
          'and not on the speaker')

    # ---- 2: speaker, mid-call
    a.set(None, 'Manager', 'AudioRoute', GLib.Variant('s', 'speaker'))
    check(pulse.wait_for_tone('spk_a2.monitor', 600, 400, 10),
          'AudioRoute=speaker: B is now heard on spk_a2')
    check(not pulse.wait_for_tone('spk_a.monitor', 600, 100, 1.5),
          'and no longer on the handset')
    tone_a2 = pulse.play_tone('mic_a2', 1000)
    check(pulse.wait_for_tone(b.spk + '.monitor', 1000, 400, 10),
          'the speaker route\'s microphone reaches B')
    check(a.get(call_a, 'Call', 'State') == 'active', 'the call stayed active')
    ok('the live call moved to the speaker route')

    # ---- 3: volumes per route, persisted
    a.set(None, 'Manager', 'Volume', GLib.Variant('u', 25))
    vol = ohtest.wait_until(lambda: call_stream_volume(pulse, a.proc.pid) == 25 and 25,
                            5, 0.1, 'the call stream at 25 %')
    ok(f'Volume=25: the call stream plays at {vol} %')
    a.set(None, 'Manager', 'AudioRoute', GLib.Variant('s', 'handset'))
    check(a.get(None, 'Manager', 'Volume') == 60, 'the handset keeps its own volume (60)')
    state = configparser.ConfigParser()
    state.read(os.path.join(a.state_dir, 'audio.conf'))
    check(state.get('audio', 'route', fallback='') == 'handset' and
          state.get('audio', 'speaker-volume', fallback='') == '25' and
          state.get('audio', 'handset-volume', fallback='') == '60',
          f'audio.conf keeps the route and each route\'s volume '
          f'({dict(state["audio"]) if state.has_section("audio") else {}})')
    a.set(None, 'Manager', 'AudioRoute', GLib.Variant('s', 'speaker'))

    # ---- 4: mute
    a.set(None, 'Manager', 'MicrophoneMuted', GLib.Variant('b', True))
    before = b.get(call_b, 'Call', 'Statistics').get('packets-received', 0)
    # what was on its way before the mute may still play, briefly
    runs = ohtest.cadence(pulse.record(b.spk + '.monitor', 4.0), 8000, 1000)
    check(not runs[-1][0] and runs[-1][1] >= 3000,
          f'muted: within a second B hears nothing more of A\'s microphone ({runs})')
    after = b.wait_prop(call_b, 'Call', 'Statistics',
                        lambda s: s.get('packets-received', 0) > before + 50, 5)
    check(a.get(call_a, 'Call', 'State') == 'active', 'muted: the call stays active')
    ok(f'muted: RTP still flows ({after["packets-received"] - before} more packets at B)')
    a.set(None, 'Manager', 'MicrophoneMuted', GLib.Variant('b', False))
    check(pulse.wait_for_tone(b.spk + '.monitor', 1000, 400, 10),
          'unmuted: B hears A again')
    tone_a2.stop()
    tone_b.stop()

    # ---- 5: bad route
    a.set(None, 'Manager', 'AudioRoute', GLib.Variant('s', 'kitchen'))
    check(a.get(None, 'Manager', 'AudioRoute') == 'speaker', 'a bad route keeps the old one')

    a.call(call_a, 'Call', 'Hangup')
    b.wait_prop(call_b, 'Call', 'State', 'disconnected', 5)
    ok('audio-routes: all checks passed')
