#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""media_bench -- the audio path of offhookd against baresip's: call CPU per
codec, RTP send-interval jitter, mouth-to-ear latency.  Run by hand (not a
pass/fail test); see tests/bench/README.md.

    /usr/bin/python3 tests/bench/media_bench.py [--offhookd PATH]
                     [--call-seconds S] [--codecs pcmu,g722,opus]

Everything runs inside the private network namespace of ohtest.isolate():
one Kamailio (registrar + proxy, digest auth) on 127.0.0.1:5060 and one
private PulseAudio.  A's microphone and B's speaker are the two channels
of one stereo null sink, ``room`` (remap sinks mic_a -> left, spk_b ->
right), so that one recording of room.monitor has both on one timeline;
spk_a and mic_b are plain null sinks.  A 1 kHz burst (200 ms every 2 s)
plays into A's microphone and a steady 600 Hz tone into B's, all along.  Per codec, and per phone kind in
alternating order, a pair of the same phone (offhookd 1001 -> 1002, or
baresip 1003 -> 1004, each with only that codec) is started and
registered; A calls B, B answers, and then:

  1. --cpu-delay s later, utime+stime of A, of B and of PulseAudio
     (/proc/PID/stat) over --call-seconds, in per cent of one core;
  2. tshark, capturing all UDP on lo since before the call, gives the
     times A's RTP packets left during that window: the standard deviation
     of their intervals;
  3. mouth to ear: pacat records room.monitor (left: what went into A's
     microphone, right: what B played); each burst's onset on the right
     minus its onset on the left, median over --bursts bursts.

