# SPDX-License-Identifier: LGPL-2.1-or-later
"""bus-policy: on a system bus, each group gets what it should and no more.

A private *system* dbus-daemon runs Debian's own system.conf with one
change of substance: its only policy include is a folder holding exactly
packaging/dbus/org.offhook.Phone1.conf.  Users and groups are made inside
the test's mount namespace, on an overlay over /etc (fx.overlay) (the host's /etc never
changes): systemd-sysusers applies packaging/sysusers/offhook.conf (user
offhook, groups offhook and offhook-admin), useradd adds

    ohanon   no group of ours        ohuser   in group offhook
    ohadmin  in group offhook-admin  (and root)

offhookd runs as user offhook (setpriv) on that bus.  Every call below is
made by a separate process running as that user; a refusal must be the bus's
own org.freedesktop.DBus.Error.AccessDenied, and every refused call is also
made by someone allowed to, who succeeds (so the refusal is the policy's,
not a broken call); a refused write leaves the property as it was.
"""
import json
import re
import os
import socket
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ohtest  # noqa: E402
from ohtest import check, ok, fail, Gio, GLib  # noqa: E402

ohtest.isolate()

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGING = os.path.join(HERE, '..', '..', 'packaging')
POLICY = os.path.join(PACKAGING, 'dbus', 'org.offhook.Phone1.conf')
SYSUSERS = os.path.join(PACKAGING, 'sysusers', 'offhook.conf')
DENIED = 'org.freedesktop.DBus.Error.AccessDenied'
PROPS = 'org.freedesktop.DBus.Properties'

# one D-Bus call, made by the process this runs in; prints OK/ERR and the
# reply or the error name
CALLER = r'''
import json, sys
from gi.repository import Gio, GLib
addr, dest, path, iface, method, args = json.loads(sys.argv[1])
conn = Gio.DBusConnection.new_for_address_sync(
    addr, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
    Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
params = GLib.Variant.parse(None, args, None, None) if args else None
try:
    reply = conn.call_sync(dest, path, iface, method, params, None,
                           Gio.DBusCallFlags.NONE, 10000, None)
    print('OK', reply.print_(False) if reply else '')
except GLib.Error as e:
    print('ERR', Gio.DBusError.get_remote_error(e) or e.message)
'''


def sh(*argv):
    subprocess.run(argv, check=True, capture_output=True, timeout=60)


def system_bus_config(fx):
    """Debian's system.conf, listening in fx.tmp, our policy only."""
    policy_dir = fx.path('system.d')
    os.makedirs(policy_dir)
    with open(POLICY) as src, open(f'{policy_dir}/org.offhook.Phone1.conf',
                                    'w') as dst:
        dst.write(src.read())
    with open('/usr/share/dbus-1/system.conf') as f:
        text = f.read()
    text = re.sub(r'<listen>.*?</listen>',
                  f'<listen>unix:path={fx.path("system_bus_socket")}'
                  '</listen>', text)
    for drop in (r'<user>.*?</user>', r'<fork/>', r'<pidfile>.*?</pidfile>',
                 r'<syslog/>', r'<servicehelper>.*?</servicehelper>',
                 r'<standard_system_servicedirs/>',
                 r'<include ignore_missing="yes">.*?</include>',
                 r'<includedir>.*?</includedir>'):
        text = re.sub(drop, '', text)
    text = text.replace('</busconfig>',
                        f'<includedir>{policy_dir}</includedir>\n'
                        '</busconfig>')
    path = fx.path('system.conf')
    with open(path, 'w') as f:
        f.write(text)
    return path


class Caller:
    def __init__(self, fx, address, user):
        self.fx = fx
        self.address = address
        self.user = user

    def call(self, path, iface, method, args=None, dest=ohtest.BUS_NAME):
        argv = ['/usr/bin/python3', '-c', CALLER, json.dumps(
            [self.address, dest, path, iface, method, args])]
        if self.user != 'root':
            argv = ['setpriv', f'--reuid={self.user}', f'--regid={self.user}',
                    '--init-groups', '--'] + argv
        r = subprocess.run(argv, capture_output=True, text=True, timeout=30,
                           env=ohtest.base_env())
        out = r.stdout.strip()
        if not (out.startswith('OK') or out.startswith('ERR')):
            fail(f'{self.user}: {method}: caller failed: {r.stderr.strip()}')
        return out.split(' ', 1)[0] == 'OK', out.split(' ', 1)[-1]

    def allowed(self, what, *args, **kw):
        good, reply = self.call(*args, **kw)
        check(good, f'{self.user}: {what} allowed ({reply[:80]})')
        return reply

    def denied(self, what, *args, **kw):
        good, reply = self.call(*args, **kw)
        check(not good and reply == DENIED,
              f'{self.user}: {what} denied by the bus ({reply[:80]})')


