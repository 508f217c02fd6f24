# SPDX-License-Identifier: LGPL-2.1-or-later
"""tones: progress tones of two countries, measured off the speaker.

Phone A (tone-country us) and phone B (de) register with Kamailio; every
check records a phone's speaker sink (a PulseAudio null sink's monitor) and
measures the frequencies and the on/off cadence of what came out.

1. PlayTone: us busy is 480+620 Hz, 500 ms on / 500 ms off; us congestion
   250/250; de busy 425 Hz 480/480; de dial 425 Hz without a break; a
   duration ends the tone by itself; StopTone silences it; a key click
   (dtmf-5) is 770+1336 Hz for about 100 ms; an unknown tone is refused
   with InvalidArguments.
2. A call plays its own tones: A dials B and hears us ringback (440+480 Hz)
   while B rings, and nothing once B answered; B with DoNotDisturb refuses
   with 486 and A hears busy for about 3 s (ending with a whole burst),
   then silence.
3. Call waiting: during A's call with B, a SIPp caller rings A: no ringer,
   a 440 Hz beep (us call-waiting, 300 ms) in A's earpiece; it stops when
   the caller gives up.
4. The ringer: a SIPp caller with Alert-Info Bellcore-dr2 rings B in that
   cadence (800 ms bursts) at RingerVolume, until it gives up; a call from
   A (no Alert-Info) rings B's ringtone file (a WAV of 700 Hz bursts made
   here) and the ringer stops the moment B answers.

Run: OFFHOOKD=build/daemon/offhookd /usr/bin/python3 tests/integration/test_tones.py
"""

import os
import re
import sys
import wave

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ohtest  # noqa: E402
from ohtest import GLib, check, ok  # noqa: E402

ohtest.isolate()

RATE = 8000


def play(phone, tone, ms=0):
    phone.call(None, 'Manager', 'PlayTone', (tone, ms), 'su')


def runs_of(pulse, phone, freq, seconds):
    samples = pulse.record(phone.spk + '.monitor', seconds, RATE)
    return samples, ohtest.cadence(samples, RATE, freq)


def ringer_volume(pulse, pid):
    """Volume in % of the phone's ringer stream, from pactl."""
    for block in pulse.pactl('list', 'sink-inputs').split('Sink Input #')[1:]:
        if (f'application.process.id = "{pid}"' in block and
                'offhook.role = "ringer"' in block):
            m = re.search(r'Volume:.*?(\d+)%', block)
            if m:
                return int(m.group(1))
    return None


def silent(pulse, phone, freq, seconds):
    samples = pulse.record(phone.spk + '.monitor', seconds, RATE)
    return ohtest.tone_ms(samples, RATE, freq, 0.2) == 0


