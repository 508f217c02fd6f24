#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""bench -- offhookd against baresip: memory, start-up, signalling latency,
call CPU.  Run by hand (not a pass/fail test); see tests/bench/README.md.

    /usr/bin/python3 tests/bench/bench.py [--offhookd PATH] [--runs N]

Everything runs inside the private network namespace of ohtest.isolate():
one Kamailio (registrar + proxy, digest auth) on 127.0.0.1:5060, one private
PulseAudio with null sinks, one private session bus.  The two phones never
run at the same time (so that neither shares its library pages, or the
PulseAudio daemon, with the other), and each run alternates which one goes
first.  Both use the same microphone and speaker sinks, and a 440 Hz tone
plays into the microphone all along (a live microphone).  Per run and per
phone:

  1. a SIPp UAS is started as the callee (CALLEE_XML: answers at once,
     then streams a 1 kHz PCMU tone) and tshark captures all UDP on lo;
  2. the phone is spawned with its account already configured (offhookd:
     an ``[account bench]`` group in its config file and the password in
     STATE/secrets, mode 0600; baresip: its accounts file), so that it
     registers as it starts; PCMU only, Expires 600 for both;
  3. once registered it is left alone for --settle seconds, then RSS, PSS
     and USS are read from /proc/PID/smaps_rollup, and the round trip of a
     cheap control request is timed (median of 9);
  4. it dials sip:echo@127.0.0.1:<sipp port> twice (through Kamailio, which
     challenges each INVITE with 407); the UAS answers at once, each call
     stays up --hold seconds and the phone hangs up;
  5. the phone is stopped and the capture is analysed (see README.md for
     the exact packets each figure is taken between).

Then PulseAudio's CPU alone (the tone, no phone) over --call-seconds, and,
per phone, --cpu-runs calls to the same kind of callee: the phone's CPU time
from the dial command to --cpu-delay s after the answer (set-up), then
utime+stime of the phone and of PulseAudio (/proc/PID/stat) over
--call-seconds, in per cent of one core, and the phone's PSS at the end.
"""

import argparse
import math
import os
import socket
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, 'tests', 'integration'))

import ohtest  # noqa: E402
from baresip import Baresip  # noqa: E402

DEFAULT_OFFHOOKD = os.path.join(REPO, 'build-bench', 'daemon', 'offhookd')

OH_SIP_PORT = 5062
BS_SIP_PORT = 5080
OH_USER, BS_USER = '1001', '1002'
USERS = {OH_USER: 'pw1001', BS_USER: 'pw1002'}
EXPIRES = 600
MIC, SPK = 'mic_bench', 'spk_bench'     # the same sinks for both phones
CLK_TCK = os.sysconf('SC_CLK_TCK')


# The callee: answers at once (100, 200 with PCMU) and, from the ACK on,
# streams a looped 1 kHz tone (SIPp's rtp_stream, its own SSRC) until the
# BYE.  Not -rtp_echo: an echo hands the phone back its own SSRC, which
# GStreamer's rtpbin drops, so offhookd would neither decode nor play
# anything, while baresip's player runs whatever it receives.
CALLEE_XML = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="bench callee: answer, stream a tone">
  <recv request="INVITE" crlf="true"/>
  <send><![CDATA[

      SIP/2.0 100 Trying
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      [last_Record-Route:]
      Content-Length: 0

    ]]></send>
  <send retrans="500"><![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      [last_Record-Route:]
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=sipp [pid] 1 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [rtpstream_audio_port] RTP/AVP 0
      a=rtpmap:0 PCMU/8000
      a=ptime:20
      a=sendrecv

    ]]></send>
  <label id="wait_ack"/>
  <recv request="INVITE" optional="true" next="wait_ack"/>
  <recv request="ACK" crlf="true"/>
  <nop><action><exec rtp_stream="@FILE@,-1,0"/></action></nop>
  <recv request="BYE"/>
  <send><![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      [last_Record-Route:]
      Content-Length: 0

    ]]></send>
</scenario>
"""


def ulaw_byte(sample):
    """G.711 mu-law code of one s16 sample."""
    sign = 0x80 if sample < 0 else 0
    magnitude = min(abs(sample), 32635) + 0x84
    exponent = magnitude.bit_length() - 8
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


