# SPDX-License-Identifier: LGPL-2.1-or-later
"""units: what `meson install` puts on a phone image is valid and locked down.

The build is installed with `meson install --destdir` into a temp root, as
an image build does.  Then, in the test's own mount namespace, the installed
sbin directory is bind-mounted where the unit's ExecStart= expects it, so
that `systemd-analyze verify` checks the installed unit against the
installed binary (nothing on the host changes).

- every installed unit passes `systemd-analyze verify`; the man pages its
  Documentation= names are installed;
- `systemd-analyze security --offline=yes` rates offhookd.service at or
  below MAX_EXPOSURE (the figure is printed);
- the D-Bus API reference (one page per interface) is installed;
- the D-Bus activation file names an installed unit, user offhook and the
  installed binary; the bus policy is installed where dbus-daemon reads it;
- `systemd-sysusers --root` creates user offhook (home /var/lib/offhook),
  group offhook-admin and offhook's membership in pulse-access.
"""
import configparser
import glob
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ohtest  # noqa: E402
from ohtest import check, ok, fail  # noqa: E402

ohtest.isolate()

# the exposure reached by packaging/systemd/offhookd.service.in; raise it
# only with a reason in the unit file
MAX_EXPOSURE = 1.5


def run(argv, **kw):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=120, **kw)
    return r.returncode, r.stdout + r.stderr


def unit_value(path, key):
    cp = configparser.ConfigParser(strict=False, interpolation=None)
    cp.optionxform = str
    cp.read(path)
    for section in cp.sections():
        if key in cp[section]:
            return cp[section][key]
    return None


with ohtest.Fixture('units', timeout=200) as fx:
    build = os.environ['OFFHOOK_BUILD_ROOT']
    root = fx.path('root')
    rc, out = run(['meson', 'install', '-C', build, '--destdir', root,
                   '--no-rebuild', '--quiet'])
    check(rc == 0, f'meson install --destdir works ({out.strip()[-300:]})')
    rc, out = run(['meson', 'introspect', '--buildoptions', build])
    options = {o['name']: o['value'] for o in json.loads(out)}
    prefix = options['prefix']

    units = sorted(glob.glob(f'{root}/**/systemd/system/*.service',
                             recursive=True))
    names = [os.path.basename(u) for u in units]
    check('offhookd.service' in names, f'units installed: {names}')

    for unit in units:
        name = os.path.basename(unit)
        exe = unit_value(unit, 'ExecStart').split()[0].lstrip('-@!+')
        check(os.access(root + exe, os.X_OK),
              f'{name}: ExecStart {exe} is installed')
        # the installed binary where the unit expects it, in our namespace
        subprocess.run(['mount', '--bind', root + os.path.dirname(exe),
                        os.path.dirname(exe)], check=True)
        rc, out = run(['systemd-analyze', 'verify', '--man=no', unit])
        check(rc == 0 and not out.strip(),
              f'{name}: systemd-analyze verify is clean ({out.strip()})')
        for doc in (unit_value(unit, 'Documentation') or '').split():
            m = re.fullmatch(r'man:([\w.-]+)\((\d)\)', doc)
            if not m:
                continue
            page = f'{root}{prefix}/share/man/man{m[2]}/{m[1]}.{m[2]}'
            check(os.path.exists(page), f'{name}: {doc} is installed')

    unit = units[names.index('offhookd.service')]
    rc, out = run(['systemd-analyze', 'security', '--offline=yes',
                   f'--root={root}', unit])
    m = re.search(r'Overall exposure level for offhookd\.service: '
                  r'([\d.]+) (\w+)', out)
    if not m:
        fail(f'no exposure level in systemd-analyze security output:\n{out}')
    print(f'# systemd-analyze security: offhookd.service exposure {m[1]} '
          f'{m[2]}')
    for line in out.splitlines():
        if line.startswith('✗'):
            print(f'#   {line.rstrip()}')
    check(float(m[1]) <= MAX_EXPOSURE,
          f'exposure {m[1]} {m[2]} is at most {MAX_EXPOSURE}')

    docs = sorted(os.path.basename(p) for p in glob.glob(
        f'{root}{prefix}/share/doc/offhook/offhook-dbus-*.rst'))
    check(len(docs) == 3, f'D-Bus API reference installed: {docs}')

    services = glob.glob(f'{root}/**/dbus-1/system-services/'
                         'org.offhook.Phone1.service', recursive=True)
    check(len(services) == 1, f'D-Bus activation file installed: {services}')
    activation = configparser.ConfigParser(interpolation=None)
    activation.optionxform = str
    activation.read(services[0])
    act = activation['D-BUS Service']
    check(act['Name'] == ohtest.BUS_NAME and act['User'] == 'offhook',
          'activation: org.offhook.Phone1 as user offhook')
    check(act['SystemdService'] in names,
          f'activation: SystemdService={act["SystemdService"]} is installed')
    check(os.access(root + act['Exec'], os.X_OK),
          f'activation: Exec={act["Exec"]} is installed')
    policy = f'{root}{prefix}/share/dbus-1/system.d/org.offhook.Phone1.conf'
    check(os.path.exists(policy), 'bus policy installed in '
          f'{prefix}/share/dbus-1/system.d')

    sysusers = glob.glob(f'{root}/**/sysusers.d/offhook.conf', recursive=True)
    check(len(sysusers) == 1, f'sysusers.d file installed: {sysusers}')
    sysroot = fx.path('sysroot')
    os.makedirs(f'{sysroot}/etc')
    rc, out = run(['systemd-sysusers', f'--root={sysroot}', sysusers[0]])
    check(rc == 0, f'systemd-sysusers accepts it ({out.strip()})')
    with open(f'{sysroot}/etc/passwd') as f:
        users = {line.split(':')[0]: line.split(':') for line in f}
    with open(f'{sysroot}/etc/group') as f:
        groups = {line.split(':')[0]: line.strip().split(':') for line in f}
    check('offhook' in users and users['offhook'][5] == '/var/lib/offhook',
          'sysusers: user offhook, home /var/lib/offhook')
    check('offhook' in groups and 'offhook-admin' in groups,
          'sysusers: groups offhook and offhook-admin')
    check('offhook' in groups.get('pulse-access', ['', '', '', ''])[3]
          .split(','), 'sysusers: offhook is in pulse-access (system '
          'PulseAudio)')
    ok('installed system pieces checked')
