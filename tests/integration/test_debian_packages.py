# SPDX-License-Identifier: LGPL-2.1-or-later
"""debian-packages: the Debian packages build, install, run and purge.

packaging/build-deb builds them from this tree with
DEB_BUILD_OPTIONS="nocheck noddebs parallel=1" (the tree without its tests,
no debug symbol packages, one core: the other tests run beside it), unless
OFFHOOK_DEBS names a folder that holds them already.  lintian must find no
error and no warning in them.

Then the machine stays as it is: /etc, /usr and /var get overlays in this
test's mount namespace (fx.overlay), where `apt-get install ./*.deb` puts
the five packages (the network namespace has no way out: every dependency
must be installed already, which tools/install-deps does).  Other tests never
see the installed files, and neither does the machine after the test.

- postinst made user offhook (home /var/lib/offhook) and group
  offhook-admin (sysusers) and enabled offhookd.service;
- the autopkgtest, packaging/debian/tests/system-bus, passes: the installed
  offhookd on a system bus that reads the installed policy, seen by busctl;
- a program built with `pkg-config liboffhook-hal` against the installed
  headers links to the installed library and runs;
- `apt-get purge` removes the packages, their files, /etc/offhook and the
  unit's enablement.
"""
import glob
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ohtest  # noqa: E402
from ohtest import check, ok, fail  # noqa: E402

ohtest.isolate()

# meson points LD_LIBRARY_PATH at the build tree's liboffhook-hal (with ASan
# under CI): the installed programs must find the installed one
os.environ.pop('LD_LIBRARY_PATH', None)

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.normpath(os.path.join(HERE, '..', '..'))
PACKAGES = ['offhookd', 'offhookctl', 'offhook-ui', 'liboffhook-hal0', 'liboffhook-hal-dev']
WANTS = '/etc/systemd/system/multi-user.target.wants/offhookd.service'

HAL_PROGRAM = r'''
#include <offhook-hal.h>
#include <stdio.h>

int main (void)
{
  g_autoptr (OhKeymap) keymap = oh_keymap_new ();
  OhPhoneKey key = OH_PHONE_KEY_NONE;

  if (!oh_phone_key_from_string ("5", &key))
    return 1;
  oh_keymap_set (keymap, 6, key);
  printf ("%c\n", oh_phone_key_to_dial_char (oh_keymap_lookup (keymap, 6)));
  return 0;
}
'''


def run(argv, timeout=120, **kw):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                       stdin=subprocess.DEVNULL, **kw)
    return r.returncode, r.stdout + r.stderr


def installed(package):
    rc, out = run(['dpkg-query', '-W', '-f=${Status}', package])
    return rc == 0 and out == 'install ok installed'


with ohtest.Fixture('debian-packages', timeout=420) as fx:
    if os.geteuid() != 0:
        fail('this test installs packages (in its own overlays): run it as '
             'root')
    debs = os.environ.get('OFFHOOK_DEBS')
    if not debs:
        debs = fx.path('debs')
        env = ohtest.base_env(TMPDIR=fx.tmp,
                              DEB_BUILD_OPTIONS='nocheck noddebs parallel=1')
        rc, out = run([os.path.join(SOURCE, 'packaging', 'build-deb'), debs],
                      timeout=360, env=env)
        with open(fx.path('build-deb.log'), 'w') as f:
            f.write(out)
        if rc != 0:
            fail(f'packaging/build-deb failed: {out.strip()[-1500:]}')
        ok('packaging/build-deb built the packages')
    files = {os.path.basename(p).split('_')[0]: p
             for p in glob.glob(f'{debs}/*.deb')}
    check(sorted(files) == sorted(PACKAGES),
          f'one .deb for each of {PACKAGES}: {sorted(files)}')

    changes = glob.glob(f'{debs}/*.changes')
    rc, out = run(['lintian', '--fail-on', 'error,warning',
                   '--tag-display-limit', '0', '--display-info'] + changes,
                  timeout=180)
    tags = [line for line in out.splitlines() if line[1:3] == ': ']
    for line in tags:
        print(f'# lintian: {line}')
    check(rc == 0, f'lintian finds no error or warning ({len(tags)} tags)')

    for path in ('/etc', '/usr', '/var'):
        fx.overlay(path)
    env = ohtest.base_env(DEBIAN_FRONTEND='noninteractive')
    rc, out = run(['apt-get', 'install', '-y', '-q', '--no-install-recommends']
                  + [files[p] for p in PACKAGES], timeout=180, env=env)
    with open(fx.path('apt-install.log'), 'w') as f:
        f.write(out)
    if rc != 0:
        fail(f'apt-get install ./*.deb failed: {out.strip()[-1500:]}')
    ok('apt-get install ./*.deb works')
    for package in PACKAGES:
        check(installed(package), f'{package} is installed')

    rc, out = run(['getent', 'passwd', 'offhook'])
    check(rc == 0 and out.strip().split(':')[5] == '/var/lib/offhook',
          f'postinst made user offhook, home /var/lib/offhook ({out.strip()})')
    rc, out = run(['getent', 'group', 'offhook-admin'])
    check(rc == 0, 'postinst made group offhook-admin')
    check(os.path.realpath(WANTS) == '/usr/lib/systemd/system/offhookd.service',
          f'postinst enabled offhookd.service ({WANTS})')

    test = os.path.join(SOURCE, 'packaging', 'debian', 'tests', 'system-bus')
    rc, out = run([test], timeout=90, env=ohtest.base_env())
    for line in out.splitlines():
        print(f'# system-bus: {line}')
    check(rc == 0, 'autopkgtest system-bus passes: busctl sees the installed '
          'offhookd on a system bus with the installed policy')

    rc, out = run(['/usr/bin/offhook-ui', '--version'])
    check(rc == 0 and out.strip().startswith('offhook-ui '),
          f'the installed offhook-ui runs ({out.strip()})')

    source = fx.path('hal-user.c')
    with open(source, 'w') as f:
        f.write(HAL_PROGRAM)
    program = fx.path('hal-user')
    rc, out = run(['sh', '-c', 'cc -o "$1" "$2" $(pkg-config --cflags --libs '
                   'liboffhook-hal)', 'cc', program, source])
    check(rc == 0, f'a program builds with liboffhook-hal-dev ({out.strip()})')
    rc, out = run([program])
    check(rc == 0 and out.strip() == '5',
          f'it runs with the installed liboffhook-hal0 ({out.strip()})')

    rc, out = run(['apt-get', 'purge', '-y', '-q'] + PACKAGES, timeout=180,
                  env=env)
    if rc != 0:
        fail(f'apt-get purge failed: {out.strip()[-1500:]}')
    ok('apt-get purge works')
    for package in PACKAGES:
        check(not installed(package), f'{package} is purged')
    for path in ('/usr/sbin/offhookd', '/usr/bin/offhookctl', '/usr/bin/offhook-ui', '/etc/offhook',
                 '/usr/share/dbus-1/system.d/org.offhook.Phone1.conf'):
        check(not os.path.exists(path), f'{path} is gone')
    check(not os.path.lexists(WANTS), 'offhookd.service is no longer enabled')
    ok('the Debian packages build, install, run and purge')