The pair hangs up and is stopped before the next one starts.
"""

import argparse
import array
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO, 'tests', 'integration'))

import bench  # noqa: E402
import ohtest  # noqa: E402
from baresip import Baresip  # noqa: E402

USERS = {'1001': 'pw1001', '1002': 'pw1002', '1003': 'pw1003',
         '1004': 'pw1004'}
CODECS = {'pcmu': 'PCMU/8000', 'g722': 'G722/8000', 'opus': 'opus/48000'}
BURST_HZ, BURST_S, PERIOD_S = 1000, 0.2, 2.0   # a burst every 2 s
REC_RATE = 8000                     # enough for a 1 kHz burst
ONSET = 0.25                        # of a channel's peak: a burst begins


def parse_args():
    p = argparse.ArgumentParser(
        description='offhookd\'s audio path against baresip\'s '
                    '(see tests/bench/README.md)')
    bench.add_common_args(p, 60.0)
    p.add_argument('--codecs', default='pcmu,g722,opus',
                   help='comma-separated, of pcmu, g722, opus '
                        '(default: %(default)s)')
    p.add_argument('--bursts', type=int, default=10,
                   help='bursts recorded for mouth to ear, one every 2 s '
                        '(default: %(default)s)')
    args = p.parse_args()
    args.codecs = args.codecs.split(',')
    if any(c not in CODECS for c in args.codecs) or args.bursts < 3:
        p.error(f'--codecs takes {", ".join(CODECS)}; --bursts at least 3')
    bench.check_offhookd(p, args)
    return args


ARGS = parse_args()
ohtest.isolate()


# ------------------------------------------------------------------ phones

class OffhookdPair:
    """Two offhookd, each on its own bus, registered as 1001 and 1002."""

    kind = 'offhookd'

    def __init__(self, mb, codec, tag):
        self.phones = []
        for name, user, port in (('a', '1001', 5062), ('b', '1002', 5064)):
            phone = ohtest.Phone(mb.fx, f'{tag}-{name}',
                                 ohtest.Bus(mb.fx, f'bus-{tag}-{name}'),
                                 mb.pulse, port, mic=f'mic_{name}',
                                 spk=f'spk_{name}', exe=ARGS.offhookd,
                                 verbose=False)
            acc = phone.add_account('work', f'sip:{user}@{mb.kam.domain}',
                                    [mb.kam.uri], user, USERS[user],
                                    codecs=[codec])
            phone.wait_prop(acc, 'Account', 'RegistrationState',
                            'registered', 15)
            self.phones.append(phone)
        self.a, self.b = self.phones
        self.pids = (self.a.proc.pid, self.b.proc.pid)
        self.rtp_range = self.a.rtp_range

    def connect(self):
        self.call_a, self.call_b = ohtest.active_call(self.a, self.b, '1002')
        return self.a.get(self.call_a, 'Call', 'Codec')

    def statistics(self):
        s = self.b.get(self.call_b, 'Call', 'Statistics')
        return (f'B\'s Statistics: {s.get("packets-received")} received, '
                f'{s.get("packets-lost")} lost, jitter '
                f'{s.get("jitter-ms", 0):.2f} ms, rtt {s.get("rtt-ms", 0):.2f} '
                f'ms, mos {s.get("mos", 0):.2f}')

    def hangup(self):
        self.a.call(self.call_a, 'Call', 'Hangup')
        self.b.wait_prop(self.call_b, 'Call', 'State', 'disconnected', 10)

    def stop(self):
        return [p.stop() for p in self.phones]


class BaresipPair:
    """Two baresip (tests/integration/baresip.py) as 1003 and 1004."""

    kind = 'baresip'

    def __init__(self, mb, codec, tag):
        self.phones = []
        for name, user, port, rtp in (('a', '1003', 5080, (30000, 30099)),
                                      ('b', '1004', 5082, (30100, 30199))):
            mb.n += 1
            phone = Baresip(mb.fx, mb.pulse, mb.kam, user, USERS[user],
                            sip_port=port, ctrl_port=4400 + mb.n,
                            mic=f'mic_{name}', spk=f'spk_{name}',
                            rtp_ports=rtp, name=f'baresip-{tag}-{name}',
                            register_at_start=True, codec=codec)
            phone.proc.wait_output(r'\{0/UDP/v4\} 200 OK', 15)
            self.phones.append(phone)
        self.a, self.b = self.phones
        self.pids = (self.a.proc.pid, self.b.proc.pid)
        self.rtp_range = (30000, 30099)
        self.codec = codec
        self.domain = mb.kam.domain

    def connect(self):
        ma, mb = self.a.mark(), self.b.mark()
        self.a.command('dial', f'sip:1004@{self.domain}')
        self.b.wait_event('CALL_INCOMING', 10, mb)
        self.b.command('accept')
        self.a.wait_event('CALL_ESTABLISHED', 10, ma)
        self.b.wait_event('CALL_ESTABLISHED', 10, mb)
        return f'{CODECS[self.codec]} (its only one)'

    def statistics(self):
        return None

    def hangup(self):
        ma, mb = self.a.mark(), self.b.mark()
        self.a.command('hangup')
        self.a.wait_event('CALL_CLOSED', 10, ma)
        self.b.wait_event('CALL_CLOSED', 10, mb)

    def stop(self):
        return [p.stop() for p in self.phones]


PAIRS = {'offhookd': OffhookdPair, 'baresip': BaresipPair}


# ------------------------------------------------------------ measurements

def bursts_into(fx, pulse, sink):
    """BURST_S of BURST_HZ every PERIOD_S into sink, until stopped."""
    rate = 48000
    chunk = (ohtest.sine(BURST_HZ, BURST_S, rate, 0.5) +
             bytes(2 * int(rate * (PERIOD_S - BURST_S))))
    proc = fx.spawn('bursts', [
        'pacat', '--playback', '-d', sink, '--format=s16le', f'--rate={rate}',
        '--channels=1', '--raw', '--latency-msec=20',
        '--client-name=bench-bursts'],
        env=ohtest.base_env(**pulse.env()), stdin=subprocess.PIPE)
    return ohtest.Tone(proc, chunk, None)


def record_room(fx, pulse, name):
    """--bursts bursts of the room (left: A's microphone, right: B's
    speaker), as (left samples, right samples) at REC_RATE."""
    proc = fx.spawn(name, [
        'pacat', '--record', '-d', 'room.monitor', '--format=s16le',
        f'--rate={REC_RATE}', '--channels=2', '--channel-map=left,right',
        '--raw', '--latency-msec=20', '--client-name=bench-recorder'],
        env=ohtest.base_env(**pulse.env()), stdout=subprocess.PIPE)
    seconds = (ARGS.bursts + 1) * PERIOD_S
    try:
        data = ohtest.Pulse._read_samples(proc, int(seconds * REC_RATE) * 4,
                                          time.monotonic() + seconds + 10)
    finally:
        proc.stop(timeout=3)
    frames = array.array('h', data[:len(data) // 4 * 4])
    return frames[0::2], frames[1::2]


def onsets(samples):
    """Sample indexes where a burst begins: ONSET of the peak after at least
    50 ms below it (so a recording that starts inside a burst does not count
    that burst)."""
    threshold = ONSET * max(max(samples, default=0), 1)
    out, quiet, need = [], 0, REC_RATE // 20
    for i, x in enumerate(samples):
        if x <= threshold:
            quiet += 1
            continue
        if quiet >= need:
            out.append(i)
        quiet = 0
    return out


def mouth_to_ear(fx, pulse, name):
    """Median, shortest and longest delay (s) from each burst's onset in A's
    microphone to the next one in B's speaker, and the number of bursts."""
    mic, ear = record_room(fx, pulse, name)
    ears = onsets(ear)
    delays = []
    for m in onsets(mic):
        later = [e for e in ears if m <= e < m + REC_RATE * (PERIOD_S - BURST_S)]
        if later:
            delays.append((later[0] - m) / REC_RATE)
    if len(delays) < 3:
        ohtest.fail(f'{name}: only {len(delays)} bursts came through')
    return statistics.median(delays), min(delays), max(delays), len(delays)


