# SPDX-License-Identifier: LGPL-2.1-or-later
"""packaging-recipes: the Yocto recipe and the Buildroot package fit the tree.

Neither bitbake nor Buildroot is on the development and CI machines, so this
reads their files the way they would, strictly, and checks them against the
tree and against what `meson install` would install.

  check_recipes.py SOURCE_ROOT

Yocto, packaging/yocto/offhook_git.bb:
- every line is a comment, an `inherit` or an assignment (=, ?=, ??=, :=,
  +=, =+, .=, =.; overrides VAR:x and flags VAR[x]) of a quoted value;
- it inherits meson, pkgconfig, systemd and useradd and sets SUMMARY,
  LICENSE, LIC_FILES_CHKSUM, SRC_URI, S, DEPENDS, PACKAGECONFIG,
  SYSTEMD_SERVICE:${PN}, USERADD_PACKAGES, USERADD_PARAM:${PN} and
  GROUPADD_PARAM:${PN} (and those of every other USERADD_PACKAGES package);
- each LIC_FILES_CHKSUM file exists and its md5 (over beginline..endline,
  as bitbake counts it) matches;
- each -D option of EXTRA_OEMESON and of the PACKAGECONFIG flags is an
  option of meson_options.txt with a value it takes;
- each dependency meson finds is built first (DEPENDS, or the DEPENDS of a
  PACKAGECONFIG flag in the default PACKAGECONFIG);
- the layout: `meson setup` with what meson.bbclass passes, the recipe's
  options and its default PACKAGECONFIG (DISTRO_FEATURES with systemd),
  then `meson introspect --installed`: every installed file falls into one
  package of PACKAGES by bitbake's FILES rules (the recipe's FILES and
  bitbake.conf's defaults for ${PN}, ${PN}-dev and ${PN}-doc), every FILES
  entry the recipe writes takes at least one file, and the CONFFILES and the
  SYSTEMD_SERVICE units are installed into a package that declares them;
- the users and groups of USERADD_PARAM and GROUPADD_PARAM are those of
  packaging/sysusers/offhook.conf.

Buildroot, packaging/buildroot/Config.in and offhook.mk:
- Config.in has only Kconfig lines (config, bool, default, depends on,
  select, help with its indented text, if/endif, comment), the first symbol
  is BR2_PACKAGE_OFFHOOK, if/endif balance, every sub-option selects
  something;
- offhook.mk sets only OFFHOOK_* variables, balances ifeq/else/endif and
  define/endef, sets VERSION, SITE, LICENSE, DEPENDENCIES and CONF_OPTS and
  ends with $(eval $(meson-package));
- each target package in OFFHOOK_DEPENDENCIES is selected by
  BR2_PACKAGE_OFFHOOK, or is the symbol of the ifeq it stands in;
- each dependency meson finds is in OFFHOOK_DEPENDENCIES;
- the -D options are meson options with valid values, and with them
  (BR2_PACKAGE_SYSTEMD=y) the unit is installed in /usr/lib/systemd/system;
- the OFFHOOK_USERS table makes the users and groups of the sysusers file.
"""
import hashlib
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

SOURCE = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                         os.path.join(os.path.dirname(__file__), '..', '..'))
failures = []


def ok(msg):
    print(f'ok - {msg}', flush=True)


def check(cond, msg):
    if cond:
        ok(msg)
    else:
        print(f'not ok - {msg}', flush=True)
        failures.append(msg)
    return cond


def read(rel):
    with open(os.path.join(SOURCE, rel), encoding='utf-8') as f:
        return f.read()


def logical_lines(text):
    """(number, line) with backslash continuations joined, as make,
    Kconfig and bitbake read them."""
    lines = text.split('\n')
    i = 0
    while i < len(lines):
        number, line = i + 1, lines[i]
        while line.endswith('\\') and i + 1 < len(lines):
            i += 1
            line = line[:-1] + ' ' + lines[i].strip()
        i += 1
        yield number, line


# ------------------------------------------------------------ the tree

def meson_options():
    out = subprocess.run(['meson', 'introspect', '--buildoptions',
                          os.path.join(SOURCE, 'meson.build')],
                         check=True, capture_output=True, text=True).stdout
    return {o['name']: o for o in json.loads(out) if o['section'] == 'user'}