with ohtest.Fixture('tones', timeout=170) as fx:
    kam = ohtest.Kamailio(fx)
    pulse = ohtest.Pulse(fx, sinks=['mic_a', 'spk_a', 'mic_b', 'spk_b'])
    a, acc_a = ohtest.registered_phone(
        fx, 'a', pulse, kam, '1001', 5062,
        extra_config={'audio': {'tone-country': 'us'}})
    ringtone = fx.path('ring.wav')
    with wave.open(ringtone, 'wb') as w:     # 700 Hz, 0.5 s on, 0.5 s off
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(ohtest.sine(700, 0.5, 16000) + bytes(16000))
    b, acc_b = ohtest.registered_phone(
        fx, 'b', pulse, kam, '1002', 5064,
        extra_config={'audio': {'tone-country': 'de', 'ringtone': ringtone}})
    ok('both phones registered')

    # ---- 1: PlayTone / StopTone
    play(a, 'busy')
    samples, runs = runs_of(pulse, a, 480, 3.3)
    ohtest.check_cadence('us busy 480 Hz', runs, 500, 500)
    check(ohtest.tone_ms(samples, RATE, 620, 0.2) >= 1000, 'us busy also has 620 Hz')
    play(a, 'congestion')
    samples, runs = runs_of(pulse, a, 620, 2.3)
    ohtest.check_cadence('us congestion 620 Hz', runs, 250, 250)
    a.call(None, 'Manager', 'StopTone')
    check(silent(pulse, a, 480, 1.0), 'StopTone silences the tone')

    play(b, 'busy')
    samples, runs = runs_of(pulse, b, 425, 3.3)
    ohtest.check_cadence('de busy 425 Hz', runs, 480, 480)
    play(b, 'dial')
    samples, runs = runs_of(pulse, b, 425, 1.5)
    check(any(on and ms >= 1300 for on, ms in runs),
          f'de dial tone is 425 Hz without a break ({runs})')
    b.call(None, 'Manager', 'StopTone')
    samples = pulse.record(b.spk + '.monitor', 2.0, RATE, then=lambda: play(b, 'dial', 600))
    runs = ohtest.cadence(samples, RATE, 425)
    heard = sum(ms for on, ms in runs if on)
    check(450 <= heard <= 700 and not runs[-1][0],
          f'a 600 ms dial tone stops by itself ({heard} ms heard: {runs})')

    samples = pulse.record(a.spk + '.monitor', 1.0, RATE, then=lambda: play(a, 'dtmf-5'))
    low = ohtest.tone_ms(samples, RATE, 770, 0.2, block_ms=10)
    high = ohtest.tone_ms(samples, RATE, 1336, 0.2, block_ms=10)
    check(40 <= low <= 160 and 40 <= high <= 160,
          f'key click 5 is 770+1336 Hz for about 100 ms ({low}/{high} ms)')
    msg = a.expect_dbus_error('InvalidArguments', play, a, 'fanfare')
    check('fanfare' in msg, f'an unknown tone is refused ({msg})')
    ok('PlayTone plays each country\'s tones with their cadence')

    # ---- 2: ringback while the far end rings, busy after a 486
    added = b.watch_signal(None, 'Manager', 'CallAdded')
    call_a = a.dial('1002')
    call_b = added.wait(10)[0]
    added.close()
    a.wait_prop(call_a, 'Call', 'State', 'alerting', 5)
    samples = pulse.record(a.spk + '.monitor', 2.5, RATE)
    heard = ohtest.tone_ms(samples, RATE, 480, 0.2)
    check(heard >= 1500, f'A hears us ringback (480 Hz) while B rings ({heard} ms)')
    b.call(call_b, 'Call', 'Answer')
    a.wait_prop(call_a, 'Call', 'State', 'active', 10)
    check(silent(pulse, a, 480, 1.5), 'the ringback stops when B answers')
    a.call(call_a, 'Call', 'Hangup')
    b.wait_prop(call_b, 'Call', 'State', 'disconnected', 5)

    b.set(None, 'Manager', 'DoNotDisturb', GLib.Variant('b', True))
    # (the call object is gone 3 s after it ended, before the recording is)
    samples = pulse.record(a.spk + '.monitor', 5.0, RATE, then=lambda: a.dial('1002'))
    runs = ohtest.cadence(samples, RATE, 480)
    ohtest.check_cadence('busy after the 486', runs, 500, 500)
    heard = sum(ms for on, ms in runs if on)
    # 3 s, finishing the burst it is in: three or four whole bursts
    check(1400 <= heard <= 2100 and not runs[-1][0] and runs[-1][1] >= 1000,
          f'the busy tone lasts about 3 s, ends after a whole burst and stops '
          f'({heard} ms of tone: {runs})')
    b.set(None, 'Manager', 'DoNotDisturb', GLib.Variant('b', False))
    ok('a call plays ringback and busy by itself')

    # ---- 3: call waiting
    call_a, call_b = ohtest.active_call(a, b, '1002')
    waiting = a.watch_signal(None, 'Manager', 'CallAdded')
    uac = ohtest.Sipp(fx, 'uac-call-cancel.xml', name='uac-waiting', timeout=20,
                      args=['-s', '1001', '-key', 'ring_ms', '2500', '-key', 'ring', 'Bellcore-dr1',
                            '-mi', '127.0.0.1', '-mp', '16600'],
                      remote=f'127.0.0.1:{a.sip_port}')
    second = waiting.wait(10)[0]
    waiting.close()
    samples = pulse.record(a.spk + '.monitor', 1.5, RATE)
    heard = ohtest.tone_ms(samples, RATE, 440, 0.2, block_ms=10)
    check(200 <= heard <= 400, f'a second call beeps 440 Hz in A\'s earpiece ({heard} ms)')
    a.wait_prop(second, 'Call', 'State', 'disconnected', 10)
    check(uac.wait() == 0, 'the second caller gave up cleanly')
    check(a.get(call_a, 'Call', 'State') == 'active', 'the first call is still active')
    a.call(call_a, 'Call', 'Hangup')
    b.wait_prop(call_b, 'Call', 'State', 'disconnected', 5)
    ok('call waiting beeps instead of ringing')

    # ---- 4: the ringer (B's speaker route is its only sink, spk_b)
    b.set(None, 'Manager', 'RingerVolume', GLib.Variant('u', 40))
    added = b.watch_signal(None, 'Manager', 'CallAdded')
    uac = ohtest.Sipp(fx, 'uac-call-cancel.xml', name='uac-ring', timeout=20,
                      args=['-s', '1002', '-key', 'ring_ms', '4500', '-key', 'ring', 'Bellcore-dr2',
                            '-mi', '127.0.0.1', '-mp', '16610'],
                      remote=f'127.0.0.1:{b.sip_port}')
    ringing = added.wait(10)[0]
    added.close()
    vol = ohtest.wait_until(
        lambda: ringer_volume(pulse, b.proc.pid) == 40 and 40, 5, 0.1, 'the ringer at 40 %')
    ok(f'the ringer plays at RingerVolume ({vol} %)')
    samples = pulse.record(b.spk + '.monitor', 3.0, RATE)
    runs = ohtest.cadence(samples, RATE, 1200, block_ms=50)
    ons = [ms for on, ms in runs[1:-1] if on]
    check(ons and all(abs(ms - 800) <= 100 for ms in ons),
          f'Alert-Info Bellcore-dr2 rings 800 ms bursts ({runs})')
    b.wait_prop(ringing, 'Call', 'State', 'disconnected', 10)
    check(silent(pulse, b, 1200, 1.5), 'the ringer stops when the caller gives up')
    check(uac.wait() == 0, 'the caller gave up cleanly')

    added = b.watch_signal(None, 'Manager', 'CallAdded')
    call_a = a.dial('1002')
    call_b = added.wait(10)[0]
    added.close()
    b.wait_prop(call_b, 'Call', 'State', 'incoming', 5)
    check(pulse.wait_for_tone(b.spk + '.monitor', 700, 300, 5),
          'a call without Alert-Info rings the ringtone file (700 Hz)')
    b.call(call_b, 'Call', 'Answer')
    b.wait_prop(call_b, 'Call', 'State', 'active', 5)
    check(silent(pulse, b, 700, 1.0), 'the ringer stops the moment the call is answered')
    a.call(call_a, 'Call', 'Hangup')
    ok('tones: all checks passed')
