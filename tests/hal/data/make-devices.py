#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Writes the umockdev descriptions (.umockdev) and ioctl answers (.ioctl)
of the fake input devices the hal tests use, in umockdev-record's format.

The ioctl answers are what the kernel's evdev would give libevdev 1.13 when it
opens the device: every EVIOCG* probe with libevdev's exact buffer size (a
size umockdev has no answer for is ENOENT).  Run it again after changing a
device below:  python3 make-devices.py
"""
import os
import sys

# (from linux/input-event-codes.h)
EV_SYN, EV_KEY, EV_SW, EV_REP = 0x00, 0x01, 0x05, 0x14
KEYS = {
    'KEY_UP': 103, 'KEY_DOWN': 108, 'KEY_MUTE': 113, 'KEY_VOLUMEDOWN': 114,
    'KEY_VOLUMEUP': 115, 'KEY_MAIL': 155, 'KEY_PROG1': 148,
    'KEY_F1': 59, 'KEY_F2': 60, 'KEY_F3': 61, 'KEY_F4': 62,
    'KEY_NUMERIC_STAR': 0x20a, 'KEY_NUMERIC_POUND': 0x20b,
    'KEY_PICKUP_PHONE': 0x1bd, 'KEY_HANGUP_PHONE': 0x1be,
}
KEYS.update({f'KEY_NUMERIC_{i}': 0x200 + i for i in range(10)})
SW_DOCK = 0x05

def bitmap(bits, size):
    data = bytearray(size)
    for b in bits:
        data[b // 8] |= 1 << (b % 8)
    return data.hex().upper()


def ioctl_file(name, types, keys=(), switches=(), switches_on=()):
    name_bytes = name.encode() + b'\0'
    name_hex = name_bytes.ljust(255, b'\0').hex().upper()
    lines = [
        'EVIOCGVERSION 0 01000100',
        # bus virtual (6), vendor 0x4f48 ("OH"), product 1, version 1
        'EVIOCGID 0 0600484F01000100',
        f'EVIOCGNAME(0) {len(name_bytes)} {name_hex}',
        f'EVIOCGPROP(0) 8 {bitmap([], 8)}',
        f'EVIOCGBIT(0) 8 {bitmap(types, 8)}',
    ]
    for ev, size, bits in [(0x02, 8, []), (0x03, 8, []), (0x11, 8, []),
                           (EV_KEY, 96, keys), (EV_SW, 8, switches),
                           (0x04, 8, []), (0x15, 16, []), (0x12, 8, [])]:
        lines.append(f'EVIOCGBIT({ev}) {size} {bitmap(bits, size)}')
    lines.append(f'EVIOCGKEY(0) 96 {bitmap([], 96)}')
    lines.append(f'EVIOCGLED(0) 8 {bitmap([], 8)}')
    lines.append(f'EVIOCGSW(0) 8 {bitmap(switches_on, 8)}')
    if EV_REP in types:
        # delay 250 ms, period 33 ms
        lines.append('EVIOCGREP 0 FA00000021000000')
    return '\n'.join(lines) + '\n'


def umockdev_file(platform, name, event):
    minor = 64 + int(event[len('event'):])
    return f"""P: /devices/platform/{platform}/input/input{event[5:]}/{event}
N: input/{event}
E: DEVNAME=/dev/input/{event}
E: SUBSYSTEM=input
E: MAJOR=13
E: MINOR={minor}
E: ID_INPUT=1
E: ID_INPUT_KEY=1
A: dev=13:{minor}

P: /devices/platform/{platform}/input/input{event[5:]}
E: SUBSYSTEM=input
E: NAME="{name}"
A: name={name}

P: /devices/platform/{platform}
E: SUBSYSTEM=platform
E: DRIVER=gpio-keys
"""


def write(path, text):
    with open(path, 'w', encoding='ascii') as f:
        f.write(text)


here = os.path.dirname(os.path.abspath(sys.argv[0]))
write(os.path.join(here, 'keypad.umockdev'),
      umockdev_file('offhook-keypad', 'Offhook Test Keypad', 'event0'))
write(os.path.join(here, 'keypad.ioctl'),
      ioctl_file('Offhook Test Keypad', [EV_SYN, EV_KEY, EV_REP], keys=KEYS.values()))
write(os.path.join(here, 'handset.umockdev'),
      umockdev_file('offhook-handset', 'Offhook Test Handset', 'event1'))
# The handset rests in its cradle (SW_DOCK on) when the test starts.
write(os.path.join(here, 'handset.ioctl'),
      ioctl_file('Offhook Test Handset', [EV_SYN, EV_SW], switches=[SW_DOCK],
                 switches_on=[SW_DOCK]))