def check_meson_args(args, options, what):
    """Each -Dname=value of args is a user option that takes value."""
    for arg in args:
        m = re.fullmatch(r'-D([\w-]+)=(.*)', arg)
        if not check(m is not None, f'{what}: {arg} is a -Dname=value'):
            continue
        name, value = m[1], m[2]
        opt = options.get(name)
        if not check(opt is not None, f'{what}: -D{name} is a meson option'):
            continue
        if opt['type'] == 'combo':
            valid = value in opt['choices']
        elif opt['type'] == 'boolean':
            valid = value in ('true', 'false')
        else:
            valid = True
        check(valid, f'{what}: -D{name}={value} is a valid value')


def meson_layout(args):
    """(installed paths, pkg-config names found) for a configuration."""
    with tempfile.TemporaryDirectory(prefix='offhook-layout-') as build:
        r = subprocess.run(['meson', 'setup', build, SOURCE] + args,
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit(f'not ok - meson setup {" ".join(args)} '
                             f'failed:\n{r.stdout}{r.stderr}')
        installed = json.loads(subprocess.run(
            ['meson', 'introspect', '--installed', build], check=True,
            capture_output=True, text=True).stdout)
        deps = json.loads(subprocess.run(
            ['meson', 'introspect', '--dependencies', build], check=True,
            capture_output=True, text=True).stdout)
    paths = set(installed.values())
    # meson installs a versioned library with its two links, which
    # introspection leaves out
    for p in list(paths):
        m = re.fullmatch(r'(.*\.so)\.(\d+)\.\d+\.\d+', p)
        if m:
            paths |= {m[1], f'{m[1]}.{m[2]}'}
    return paths, {d['name'] for d in deps if d.get('type') != 'internal'}


# pkg-config name -> (Yocto recipe, Buildroot package); None: not a
# library the build links (a .pc read for its variables)
PROVIDERS = {
    'glib-2.0': ('glib-2.0', 'libglib2'),
    'gobject-2.0': ('glib-2.0', 'libglib2'),
    'gio-2.0': ('glib-2.0', 'libglib2'),
    'gio-unix-2.0': ('glib-2.0', 'libglib2'),
    'gmodule-2.0': ('glib-2.0', 'libglib2'),
    'sofia-sip-ua-glib': ('sofia-sip', 'sofia-sip'),
    'gstreamer-1.0': ('gstreamer1.0', 'gstreamer1'),
    'libpulse-mainloop-glib': ('pulseaudio', 'pulseaudio'),
    # systemd.pc, read for the unit and sysusers.d directories
    'systemd': ('systemd', 'systemd'),
    'dbus-1': None,
    'json-glib-1.0': ('json-glib', 'json-glib'),
    'libevdev': ('libevdev', 'libevdev'),
    'gudev-1.0': ('libgudev', 'libgudev'),
    'libpng': ('libpng', 'libpng'),
    'libpng16': ('libpng', 'libpng'),
}


def sysusers():
    """users {name: (home, {groups})}, groups {names} of the sysusers file."""
    users, groups = {}, set()
    for line in read('packaging/sysusers/offhook.conf').splitlines():
        if not line.strip() or line.startswith('#'):
            continue
        f = shlex.split(line)
        if f[0] == 'u':
            users[f[1]] = (f[4] if len(f) > 4 else '/', set())
            groups.add(f[1])
        elif f[0] == 'g':
            groups.add(f[1])
        elif f[0] == 'm':
            users[f[1]][1].add(f[2])
            groups.add(f[2])
    return users, groups


# ------------------------------------------------------------ bitbake

BB_ASSIGN = re.compile(
    r'(?P<var>[A-Za-z_][\w${}.+-]*(?::[\w${}.+-]+)*)(?:\[(?P<flag>[\w-]+)\])?'
    r'\s*(?P<op>\?\?=|\?=|:=|\+=|=\+|\.=|=\.|=)\s*"(?P<value>.*)"\s*$')

# what bitbake.conf sets (no multilib, no usrmerge)
YOCTO_DIRS = {
    'PN': 'offhook', 'BPN': 'offhook', 'prefix': '/usr', 'base_prefix': '',
    'exec_prefix': '/usr', 'bindir': '/usr/bin', 'sbindir': '/usr/sbin',
    'libdir': '/usr/lib', 'libexecdir': '/usr/libexec',
    'datadir': '/usr/share', 'sysconfdir': '/etc', 'localstatedir': '/var',
    'sharedstatedir': '/var/lib', 'includedir': '/usr/include',
    'mandir': '/usr/share/man', 'docdir': '/usr/share/doc',
    'infodir': '/usr/share/info', 'base_bindir': '/bin',
    'base_sbindir': '/sbin', 'base_libdir': '/lib',
    'nonarch_libdir': '/usr/lib', 'nonarch_base_libdir': '/lib',
    'systemd_unitdir': '/lib/systemd',
    'systemd_system_unitdir': '/lib/systemd/system',
    'SOLIBS': '.so.*', 'SOLIBSDEV': '.so',
}
YOCTO_DEFAULT_FILES = {
    '${PN}': '${bindir}/* ${sbindir}/* ${libexecdir}/* ${libdir}/lib*${SOLIBS} '
             '${sysconfdir} ${sharedstatedir} ${localstatedir} '
             '${base_bindir}/* ${base_sbindir}/* ${base_libdir}/*${SOLIBS} '
             '${base_prefix}/lib/udev ${prefix}/lib/udev ${datadir}/${BPN} '
             '${libdir}/${BPN}/* ${datadir}/pixmaps ${datadir}/applications '
             '${datadir}/idl ${datadir}/omf ${datadir}/sounds',
    '${PN}-dev': '${includedir} ${base_libdir}/lib*${SOLIBSDEV} '
                 '${libdir}/lib*${SOLIBSDEV} ${libdir}/*.la ${libdir}/*.o '
                 '${libdir}/pkgconfig ${datadir}/pkgconfig ${datadir}/aclocal '
                 '${libdir}/cmake ${datadir}/cmake',
    '${PN}-doc': '${docdir} ${mandir} ${infodir} ${datadir}/gtk-doc',
}
YOCTO_DEFAULT_PACKAGES = ['${PN}-src', '${PN}-dbg', '${PN}-staticdev',
                          '${PN}-dev', '${PN}-doc', '${PN}-locale', '${PN}']


def parse_bitbake(text):
    """{(var, flag): value} after the operators, [inherited classes]."""
    values, inherits = {}, []
    for start, line in logical_lines(text):
        if not line.strip() or line.lstrip().startswith('#'):
            continue
        if line.startswith('inherit '):
            inherits += line.split()[1:]
            continue
        m = BB_ASSIGN.fullmatch(line.strip())
        if not check(m is not None, f'recipe line {start} is an assignment, '
                     f'an inherit or a comment: {line.strip()[:60]}'):
            continue
        key, op, value = (m['var'], m['flag']), m['op'], m['value']
        old = values.get(key)
        if op == '??=' or op == '?=':
            if old is None:
                values[key] = value
        elif op == '+=':
            values[key] = f'{old} {value}' if old else value
        elif op == '=+':
            values[key] = f'{value} {old}' if old else value
        elif op == '.=':
            values[key] = (old or '') + value
        elif op == '=.':
            values[key] = value + (old or '')
        else:
            values[key] = value
    return values, inherits


def expand(value, extra=None):
    table = dict(YOCTO_DIRS, **(extra or {}))

    def one(m):
        if m[1] not in table:
            raise KeyError(m[1])
        return table[m[1]]
    for _ in range(5):
        value = re.sub(r'\$\{([\w-]+)\}', one, value)
    return value


def pattern_regex(pattern):
    out = ''
    for ch in pattern:
        out += {'*': '[^/]*', '?': '[^/]'}.get(ch, re.escape(ch))
    return re.compile(out)


def covers(pattern, path):
    """bitbake: a FILES glob takes a file, or a folder with all below it."""
    rx = pattern_regex(pattern)
    while path not in ('', '/'):
        if rx.fullmatch(path):
            return True
        path = os.path.dirname(path)
    return False


USERADD_ARGS = {'--home-dir': 'd', '-d': 'd', '--groups': 'G', '-G': 'G',
                '--shell': 's', '-s': 's', '--comment': 'c', '-c': 'c',
                '--gid': 'g', '-g': 'g', '--uid': 'u', '-u': 'u'}


def option_values(argv):
    """{option: value} of a useradd/groupadd command line, '' the name."""
    out, i = {}, 0
    while i < len(argv):
        a = argv[i]
        if a in USERADD_ARGS:
            out[USERADD_ARGS[a]] = argv[i + 1]
            i += 2
            continue
        if a.startswith('-'):
            out[a] = True
        else:
            out[''] = a
        i += 1
    return out


def check_yocto(options):
    path = 'packaging/yocto/offhook_git.bb'
    values, inherits = parse_bitbake(read(path))

    def get(var, flag=None):
        return values.get((var, flag))

    for cls in ('meson', 'pkgconfig', 'systemd', 'useradd'):
        check(cls in inherits, f'yocto: inherits {cls}')
    for var in ('SUMMARY', 'LICENSE', 'LIC_FILES_CHKSUM', 'SRC_URI', 'S',
                'DEPENDS', 'PACKAGECONFIG', 'SYSTEMD_SERVICE:${PN}',
                'USERADD_PACKAGES', 'USERADD_PARAM:${PN}',
                'GROUPADD_PARAM:${PN}'):
        check(get(var), f'yocto: {var} is set')
    check(get('LICENSE') == 'LGPL-2.1-or-later',
          'yocto: LICENSE is the SPDX name of the tree\'s licence')

    for entry in get('LIC_FILES_CHKSUM').split():
        m = re.fullmatch(r'file://([^;]+)((?:;\w+=\w+)*)', entry)
        if not check(m is not None, f'yocto: {entry} is file://PATH;...'):
            continue
        params = dict(p.split('=') for p in m[2].split(';')[1:])
        with open(os.path.join(SOURCE, m[1]), encoding='utf-8') as f:
            lines = f.read().splitlines(keepends=True)
        begin = int(params.get('beginline', 1))
        end = int(params.get('endline', len(lines)))
        digest = hashlib.md5(''.join(lines[begin - 1:end]).encode()).hexdigest()
        check(digest == params.get('md5'),
              f'yocto: md5 of {m[1]} lines {begin}-{end} is {digest}')

    # the default PACKAGECONFIG, with systemd in DISTRO_FEATURES
    default = get('PACKAGECONFIG').replace(
        "${@bb.utils.filter('DISTRO_FEATURES', 'systemd', d)}", 'systemd')
    default = default.split()
    flags = {flag: get('PACKAGECONFIG', flag).split(',')
             for (var, flag) in values if var == 'PACKAGECONFIG' and flag}
    for name in default:
        check(name in flags, f'yocto: PACKAGECONFIG {name} has its flags')
    args = expand(get('EXTRA_OEMESON') or '').split()
    check_meson_args(args, options, 'yocto EXTRA_OEMESON')
    depends = set(get('DEPENDS').split())
    for name, fields in flags.items():
        check(len(fields) <= 6, f'yocto: PACKAGECONFIG[{name}] has at most '
              '6 fields')
        fields += [''] * (4 - len(fields))
        for field in fields[:2]:
            check_meson_args(expand(field).split(), options,
                             f'yocto PACKAGECONFIG[{name}]')
        if name in default:
            args += expand(fields[0]).split()
            depends |= set(fields[2].split())
        else:
            args += expand(fields[1]).split()

    installed, found = meson_layout(
        ['--prefix=/usr', '--libdir=lib', '--sysconfdir=/etc',
         '--localstatedir=/var'] + args)
    for dep in sorted(found):
        check(dep in PROVIDERS, f'yocto: meson dependency {dep} is known '
              'to this check (PROVIDERS)')
        if PROVIDERS.get(dep):
            check(PROVIDERS[dep][0] in depends,
                  f'yocto: {dep} is built first ({PROVIDERS[dep][0]})')

    ours = get('PACKAGES').split() if get('PACKAGES') else []
    packages = ours + YOCTO_DEFAULT_PACKAGES
    files = {}
    for pkg in packages:
        written = get(f'FILES:{pkg}')
        base = YOCTO_DEFAULT_FILES.get(pkg, '')
        files[pkg] = (expand(base).split(),
                      expand(written or '').split())
    where = {}
    for path in sorted(installed):
        pkg = next((p for p in packages
                    if any(covers(g, path) for g in sum(files[p], []))), None)
        where[path] = pkg
        check(pkg is not None, f'yocto: {path} is in a package ({pkg})')
    for pkg in packages:
        for pattern in files[pkg][1]:
            check(any(where.get(p) == pkg and covers(pattern, p)
                      for p in installed),
                  f'yocto: FILES:{pkg} {pattern} takes an installed file')

    for conf in expand(get('CONFFILES:${PN}') or '').split():
        check(where.get(conf) == '${PN}',
              f'yocto: CONFFILES {conf} is installed in ${{PN}}')
    systemd_packages = (get('SYSTEMD_PACKAGES') or '${PN}').split()
    for pkg in systemd_packages:
        for unit in (get(f'SYSTEMD_SERVICE:{pkg}') or '').split():
            path = f"{YOCTO_DIRS['systemd_system_unitdir']}/{unit}"
            check(where.get(path) == pkg,
                  f'yocto: SYSTEMD_SERVICE {unit} is installed in {pkg}')

    want_users, want_groups = sysusers()
    users, groups = {}, set()
    for pkg in get('USERADD_PACKAGES').split():
        for cmd in filter(str.strip, (get(f'GROUPADD_PARAM:{pkg}') or '').split(';')):
            groups.add(option_values(shlex.split(expand(cmd)))[''])
        for cmd in filter(str.strip, (get(f'USERADD_PARAM:{pkg}') or '').split(';')):
            o = option_values(shlex.split(expand(cmd)))
            users[o['']] = (o.get('d', '/'),
                            set(filter(None, o.get('G', '').split(','))))
            if '--user-group' in o or '-U' in o:
                groups.add(o[''])
    check(users == want_users, f'yocto: users {users} are those of sysusers.d')
    check(groups == want_groups,
          f'yocto: groups {sorted(groups)} are those of sysusers.d')


# ------------------------------------------------------------ Buildroot

KCONFIG_LINE = re.compile(
    r'(config|menuconfig) BR2_\w+|bool "[^"]+"|default (y|n|BR2_\w+)|'
    r'depends on .+|select BR2_\w+( if .+)?( # .*)?|help|if .+|endif|'
    r'comment "[^"]+"')


def check_kconfig():
    """{symbol: [selected symbols]} of Config.in."""
    symbols, current, depth, in_help = {}, None, 0, False
    for n, line in logical_lines(read('packaging/buildroot/Config.in')):
        if in_help:
            if not line.strip() or line.startswith('\t  '):
                continue
            in_help = False
        if not line.strip():
            continue
        text = line.strip()
        check(KCONFIG_LINE.fullmatch(re.sub(r'\s+', ' ', text)) is not None,
              f'buildroot: Config.in line {n} is Kconfig: {text[:60]}')
        indented = line.startswith('\t')
        word = text.split()[0]
        check(indented == (word in ('bool', 'default', 'depends', 'select',
                                    'help')),
              f'buildroot: Config.in line {n} is indented as Kconfig wants')
        if word == 'config':
            current = text.split()[1]
            symbols[current] = []
        elif word == 'select' and current:
            symbols[current].append(text.split()[1])
        elif word == 'help':
            in_help = True
        elif word == 'if':
            depth += 1
        elif word == 'endif':
            depth -= 1
        elif word == 'comment':
            current = None
    check(depth == 0, 'buildroot: Config.in if/endif balance')
    names = list(symbols)
    check(names and names[0] == 'BR2_PACKAGE_OFFHOOK',
          'buildroot: the first symbol is BR2_PACKAGE_OFFHOOK')
    for sym in names[1:]:
        check(sym.startswith('BR2_PACKAGE_OFFHOOK_') and symbols[sym],
              f'buildroot: {sym} is an offhook option that selects something')
    return symbols


def check_buildroot(options):
    symbols = check_kconfig()
    selected = set(symbols.get('BR2_PACKAGE_OFFHOOK', []))
    values, guards, in_define, ended = {}, [], None, False
    users = []
    for n, line in logical_lines(read('packaging/buildroot/offhook.mk')):
        text = line.strip()
        if in_define:
            if text == 'endef':
                in_define = None
            elif in_define == 'OFFHOOK_USERS' and text:
                users.append(text)
            continue
        if not text or text.startswith('#'):
            continue
        check(not ended, f'buildroot: offhook.mk line {n} comes before the '
              '$(eval $(meson-package))')
        m = re.fullmatch(r'ifeq \(\$\((BR2_\w+)\),y\)', text)
        if m:
            guards.append(m[1])
            continue
        if text == 'else':
            check(bool(guards),
                  f'buildroot: offhook.mk line {n}: else in an ifeq')
            guards[-1:] = ['!' + g for g in guards[-1:]]
            continue
        if text == 'endif':
            check(bool(guards),
                  f'buildroot: offhook.mk line {n}: endif of an ifeq')
            guards[-1:] = []
            continue
        m = re.fullmatch(r'define (OFFHOOK_\w+)', text)
        if m:
            in_define = m[1]
            continue
        if text == '$(eval $(meson-package))':
            ended = True
            continue
        m = re.fullmatch(r'(OFFHOOK_\w+)\s*(\+=|=)\s*(.*)', text)
        if not check(m is not None, f'buildroot: offhook.mk line {n} sets an '
                     f'OFFHOOK_ variable: {text[:60]}'):
            continue
        for word in m[3].split():
            values.setdefault(m[1], []).append((word, tuple(guards)))
    check(not guards and in_define is None,
          'buildroot: ifeq/endif and define/endef balance')
    check(ended, 'buildroot: offhook.mk ends with $(eval $(meson-package))')
    for var in ('VERSION', 'SITE', 'LICENSE', 'DEPENDENCIES', 'CONF_OPTS'):
        check(values.get(f'OFFHOOK_{var}'), f'buildroot: OFFHOOK_{var} is set')

    deps = values.get('OFFHOOK_DEPENDENCIES', [])
    for dep, guard in deps:
        if dep.startswith('host-'):
            continue
        sym = 'BR2_PACKAGE_' + dep.upper().replace('-', '_')
        check(sym in selected or sym in guard,
              f'buildroot: {dep} is selected by BR2_PACKAGE_OFFHOOK '
              'or guarded by its own symbol')

    # the configuration of an image with systemd
    args = [w for w, guard in values.get('OFFHOOK_CONF_OPTS', [])
            if all(g == 'BR2_PACKAGE_SYSTEMD' for g in guard)]
    check_meson_args([w for w, _ in values.get('OFFHOOK_CONF_OPTS', [])],
                     options, 'buildroot OFFHOOK_CONF_OPTS')
    installed, found = meson_layout(
        ['--prefix=/usr', '--libdir=lib', '--sysconfdir=/etc',
         '--localstatedir=/var'] + args)
    names = {d for d, g in deps if all(x == 'BR2_PACKAGE_SYSTEMD' for x in g)}
    for dep in sorted(found):
        if PROVIDERS.get(dep):
            check(PROVIDERS[dep][1] in names,
                  f'buildroot: {dep} is in OFFHOOK_DEPENDENCIES '
                  f'({PROVIDERS[dep][1]})')
    check('/usr/lib/systemd/system/offhookd.service' in installed,
          'buildroot: offhookd.service goes to /usr/lib/systemd/system')

    want_users, want_groups = sysusers()
    got_users, got_groups = {}, set()
    for line in users:
        f = shlex.split(line)
        check(len(f) >= 9, f'buildroot: users table line has 9 fields: {line}')
        name, group, home, extra = f[0], f[2], f[5], f[7]
        got_groups.add(group)
        if name != '-':
            got_users[name] = (home, set(filter(None, extra.split(',')))
                               if extra != '-' else set())
            got_groups |= got_users[name][1]
    check(got_users == want_users,
          f'buildroot: users {got_users} are those of sysusers.d')
    check(got_groups == want_groups,
          f'buildroot: groups {sorted(got_groups)} are those of sysusers.d')


options = meson_options()
check_yocto(options)
check_buildroot(options)
if failures:
    print(f'FAIL - {len(failures)} checks failed', flush=True)
    sys.exit(1)
print('ok - packaging-recipes: all checks passed', flush=True)