def send_intervals(cap, rtp_range, t0, t1):
    """Intervals (s) between A's RTP packets that left in [t0, t1], and the
    payload type they carried."""
    low, high = rtp_range
    rows = cap.packets(f'udp.srcport >= {low} and udp.srcport <= {high} and '
                       f'frame.time_epoch >= {t0} and '
                       f'frame.time_epoch <= {t1}',
                       ['frame.time_epoch', 'udp.srcport', 'udp.payload'])
    # RTP only: even port, version 2, not an RTCP packet type (200-204)
    times, types = [], set()
    for r in rows:
        head = bytes.fromhex(r['udp.payload'][:4].replace(':', ''))
        if (int(r['udp.srcport']) % 2 == 0 and len(head) == 2 and
                head[0] >> 6 == 2 and not 200 <= head[1] <= 204):
            times.append(float(r['frame.time_epoch']))
            types.add(head[1] & 0x7f)
    if len(times) < 10:
        ohtest.fail(f'only {len(times)} RTP packets from ports {low}-{high} '
                    f'in {cap.pcap}')
    return [b - a for a, b in zip(times, times[1:])], types


class MediaBench:
    def __init__(self, fx):
        self.fx = fx
        self.kam = ohtest.Kamailio(fx, users=USERS)
        self.pulse = ohtest.Pulse(fx, sinks=['spk_a', 'mic_b'])
        self.pulse.pactl('load-module', 'module-null-sink', 'sink_name=room',
                         'rate=48000', 'channels=2',
                         'channel_map=front-left,front-right')
        for sink, channel in (('mic_a', 'front-left'),
                              ('spk_b', 'front-right')):
            self.pulse.pactl('load-module', 'module-remap-sink',
                             f'sink_name={sink}', 'master=room', 'channels=1',
                             'channel_map=mono',
                             f'master_channel_map={channel}', 'remix=no')
        self.bursts = bursts_into(fx, self.pulse, 'mic_a')
        fx.cleanup(self.bursts.stop)
        self.tone = self.pulse.play_tone('mic_b', 600, amplitude=0.3)
        fx.cleanup(self.tone.stop)
        self.n = 0
        self.results = {}

    def pulse_alone(self):
        pid = self.pulse.proc.pid
        s0, t0 = bench.cpu_ticks(pid), time.monotonic()
        time.sleep(ARGS.call_seconds)
        return (100.0 * (bench.cpu_ticks(pid) - s0) / bench.CLK_TCK /
                (time.monotonic() - t0))

    def run(self, codec, kind):
        tag = f'{kind}-{codec}'
        pair = PAIRS[kind](self, codec, tag)
        cap = bench.capture(self.fx, f'cap-{tag}', [])
        negotiated = pair.connect()
        time.sleep(ARGS.cpu_delay)
        pids = pair.pids + (self.pulse.proc.pid,)
        ticks0 = [bench.cpu_ticks(p) for p in pids]
        t0, m0 = time.time(), time.monotonic()
        time.sleep(ARGS.call_seconds)
        ticks1 = [bench.cpu_ticks(p) for p in pids]
        t1, wall = time.time(), time.monotonic() - m0
        a, b, pa = (100.0 * (y - x) / bench.CLK_TCK / wall
                    for x, y in zip(ticks0, ticks1))
        m2e = mouth_to_ear(self.fx, self.pulse, f'rec-{tag}')
        stats = pair.statistics()
        pair.hangup()
        codes = pair.stop()
        if any(codes):
            ohtest.fail(f'{tag}: the phones exited with {codes}')
        intervals, types = send_intervals(cap, pair.rtp_range, t0, t1)
        res = {'a': a, 'b': b, 'pulse': pa, 'share': (a + b + pa) / 2,
               'interval': statistics.mean(intervals),
               'stdev': statistics.pstdev(intervals),
               'worst': max(intervals), 'm2e': m2e[0],
               'm2e_range': (m2e[1], m2e[2], m2e[3])}
        ohtest.info(f'{tag}: codec {negotiated}, payload types {types}; '
                    f'CPU A {a:.2f} %, B {b:.2f} %, PulseAudio {pa:.2f} %; '
                    f'send interval {res["interval"] * 1000:.2f} ms, stdev '
                    f'{res["stdev"] * 1000:.3f} ms; mouth to ear '
                    f'{m2e[0] * 1000:.1f} ms [{m2e[1] * 1000:.1f}..'
                    f'{m2e[2] * 1000:.1f}] over {m2e[3]} bursts')
        if stats:
            ohtest.info(f'{tag}: {stats}')
        self.results[(codec, kind)] = res


