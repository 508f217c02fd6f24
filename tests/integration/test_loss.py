# SPDX-License-Identifier: LGPL-2.1-or-later
"""loss: 10 % of the RTP to one phone is lost, and Statistics says so.

Two offhookd registered to Kamailio (A 1001, B 1002), PCMU, a tone both
ways, RTP and RTCP captured on ``lo``.

- Clean call: after 4 s of audio B's Statistics show nothing lost, a
  stream being received (``receiving``, a fresh ``last-packet-age-ms``),
  a loopback round trip and a MOS near G.711's ceiling (4.41).
- Late packets: A stops for 45 ms (SIGSTOP; its sound waits in
  PulseAudio's 60 ms capture buffer), so the packets it then sends reach B
  after their time to play; within a few seconds B's jitter buffer
  (``jitter-buffer-ms``) holds packets at least 30 ms. Once no packet has
  come late for two lateness windows it is shorter again (the sound it
  held longer is left out), and A's tone still plays on B's speaker.
- Lossy call: an nft rule in the test's own network namespace drops one in
  ten packets (``numgen random mod 10``) sent to B's RTP ports (even ports
  of its range; RTCP, on the odd ones, passes). After 12 s of audio B's
  ``packets-lost`` is 5-16 % of what was sent, its MOS is below the clean
  call's, A learns from B's RTCP receiver reports that its packets were
  lost (``remote-packets-lost``), A's tone is still heard on B's speaker
  without gaps (lost packets are concealed: at least 2900 of 3000 ms of
  tone, where silence in their place leaves about 2700), and the call is
  still active.
- On the wire: both phones sent RTCP sender reports carrying a report
  block about the other's stream.

Run: OFFHOOKD=build/daemon/offhookd /usr/bin/python3 tests/integration/test_loss.py
"""

import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ohtest  # noqa: E402
from ohtest import check, ok  # noqa: E402

ohtest.isolate()


def drop_tenth_of_rtp_to(phone):
    low, high = phone.rtp_range
    rules = [
        'add table inet loss',
        'add chain inet loss input { type filter hook input priority 0 ; }',
        f'add rule inet loss input iif lo udp dport {low}-{high} '
        'udp dport & 1 == 0 numgen random mod 10 == 0 counter drop',
    ]
    for rule in rules:
        subprocess.run(['nft'] + rule.split(' '), check=True, timeout=10)


def hang_up(a, call_a, b, call_b):
    a.call(call_a, 'Call', 'Hangup')
    b.wait_prop(call_b, 'Call', 'State', 'disconnected', 5)


def received_for(phone, call, packets, timeout):
    return phone.wait_prop(call, 'Call', 'Statistics',
                           lambda s: s.get('packets-received', 0) >= packets, timeout)


def rtcp_reports(capture, phone):
    """(sender reports, those with a report block) sent from phone's ports"""
    low, high = phone.rtp_range
    rows = capture.packets(f'udp.srcport >= {low} and udp.srcport <= {high} '
                           'and udp.payload[1] == c8', ['udp.payload'])
    blocks = [r for r in rows if int(r['udp.payload'][:2], 16) & 0x1f >= 1]
    return len(rows), len(blocks)