def write_ulaw_tone(path, freq_hz=1000, seconds=1, amplitude=0.25):
    """Raw mu-law samples at 8 kHz (whole periods: it loops seamlessly)."""
    n = 8000 * seconds
    with open(path, 'wb') as f:
        f.write(bytes(ulaw_byte(int(32767 * amplitude * math.sin(
            2 * math.pi * freq_hz * i / 8000))) for i in range(n)))


def add_common_args(p, call_seconds):
    """The options bench.py and media_bench.py share."""
    p.add_argument('--offhookd', default=DEFAULT_OFFHOOKD,
                   help='the daemon to measure (default: %(default)s)')
    p.add_argument('--call-seconds', type=float, default=call_seconds,
                   help='length of the CPU measurement window of a call '
                        '(default: %(default)s)')
    p.add_argument('--cpu-delay', type=float, default=3.0,
                   help='seconds between the answer and the CPU window '
                        '(default: %(default)s)')
    p.add_argument('--keep', action='store_true',
                   help='keep the temp dir (captures, logs)')


def check_offhookd(p, args):
    """Make --offhookd absolute; an error if it is no executable."""
    args.offhookd = os.path.abspath(args.offhookd)
    if not os.access(args.offhookd, os.X_OK):
        p.error(f'{args.offhookd} is not an executable (build it: meson '
                'setup build-bench --buildtype=release && ninja -C '
                'build-bench)')


def parse_args():
    p = argparse.ArgumentParser(
        description='Compare offhookd with baresip (see tests/bench/README.md)')
    add_common_args(p, 20.0)
    p.add_argument('--runs', type=int, default=5,
                   help='measured start/register/call runs per phone '
                        '(default: %(default)s)')
    p.add_argument('--warmup', type=int, default=1,
                   help='unrecorded runs per phone first (default: '
                        '%(default)s)')
    p.add_argument('--settle', type=float, default=3.0,
                   help='seconds after registration before memory is read '
                        '(default: %(default)s)')
    p.add_argument('--hold', type=float, default=1.0,
                   help='seconds a timing call stays up after it is answered '
                        '(default: %(default)s)')
    p.add_argument('--cpu-runs', type=int, default=1,
                   help='CPU calls per phone (default: %(default)s)')
    args = p.parse_args()
    if args.runs < 1 or args.cpu_runs < 1 or args.warmup < 0:
        p.error('--runs and --cpu-runs must be at least 1')
    check_offhookd(p, args)
    return args


# set in the main guard: media_bench.py imports this file for its helpers
ARGS = None


# ------------------------------------------------------------ measurements

def spawn_times(fx):
    """Record time.time() immediately before each fx.spawn (Popen) call.

    Both phones are started through fx.spawn (ohtest.Phone and Baresip), so
    this is the same instant for both: just before fork+exec of
    ``setpriv --pdeathsig KILL -- <phone>``."""
    times = {}
    orig = fx.spawn

    def timed(name, argv, *a, **kw):
        t = time.time()
        proc = orig(name, argv, *a, **kw)
        times[proc.name] = t
        return proc
    fx.spawn = timed
    return times


def smaps_rollup(pid, save=None):
    """{'rss', 'pss', 'uss'} in KiB (uss = Private_Clean + Private_Dirty).

    save: a path to keep a copy of /proc/PID/smaps in (per mapping)."""
    if save:
        with open(f'/proc/{pid}/smaps') as src, open(save, 'w') as dst:
            dst.write(src.read())
    out = {}
    with open(f'/proc/{pid}/smaps_rollup') as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2 and parts[0].endswith(':'):
                out[parts[0][:-1]] = int(parts[1])
    return {'rss': out['Rss'], 'pss': out['Pss'],
            'uss': out['Private_Clean'] + out['Private_Dirty']}


def cpu_ticks(pid):
    """utime + stime of the whole process (all threads), in clock ticks."""
    with open(f'/proc/{pid}/stat') as f:
        data = f.read()
    fields = data[data.rindex(')') + 2:].split()
    return int(fields[11]) + int(fields[12])     # fields 14 and 15 of stat


