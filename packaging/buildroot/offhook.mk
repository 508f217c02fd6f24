################################################################################
#
# offhook
#
################################################################################

# The tree to build: point OFFHOOK_SITE at your copy of the repository, or
# build a checkout with OFFHOOK_OVERRIDE_SRCDIR = /path/to/offhook in
# local.mk.  Checked by tests/packaging/check_recipes.py.
OFFHOOK_VERSION = main
OFFHOOK_SITE = https://git.example.org/offhook.git
OFFHOOK_SITE_METHOD = git
OFFHOOK_LICENSE = LGPL-2.1+
# liboffhook-hal's headers and .pc for UI packages built on it
OFFHOOK_INSTALL_STAGING = YES
# host-libglib2: gdbus-codegen and glib-mkenums; host-scdoc: man pages
OFFHOOK_DEPENDENCIES = \
	host-pkgconf host-libglib2 host-scdoc \
	libglib2 sofia-sip json-glib libevdev libgudev libpng \
	pulseaudio gstreamer1 gst1-plugins-base
# the tests need root, namespaces and real SIP peers: not in an image build
OFFHOOK_CONF_OPTS = -Dtests=false

# the units in the systemd unit directory; systemd first, so that meson
# always reads the same systemd.pc.  Readiness and watchdog need no
# library: offhookd speaks the notify protocol itself.
ifeq ($(BR2_PACKAGE_SYSTEMD),y)
OFFHOOK_DEPENDENCIES += systemd
OFFHOOK_CONF_OPTS += -Dsystemdsystemunitdir=/usr/lib/systemd/system
endif

# The users of packaging/sysusers/offhook.conf: offhookd runs as offhook
# (in the system-wide PulseAudio's pulse-access), UI processes join group
# offhook, account tools offhook-admin.
define OFFHOOK_USERS
	offhook -1 offhook -1 * /var/lib/offhook - pulse-access Offhook phone daemon
	- - offhook-admin -1 * - - - Offhook account administrators
	offhook-ui -1 offhook-ui -1 * /nonexistent - offhook,input,video Offhook phone UI
endef

$(eval $(meson-package))