def wait_owner(conn, timeout, proc):
    owner = []
    loop = GLib.MainLoop()

    def appeared(c, name, name_owner):
        owner.append(name_owner)
        loop.quit()

    def tick():
        if not proc.alive():
            loop.quit()
            return GLib.SOURCE_REMOVE
        return GLib.SOURCE_CONTINUE
    wid = Gio.bus_watch_name_on_connection(conn, ohtest.BUS_NAME,
                                           Gio.BusNameWatcherFlags.NONE,
                                           appeared, None)
    tid = GLib.timeout_add(100, tick)
    gid = GLib.timeout_add(int(timeout * 1000), loop.quit)
    loop.run()
    for source in (tid, gid):
        ctx_source = GLib.MainContext.default().find_source_by_id(source)
        if ctx_source:
            ctx_source.destroy()
    Gio.bus_unwatch_name(wid)
    return owner[0] if owner else None


with ohtest.Fixture('bus-policy', timeout=180) as fx:
    if os.geteuid() != 0:
        fail('this test makes users and switches to them: run it as root')
    fx.overlay('/etc')     # useradd writes there
    sh('systemd-sysusers', SYSUSERS)
    sh('useradd', '-M', '-s', '/usr/sbin/nologin', 'ohanon')
    sh('useradd', '-M', '-s', '/usr/sbin/nologin', '-G', 'offhook', 'ohuser')
    sh('useradd', '-M', '-s', '/usr/sbin/nologin', '-G', 'offhook-admin',
       'ohadmin')
    ok('users offhook, ohanon, ohuser (offhook), ohadmin (offhook-admin) '
       'exist in our namespace only')

    config = system_bus_config(fx)
    bus = fx.spawn('system-bus', ['dbus-daemon', f'--config-file={config}',
                                  '--nofork', '--print-address=1'],
                   env=ohtest.base_env(), stdout=subprocess.PIPE)
    address = bus.read_line(10)
    conn = Gio.DBusConnection.new_for_address_sync(
        address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
        Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
    fx.cleanup(lambda: conn.close_sync(None))

    anon, user, admin, root = (Caller(fx, address, u) for u in
                               ('ohanon', 'ohuser', 'ohadmin', 'root'))
    offhook = Caller(fx, address, 'offhook')
    own = f"('{ohtest.BUS_NAME}', uint32 4)"
    for who in (anon, user, admin, root):
        who.denied(f'owning {ohtest.BUS_NAME}', '/org/freedesktop/DBus',
                   'org.freedesktop.DBus', 'RequestName', own,
                   dest='org.freedesktop.DBus')

    # offhookd as user offhook, as the unit runs it
    state = fx.path('state')
    os.makedirs(state, mode=0o700)
    sh('chown', 'offhook:offhook', state)
    conf = fx.path('offhookd.conf')
    with open(conf, 'w') as f:
        f.write('[sip]\nport=5062\naddress=127.0.0.1\n')
    os.chmod(conf, 0o644)
    env = ohtest.base_env(DBUS_SYSTEM_BUS_ADDRESS=address,
                          PULSE_SERVER=f'unix:{fx.tmp}/no-pulse-server',
                          G_DEBUG='fatal-criticals')
    daemon = fx.spawn('offhookd', [
        'setpriv', '--reuid=offhook', '--regid=offhook', '--init-groups', '--',
        os.environ['OFFHOOKD'], '--config', conf, '--state-dir', state,
        '--verbose'], env=env, check_exit=True)
    check(wait_owner(conn, 20, daemon) is not None,
          f'offhookd as user offhook owns {ohtest.BUS_NAME}')

    M = 'org.offhook.Phone1.Manager'
    A = 'org.offhook.Phone1.Account'
    C = 'org.offhook.Phone1.Call'
    R = ohtest.ROOT_PATH

    # everyone reads
    for who in (anon, user, admin, root):
        who.allowed('Properties.Get Version', R, PROPS, 'Get',
                    f"('{M}', 'Version')")
        who.allowed('Properties.GetAll Manager', R, PROPS, 'GetAll',
                    f"('{M}',)")
        who.allowed('GetManagedObjects', R,
                    'org.freedesktop.DBus.ObjectManager', 'GetManagedObjects')
        who.allowed('Introspect', R, 'org.freedesktop.DBus.Introspectable',
                    'Introspect')

    # accounts: root and offhook-admin only
    add = ("({'id': <'%s'>, 'aor': <'sip:1001@offhook.test'>, "
           "'proxies': <['sip:127.0.0.1:5999']>, 'register': <false>},)")
    for who in (anon, user):
        who.denied('AddAccount', R, M, 'AddAccount', add % 'nope')
    root.allowed('AddAccount', R, M, 'AddAccount', add % 'work')
    admin.allowed('AddAccount', R, M, 'AddAccount', add % 'spare')
    work = f'{R}/Account/work'
    creds = "('1001', 'not-the-password')"
    for who in (anon, user):
        who.denied('Account.SetCredentials', work, A, 'SetCredentials', creds)
        who.denied('Account.ClearCredentials', work, A, 'ClearCredentials')
        who.denied('Account.Update', work, A, 'Update',
                   "({'display-name': <'x'>},)")
        who.denied('Account.Register', work, A, 'Register')
        who.denied('Properties.Set Account.Enabled', work, PROPS, 'Set',
                   f"('{A}', 'Enabled', <false>)")
        who.denied('RemoveAccount', R, M, 'RemoveAccount',
                   f"(objectpath '{R}/Account/spare',)")
    _, has = anon.call(work, PROPS, 'Get', f"('{A}', 'HasPassword')")
    check(has == '(<false>,)', 'the refused SetCredentials stored nothing')
    root.allowed('Account.SetCredentials', work, A, 'SetCredentials', creds)
    admin.allowed('Account.SetCredentials', f'{R}/Account/spare', A,
                  'SetCredentials', creds)
    admin.allowed('Account.Update', work, A, 'Update',
                  "({'display-name': <'Desk'>},)")
    admin.allowed('Properties.Set Account.DisplayName', work, PROPS, 'Set',
                  f"('{A}', 'DisplayName', <'Front desk'>)")
    admin.allowed('Account.ClearCredentials', f'{R}/Account/spare', A,
                  'ClearCredentials')
    admin.allowed('RemoveAccount', R, M, 'RemoveAccount',
                  f"(objectpath '{R}/Account/spare',)")

    # calls, audio and DND: group offhook (and the admins); the callee
    # swallows the INVITE, so the call stays up until it is hung up
    callee = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    callee.bind(('127.0.0.1', 5999))
    fx.cleanup(callee.close)
    dial = "('sip:9@127.0.0.1:5999', @a{sv} {})"
    anon.denied('Dial', R, M, 'Dial', dial)
    call = user.allowed('Dial', R, M, 'Dial', dial)
    call = call.split("'")[1]
    anon.denied('Call.Hangup', call, C, 'Hangup')
    user.allowed('Call.Hangup', call, C, 'Hangup')
    admin.allowed('HangupAll', R, M, 'HangupAll')
    for prop, value in (('AudioRoute', "<'speaker'>"),
                        ('DoNotDisturb', '<true>'), ('Volume', '<uint32 40>'),
                        ('MicrophoneMuted', '<true>')):
        anon.denied(f'Properties.Set {prop}', R, PROPS, 'Set',
                    f"('{M}', '{prop}', {value})")
        _, before = anon.call(R, PROPS, 'Get', f"('{M}', '{prop}')")
        check(before != f'({value},)',
              f'{prop} unchanged after the refused write ({before})')
        user.allowed(f'Properties.Set {prop}', R, PROPS, 'Set',
                     f"('{M}', '{prop}', {value})")
        _, after = anon.call(R, PROPS, 'Get', f"('{M}', '{prop}')")
        check(after == f'({value},)', f'{prop} is now {after}')
    ok('each group got exactly what the policy grants')