def capture(fx, name, sip_ports):
    """ohtest.Capture of all UDP on lo, once it provably records.

    tshark's "Capturing on" can come before packets are recorded (a REGISTER
    sent right after it was missing from a pcap), so datagrams that the
    capture filter lets through (the marker of Capture.stop) are sent until
    one shows up in tshark's output."""
    cap = ohtest.Capture(fx, filter='udp', name=name, sip_ports=sip_ports)
    new_socket, src, dst = cap.marker
    sock = new_socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.bind((src, 0))
        sport = sock.getsockname()[1]
        for _ in range(40):
            sock.sendto(b'bench-capture-ready', (dst, 9))
            try:
                cap.proc.wait_output(
                    rf'\b{sport}\s+(\u2192|->)\s+9\b', 0.25)
                return cap
            except ohtest.TestFailure:
                pass
    finally:
        sock.close()
    ohtest.fail(f'{cap.proc.name} records nothing after 10 s')


def epoch(s):
    return float(s) if s else None


SIP_FIELDS = ['frame.time_epoch', 'udp.srcport', 'udp.dstport', 'sip.Method',
              'sip.Status-Code', 'sip.CSeq.method', 'sip.CSeq.seq',
              'sip.Call-ID', 'sdp.media.port', 'sdp.media']


def analyse(cap, phone_port, t_spawn, t_cmds, media_port):
    """The figures of one run from its capture (seconds).

    t_spawn: time.time() before the phone was spawned; t_cmds: for each
    call, time.time() just before its dial command was sent.  Returns
    {'register_first', 'register', 'calls': [{'invite', 'ack', 'rtp',
    'offer'}, ...]}."""
    msgs = []
    for row in cap.packets('sip', SIP_FIELDS):
        msgs.append({
            't': epoch(row['frame.time_epoch']),
            'sport': row['udp.srcport'], 'dport': row['udp.dstport'],
            'method': row['sip.Method'], 'status': row['sip.Status-Code'],
            'cseq_method': row['sip.CSeq.method'],
            'cseq': row['sip.CSeq.seq'], 'call_id': row['sip.Call-ID'],
            'media_port': row['sdp.media.port'], 'media': row['sdp.media']})
    # every packet to the callee's RTP port: [(time, source port)]
    rtp = [(epoch(r['frame.time_epoch']), r['udp.srcport'])
           for r in cap.packets(f'udp.dstport=={media_port}',
                                ['frame.time_epoch', 'udp.srcport'])]
    answers = {m['media_port'] for m in msgs if m['status'] == '200' and
               m['cseq_method'] == 'INVITE' and m['media_port']}
    if answers != {str(media_port)}:
        ohtest.fail(f'the callee answered with RTP ports {answers}, not '
                    f'{media_port}')
    port = str(phone_port)

    def first(pred):
        return next((m for m in msgs if pred(m)), None)

    reg = first(lambda m: m['sport'] == port and m['method'] == 'REGISTER'
                and m['t'] >= t_spawn)
    reg200 = first(lambda m: m['dport'] == port and m['status'] == '200'
                   and m['cseq_method'] == 'REGISTER' and m['t'] >= t_spawn)
    if reg is None or reg200 is None or reg200['t'] > t_cmds[0]:
        ohtest.fail(f'no REGISTER and 200 on port {port} before the first '
                    f'call in {cap.pcap}')
    res = {'register_first': reg['t'] - t_spawn,
           'register': reg200['t'] - t_spawn, 'calls': []}
    for t_cmd in t_cmds:
        invite = first(lambda m: m['sport'] == port and
                       m['method'] == 'INVITE' and m['t'] >= t_cmd)
        if invite is None:
            ohtest.fail(f'no INVITE from port {port} after the dial command '
                        f'in {cap.pcap}')
        call_id = invite['call_id']
        ok200 = first(lambda m: m['dport'] == port and m['status'] == '200'
                      and m['cseq_method'] == 'INVITE'
                      and m['call_id'] == call_id)
        if ok200 is None:
            ohtest.fail(f'no 200 to the INVITE in {cap.pcap}')
        ack = first(lambda m: m['sport'] == port and m['method'] == 'ACK'
                    and m['call_id'] == call_id and m['cseq'] == ok200['cseq']
                    and m['t'] >= ok200['t'])
        if ack is None:
            ohtest.fail(f'no ACK to the 200 in {cap.pcap}')
        # the phone's last offer in this call says where it sends RTP from
        offer = [m for m in msgs if m['sport'] == port and m['method'] ==
                 'INVITE' and m['call_id'] == call_id and m['media_port']]
        if not offer:
            ohtest.fail(f'no SDP offer from the phone in {cap.pcap}')
        rtp_port = offer[-1]['media_port'].split(',')[0]
        sent = [t for t, sport in rtp if sport == rtp_port
                and t >= invite['t']]
        if not sent:
            ohtest.fail(f'no RTP from port {rtp_port} to {media_port} in '
                        f'{cap.pcap}')
        res['calls'].append({'invite': invite['t'] - t_cmd,
                             'ack': ack['t'] - ok200['t'],
                             'rtp': sent[0] - ok200['t'],
                             'offer': offer[-1]['media']})
    return res