# ------------------------------------------------------------------ report

def report(mb, load_start, pulse_idle):
    pct, ms, ms3 = (1, '%', 2), (1000, 'ms', 1), (1000, 'ms', 3)
    # (label, key, (scale, unit, digits), target: (text, test(oh, bs)))
    spec = [
        ('call CPU, caller A', 'a', pct, None),
        ('call CPU, callee B', 'b', pct, None),
        ('call CPU, PulseAudio (both)', 'pulse', pct, None),
        ('phone + PulseAudio: (A+B+PA)/2', 'share', pct,
         ('offhookd <= 0.6 x baresip (PCMU)', lambda o, b: o <= 0.6 * b)),
        ('RTP send interval, mean', 'interval', ms3, None),
        ('RTP send interval, stdev', 'stdev', ms3,
         ('<= 1 ms', lambda o, b: o <= 0.001)),
        ('RTP send interval, longest', 'worst', ms, None),
        ('mouth to ear, median', 'm2e', ms,
         ('<= 60 ms', lambda o, b: o <= 0.060)),
    ]
    rows = [('codec', 'figure', 'offhookd', 'baresip', 'target', 'verdict')]
    for codec in ARGS.codecs:
        oh = mb.results[(codec, 'offhookd')]
        bs = mb.results[(codec, 'baresip')]
        for label, key, (scale, unit, digits), target in spec:
            t, v = '-', '-'
            if target and (key != 'share' or codec == 'pcmu'):
                t = target[0]
                v = 'PASS' if target[1](oh[key], bs[key]) else 'MISS'
            rows.append((codec.upper(), label,
                         bench.fmt([oh[key]], scale, unit, digits),
                         bench.fmt([bs[key]], scale, unit, digits), t, v))
    print()
    print(f'offhookd: {ARGS.offhookd}')
    print(f'{ARGS.call_seconds:g} s CPU window per call from '
          f'{ARGS.cpu_delay:g} s after the answer; {ARGS.bursts} bursts for '
          f'mouth to ear; {os.cpu_count()} CPUs, Linux {os.uname().release}')
    print(f'load average at the end: {bench.load_average()} '
          f'(at the start: {load_start})')
    print(f'PulseAudio alone (bursts and tone, no phone): {pulse_idle:.2f} %')
    print('CPU in % of one core; mouth to ear: the network (loopback) adds '
          'nothing, so all of it is added by the two phones and PulseAudio')
    print()
    bench.print_table(rows)
    print()


def main():
    timeout = 120 + ARGS.call_seconds + len(ARGS.codecs) * 2 * (
        ARGS.cpu_delay + ARGS.call_seconds + ARGS.bursts * PERIOD_S + 60)
    with ohtest.Fixture('media-bench', timeout=timeout, keep=ARGS.keep) as fx:
        load_start = bench.load_average()
        mb = MediaBench(fx)
        pulse_idle = mb.pulse_alone()
        for i, codec in enumerate(ARGS.codecs):
            order = list(PAIRS) if i % 2 == 0 else list(reversed(PAIRS))
            for kind in order:
                mb.run(codec, kind)
        report(mb, load_start, pulse_idle)


if __name__ == '__main__':
    main()