with ohtest.Fixture('loss', timeout=80) as fx:
    kam = ohtest.Kamailio(fx)
    pulse = ohtest.Pulse(fx, sinks=['mic_a', 'spk_a', 'mic_b', 'spk_b'])
    a, acc_a = ohtest.registered_phone(fx, 'a', pulse, kam, '1001', 5062)
    b, acc_b = ohtest.registered_phone(fx, 'b', pulse, kam, '1002', 5064)
    capture = ohtest.Capture(fx, filter='udp portrange 20000-20399')
    tone_a = pulse.play_tone(a.mic, 1000)
    tone_b = pulse.play_tone(b.mic, 600)

    call_a, call_b = ohtest.active_call(a, b, '1002')
    clean = received_for(b, call_b, 200, 10)
    check(clean['packets-lost'] == 0, f'clean call: nothing lost ({clean["packets-lost"]})')
    check(clean['receiving'] and clean['last-packet-age-ms'] < 500,
          f'clean call: B is receiving (last packet {clean["last-packet-age-ms"]} ms ago)')
    check(0 <= clean['rtt-ms'] < 50, f'clean call: loopback round trip {clean["rtt-ms"]:.2f} ms')
    check(4.3 <= clean['mos'] <= 4.41, f'clean call: MOS {clean["mos"]:.2f}')
    check(20 <= clean['jitter-buffer-ms'] <= 200,
          f'clean call: jitter buffer {clean["jitter-buffer-ms"]} ms '
          f'(jitter {clean["jitter-ms"]:.2f} ms)')
    os.kill(a.proc.pid, signal.SIGSTOP)
    time.sleep(0.045)                       # the stall itself
    os.kill(a.proc.pid, signal.SIGCONT)
    grown = b.wait_prop(call_b, 'Call', 'Statistics',
                        lambda s: s['jitter-buffer-ms'] >= 30, 5)
    ok(f'after a 45 ms stall of A: B\'s jitter buffer {grown["jitter-buffer-ms"]} ms '
       f'(jitter {grown["jitter-ms"]:.2f} ms)')
    # no packet late since: within two lateness windows (5 s each) and a
    # step every 2 s it comes down again, and the tone plays on
    shrunk = b.wait_prop(call_b, 'Call', 'Statistics',
                         lambda s: s['jitter-buffer-ms'] < grown['jitter-buffer-ms'], 20)
    ok(f'a calm stream since: B\'s jitter buffer back down to {shrunk["jitter-buffer-ms"]} ms')
    check(pulse.wait_for_tone(b.spk + '.monitor', 1000, 400, 5),
          f'after the shorter wait A\'s tone still plays on B\'s speaker ({pulse.last_tone_ms} ms)')
    hang_up(a, call_a, b, call_b)

    drop_tenth_of_rtp_to(b)
    call_a, call_b = ohtest.active_call(a, b, '1002')
    check(pulse.wait_for_tone(b.spk + '.monitor', 1000, 400, 10),
          f'lossy call: A\'s tone still heard on B\'s speaker ({pulse.last_tone_ms} ms)')
    # a lost packet is made up from the last one (fading), not silence:
    # without that about one 20 ms block in ten is missing
    heard = ohtest.tone_ms(pulse.record(b.spk + '.monitor', 3.0), 8000, 1000)
    check(heard >= 2900, f'lossy call: losses concealed, {heard} of 3000 ms of A\'s tone on B\'s speaker')
    a_stats = a.wait_prop(call_a, 'Call', 'Statistics',
                          lambda s: s.get('remote-packets-lost', 0) > 0, 15)
    ok(f'lossy call: B\'s RTCP tells A that {a_stats["remote-packets-lost"]} of its packets were lost')
    lossy = received_for(b, call_b, 600, 15)
    lost, received = lossy['packets-lost'], lossy['packets-received']
    share = 100.0 * lost / (lost + received)
    check(5 <= share <= 16, f'lossy call: B lost {lost} of {lost + received} packets ({share:.1f} %)')
    check(lossy['mos'] < clean['mos'] - 0.3,
          f'lossy call: MOS {lossy["mos"]:.2f}, below the clean call\'s {clean["mos"]:.2f}')
    check(lossy['receiving'], 'lossy call: B is still receiving')
    check(20 <= lossy['jitter-buffer-ms'] <= 200,
          f'lossy call: jitter buffer {lossy["jitter-buffer-ms"]} ms '
          f'(jitter {lossy["jitter-ms"]:.2f} ms)')
    check(b.get(call_b, 'Call', 'State') == 'active' and a.get(call_a, 'Call', 'State') == 'active',
          'lossy call: still active on both phones')
    hang_up(a, call_a, b, call_b)
    tone_a.stop()
    tone_b.stop()

    for phone in (a, b):
        reports, with_blocks = rtcp_reports(capture, phone)
        check(with_blocks >= 2, f'{phone.name.upper()} sent {reports} RTCP sender reports, '
              f'{with_blocks} with a report block')
    ok('loss: all checks passed')