# ------------------------------------------------------------------ phones

class OffhookdPhone:
    """offhookd through ohtest.Phone, account in its config + secrets."""

    kind = 'offhookd'
    sip_port = OH_SIP_PORT

    def __init__(self, bench, tag):
        fx, kam = bench.fx, bench.kam
        d = fx.path(f'offhookd-{tag}-state')
        os.makedirs(d, mode=0o700)
        fd = os.open(os.path.join(d, 'secrets'),
                     os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, 'w') as f:
            f.write(f'[account bench]\npassword={USERS[OH_USER]}\n')
        account = {'aor': f'sip:{OH_USER}@{kam.domain}',
                   'proxies': [kam.uri], 'username': OH_USER,
                   'register': True, 'expires': EXPIRES, 'codecs': ['pcmu']}
        # a second --state-dir after ohtest.Phone's own: GOption keeps the
        # last one, the directory that already holds the secret
        self.a = ohtest.Phone(fx, tag, bench.bus, bench.pulse, OH_SIP_PORT,
                              mic=MIC, spk=SPK,
                              extra_config={'account bench': account},
                              exe=ARGS.offhookd, args=['--state-dir', d],
                              verbose=False)
        self.proc = self.a.proc
        self.acc = f'{ohtest.ROOT_PATH}/Account/bench'
        self.a.wait_prop(self.acc, 'Account', 'RegistrationState',
                         'registered', 15)

    def control_rtt(self):
        """A D-Bus Properties.Get of Manager.Version, answered by offhookd."""
        t = time.time()
        self.a.get(None, 'Manager', 'Version')
        return time.time() - t

    def bus_rtt(self):
        """The same trip answered by dbus-daemon itself (GetId)."""
        t = time.time()
        self.a.conn.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus',
                              'org.freedesktop.DBus', 'GetId', None, None,
                              ohtest.Gio.DBusCallFlags.NONE, 5000, None)
        return time.time() - t

    def dial(self, target):
        args = ohtest.GLib.Variant('(sa{sv})', (target, {
            'account': ohtest.GLib.Variant('o', self.acc)}))
        t = time.time()
        path, = self.a.call(None, 'Manager', 'Dial', args)
        return path, t

    def wait_answered(self, call):
        self.a.wait_prop(call, 'Call', 'State', 'active', 10)

    def statistics(self, call):
        stats = self.a.get(call, 'Call', 'Statistics')
        return stats.get('packets-sent', 0), stats.get('packets-received', 0)

    def hangup(self, call):
        self.a.call(call, 'Call', 'Hangup')
        self.a.wait_prop(call, 'Call', 'State', 'disconnected', 10)

    def stop(self):
        return self.a.stop()


class BaresipPhone:
    """baresip through tests/integration/baresip.py, account in its
    accounts file."""

    kind = 'baresip'
    sip_port = BS_SIP_PORT

    def __init__(self, bench, tag):
        bench.n += 1
        self.b = Baresip(bench.fx, bench.pulse, bench.kam, BS_USER,
                         USERS[BS_USER], sip_port=BS_SIP_PORT,
                         ctrl_port=4400 + bench.n, mic=MIC, spk=SPK,
                         name=f'baresip-{tag}', register_at_start=True,
                         regint=EXPIRES)
        self.proc = self.b.proc
        self.proc.wait_output(r'\{0/UDP/v4\} 200 OK', 15)

    def control_rtt(self):
        """A ctrl_tcp command with a short answer (reginfo)."""
        t = time.time()
        self.b.command('reginfo')
        return time.time() - t

    def bus_rtt(self):
        return None

    def dial(self, target):
        m = self.b.mark()
        self.b.command('dial', target)
        return m, self.b.last_sent

    def wait_answered(self, mark):
        self.b.wait_event('CALL_ESTABLISHED', 10, mark)

    def statistics(self, mark):
        return None

    def hangup(self, mark):
        m = self.b.mark()
        self.b.command('hangup')
        self.b.wait_event('CALL_CLOSED', 10, m)

    def stop(self):
        return self.b.stop()


PHONES = {'offhookd': OffhookdPhone, 'baresip': BaresipPhone}


class Bench:
    def __init__(self, fx):
        self.fx = fx
        self.spawned = spawn_times(fx)
        self.kam = ohtest.Kamailio(fx, users=USERS)
        self.pulse = ohtest.Pulse(fx, sinks=[MIC, SPK])
        # a live microphone: with no stream playing into it, a null sink
        # renders in 2 s blocks and its monitor hands out the first audio up
        # to 2 s late, whatever the phone does
        self.tone = self.pulse.play_tone(MIC, 440, amplitude=0.3)
        fx.cleanup(self.tone.stop)
        self.bus = ohtest.Bus(fx)
        tone = fx.path('callee-1khz.ulaw')
        write_ulaw_tone(tone)
        self.callee_xml = CALLEE_XML.replace('@FILE@', tone)
        self.n = 0
        self.results = {k: [] for k in PHONES}
        self.cpu = {k: [] for k in PHONES}
        self.offers = {}
        self.pulse_idle = []

    def callee(self, calls=1, call_timeout=30):
        """A SIPp callee (CALLEE_XML); returns it and its RTP port."""
        self.n += 1
        media_port = 40000 + 10 * self.n
        # SIP ports from 5100 up: clear of the phones' 5062 and 5080
        s = ohtest.Sipp(self.fx, self.callee_xml, name=f'callee{self.n}',
                        args=['-mi', '127.0.0.1', '-mp', str(media_port)],
                        calls=calls, timeout=call_timeout,
                        local_port=5100 + self.n)
        s.wait_bound()
        return s, media_port

    def run(self, kind, tag):
        """Start, register, settle, memory, control RTT, two calls."""
        sipp, media_port = self.callee(calls=2)
        phone_cls = PHONES[kind]
        cap = capture(self.fx, f'cap-{kind}-{tag}',
                      [phone_cls.sip_port, sipp.local_port])
        p = phone_cls(self, tag)
        t_spawn = self.spawned[p.proc.name]
        time.sleep(ARGS.settle)
        res = smaps_rollup(p.proc.pid, self.fx.path(f'{kind}-{tag}.smaps'))
        res['rtt'] = statistics.median(p.control_rtt() for _ in range(9))
        res['bus_rtt'] = p.bus_rtt() and statistics.median(
            p.bus_rtt() for _ in range(9))
        target = f'sip:echo@127.0.0.1:{sipp.local_port}'
        t_cmds = []
        for _ in range(2):
            call, t = p.dial(target)
            t_cmds.append(t)
            p.wait_answered(call)
            time.sleep(ARGS.hold)
            p.hangup(call)
            time.sleep(0.2)
        self.expect_exit(sipp.wait(15), 0, sipp.name)
        self.expect_exit(p.stop(), 0, p.proc.name)
        res.update(analyse(cap, phone_cls.sip_port, t_spawn, t_cmds,
                           media_port))
        for n, c in enumerate(res.pop('calls'), 1):
            for k, v in c.items():
                res[f'{k}{n}'] = v
        return res

    def run_cpu(self, kind, tag):
        """One call: the phone's CPU from the dial command to --cpu-delay s
        after the answer (set-up), then the CPU of the phone and of
        PulseAudio over --call-seconds (steady state)."""
        sipp, _ = self.callee(call_timeout=ARGS.cpu_delay +
                              ARGS.call_seconds + 30)
        p = PHONES[kind](self, tag)
        pid, pulse_pid = p.proc.pid, self.pulse.proc.pid
        setup0 = cpu_ticks(pid)
        call, _ = p.dial(f'sip:echo@127.0.0.1:{sipp.local_port}')
        p.wait_answered(call)
        time.sleep(ARGS.cpu_delay)
        p0, s0 = cpu_ticks(pid), cpu_ticks(pulse_pid)
        t0 = time.monotonic()
        time.sleep(ARGS.call_seconds)
        p1, s1 = cpu_ticks(pid), cpu_ticks(pulse_pid)
        wall = time.monotonic() - t0
        mem = smaps_rollup(pid)
        res = {'setup': (p0 - setup0) / CLK_TCK,
               'phone': 100.0 * (p1 - p0) / CLK_TCK / wall,
               'pulse': 100.0 * (s1 - s0) / CLK_TCK / wall,
               'pss_call': mem['pss'], 'rss_call': mem['rss'],
               'packets': p.statistics(call)}
        p.hangup(call)
        self.expect_exit(sipp.wait(15), 0, sipp.name)
        self.expect_exit(p.stop(), 0, p.proc.name)
        return res

    def pulse_baseline(self, seconds):
        """PulseAudio's CPU with the microphone tone and no phone."""
        pid = self.pulse.proc.pid
        s0, t0 = cpu_ticks(pid), time.monotonic()
        time.sleep(seconds)
        s1, wall = cpu_ticks(pid), time.monotonic() - t0
        self.pulse_idle.append(100.0 * (s1 - s0) / CLK_TCK / wall)

    @staticmethod
    def expect_exit(code, want, what):
        if code != want:
            ohtest.fail(f'{what} exited with {code}, expected {want}')


# ------------------------------------------------------------------ report

def median_spread(values):
    values = [v for v in values if v is not None]
    if not values:
        return None, None, None
    return statistics.median(values), min(values), max(values)


def fmt(values, scale, unit, digits):
    values = [v for v in values if v is not None]
    med, lo, hi = median_spread(values)
    if med is None:
        return 'n/a'
    if len(values) == 1:
        return f'{med * scale:.{digits}f} {unit}'
    return (f'{med * scale:.{digits}f} {unit} '
            f'[{lo * scale:.{digits}f}..{hi * scale:.{digits}f}]')


def load_average():
    with open('/proc/loadavg') as f:
        return ' '.join(f.read().split()[:3])


def print_table(rows):
    """rows[0] is the header; each column as wide as its widest cell."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]

    def line(r):
        return '  '.join(c.ljust(w) for c, w in zip(r, widths)).rstrip()
    print(line(rows[0]))
    print(line(['-' * w for w in widths]))
    for r in rows[1:]:
        print(line(r))


def report(b, args):
    oh, bs = b.results['offhookd'], b.results['baresip']
    coh, cbs = b.cpu['offhookd'], b.cpu['baresip']
    for r in coh + cbs:
        r['total'] = r['phone'] + r['pulse']

    def col(rows, key):
        return [r.get(key) for r in rows]

    def med(rows, key):
        return median_spread(col(rows, key))[0]

    MiB, ms = (1 / 1024, 'MiB', 1), (1000, 'ms', 1)
    ms3, pct = (1000, 'ms', 3), (1, '%', 2)
    # (label, key, rows offhookd, rows baresip, (scale, unit, digits),
    #  (target text, met?) or None)
    spec = [
        ('1. idle RSS', 'rss', oh, bs, MiB, None),
        ('1. idle PSS', 'pss', oh, bs, MiB,
         ('offhookd <= baresip', lambda: med(oh, 'pss') <= med(bs, 'pss'))),
        ('   idle USS (private pages)', 'uss', oh, bs, MiB, None),
        ('   spawn -> first REGISTER', 'register_first', oh, bs, ms, None),
        ('2. spawn -> REGISTER 200', 'register', oh, bs, ms,
         ('offhookd <= 0.8 x baresip',
          lambda: med(oh, 'register') <= 0.8 * med(bs, 'register'))),
        ('   control round trip', 'rtt', oh, bs, ms3, None),
        ('   D-Bus round trip, dbus-daemon only', 'bus_rtt', oh, bs, ms3,
         None),
        ('3. command -> INVITE', 'invite1', oh, bs, ms3,
         ('offhookd <= 1 ms', lambda: med(oh, 'invite1') <= 0.001)),
        ('   command -> INVITE, 2nd call', 'invite2', oh, bs, ms3, None),
        ('4. 200 -> ACK', 'ack1', oh, bs, ms3,
         ('offhookd <= 2 ms', lambda: med(oh, 'ack1') <= 0.002)),
        ('   200 -> ACK, 2nd call', 'ack2', oh, bs, ms3, None),
        ('5. 200 -> first RTP', 'rtp1', oh, bs, ms, None),
        ('   200 -> first RTP, 2nd call', 'rtp2', oh, bs, ms, None),
        ('   call set-up CPU time, phone', 'setup', coh, cbs, ms, None),
        ('6. call CPU, phone', 'phone', coh, cbs, pct, None),
        ('6. call CPU, PulseAudio', 'pulse', coh, cbs, pct, None),
        ('6. call CPU, phone + PulseAudio', 'total', coh, cbs, pct, None),
        ('   in-call PSS', 'pss_call', coh, cbs, MiB, None),
    ]
    rows = [('figure', 'offhookd', 'baresip', 'target', 'verdict')]
    for label, key, ro, rb, (scale, unit, digits), target in spec:
        t, v = '-', '-'
        if target:
            t, v = target[0], ('PASS' if target[1]() else 'MISS')
        rows.append((label, fmt(col(ro, key), scale, unit, digits),
                     fmt(col(rb, key), scale, unit, digits), t, v))
    print()
    print(f'offhookd: {args.offhookd}')
    print(f'{args.runs} runs per phone (+{args.warmup} warm-up) alternating '
          f'order, settle {args.settle:g} s, hold {args.hold:g} s; '
          f'{args.cpu_runs} CPU call(s): {args.call_seconds:g} s from '
          f'{args.cpu_delay:g} s after the answer; '
          f'{os.cpu_count()} CPUs, Linux {os.uname().release}')
    print(f'load average at the end: {load_average()} '
          f'(at the start: {b.loadavg})')
    for name in PHONES:
        print(f'{name} SDP offer: m={b.offers.get(name, "?")}')
    for r in coh:
        if r['packets']:
            print(f'offhookd CPU call: {r["packets"][0]} RTP packets sent, '
                  f'{r["packets"][1]} received')
    print(f'PulseAudio alone (tone into the microphone, no phone): '
          f'{fmt(b.pulse_idle, 1, "%", 2)}')
    print('timings: median [min..max] over the runs; CPU in % of one core')
    print()
    print_table(rows)
    print()
    print(f'start -> registered, offhookd / baresip: '
          f'{med(oh, "register") / med(bs, "register"):.2f} (target <= 0.80)')
    print()


def main():
    per_run = ARGS.settle + 2 * ARGS.hold + 30
    timeout = (90 + ARGS.call_seconds +
               (ARGS.runs + ARGS.warmup) * 2 * per_run +
               ARGS.cpu_runs * 2 * (ARGS.cpu_delay + ARGS.call_seconds + 45))
    with ohtest.Fixture('bench', timeout=timeout, keep=ARGS.keep) as fx:
        b = Bench(fx)
        b.loadavg = load_average()
        for i in range(ARGS.warmup + ARGS.runs):
            warm = i < ARGS.warmup
            tag = f'warm{i}' if warm else f'run{i - ARGS.warmup}'
            order = list(PHONES) if i % 2 == 0 else list(reversed(PHONES))
            for kind in order:
                res = b.run(kind, tag)
                b.offers[kind] = res['offer1']
                ohtest.info(
                    f'{tag} {kind}: REGISTER 200 '
                    f'{res["register"] * 1000:.1f} ms, INVITE '
                    f'{res["invite1"] * 1000:.3f}/'
                    f'{res["invite2"] * 1000:.3f} ms, ACK '
                    f'{res["ack1"] * 1000:.3f}/{res["ack2"] * 1000:.3f} ms, '
                    f'RTP {res["rtp1"] * 1000:.1f}/'
                    f'{res["rtp2"] * 1000:.1f} ms, PSS {res["pss"]} KiB')
                if not warm:
                    b.results[kind].append(res)
        b.pulse_baseline(ARGS.call_seconds)
        for i in range(ARGS.cpu_runs):
            order = list(PHONES) if i % 2 == 0 else list(reversed(PHONES))
            for kind in order:
                res = b.run_cpu(kind, f'cpu{i}')
                ohtest.info(f'cpu{i} {kind}: set-up '
                            f'{res["setup"] * 1000:.0f} ms, phone '
                            f'{res["phone"]:.2f} %, PulseAudio '
                            f'{res["pulse"]:.2f} %')
                b.cpu[kind].append(res)
        report(b, ARGS)


if __name__ == '__main__':
    ARGS = parse_args()
    ohtest.isolate()
    main()
