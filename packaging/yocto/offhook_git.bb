# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Offhook for a Yocto image: offhookd as a locked-down systemd service, its
# bus policy and activation, offhookctl, offhook-ui, liboffhook-hal.  Copy this file into
# a layer (e.g. recipes-connectivity/offhook/) and set OFFHOOK_GIT_URI, or
# build a checkout with externalsrc:
#   INHERIT += "externalsrc"
#   EXTERNALSRC:pn-offhook = "/path/to/offhook"
# Needs meta-oe (sofia-sip).  Checked by tests/packaging/check_recipes.py.
SUMMARY = "Offhook, the software of a SIP desk phone"
DESCRIPTION = "offhookd registers a desk phone with a PBX, places and takes \
calls and carries their audio between PulseAudio and the far end; all of it \
on D-Bus as org.offhook.Phone1."
SECTION = "network"
LICENSE = "LGPL-2.1-or-later"
LIC_FILES_CHKSUM = "file://meson.build;beginline=1;endline=1;md5=79979fc1adb97b4b451c15517900ae0b"

OFFHOOK_GIT_URI ??= "git://git.example.org/offhook.git;protocol=https"
SRC_URI = "${OFFHOOK_GIT_URI};branch=main"
SRCREV = "${AUTOREV}"
PV = "0.1.0+git${SRCPV}"
S = "${WORKDIR}/git"

# glib-2.0-native: gdbus-codegen and glib-mkenums; scdoc-native: man pages
DEPENDS = "glib-2.0 glib-2.0-native sofia-sip gstreamer1.0 pulseaudio \
           json-glib libevdev libgudev libpng scdoc-native"

inherit meson pkgconfig systemd useradd

# The tests need root, namespaces and real SIP peers: not in an image build.
EXTRA_OEMESON = "-Dtests=false"

PACKAGECONFIG ??= "${@bb.utils.filter('DISTRO_FEATURES', 'systemd', d)} opus"
# the units in the systemd unit directory; systemd first, so that meson
# always reads the same systemd.pc (the sysusers.d directory).  Readiness
# and watchdog need no library: offhookd speaks the notify protocol itself.
PACKAGECONFIG[systemd] = "-Dsystemdsystemunitdir=${systemd_system_unitdir},,systemd"
# the codecs beyond PCMU/PCMA: GStreamer plugins offhookd loads at run time
PACKAGECONFIG[opus] = ",,,gstreamer1.0-plugins-base-opus"
# G.722 through gst-libav (its LICENSE_FLAGS "commercial" must be accepted)
PACKAGECONFIG[g722] = ",,,gstreamer1.0-libav"

PACKAGES =+ "offhookctl offhook-ui liboffhook-hal liboffhook-hal-dev"

# ${PN}: offhookd with its media and pulse modules (${libdir}/offhook, a default of
# FILES:${PN}), its configuration (${sysconfdir}), unit, bus policy,
# activation file, D-Bus interfaces and sysusers.d file
FILES:${PN} += "${systemd_system_unitdir}/offhookd.service \
                ${nonarch_libdir}/sysusers.d/offhook.conf \
                ${datadir}/dbus-1/system.d/org.offhook.Phone1.conf \
                ${datadir}/dbus-1/system-services/org.offhook.Phone1.service \
                ${datadir}/dbus-1/interfaces"
FILES:offhookctl = "${bindir}/offhookctl"
FILES:offhook-ui = "${bindir}/offhook-ui ${systemd_system_unitdir}/offhook-ui.service"
FILES:liboffhook-hal = "${libdir}/liboffhook-hal.so.*"
FILES:liboffhook-hal-dev = "${includedir}/offhook-hal \
                            ${libdir}/liboffhook-hal.so \
                            ${libdir}/pkgconfig/liboffhook-hal.pc"
CONFFILES:${PN} = "${sysconfdir}/offhook/offhookd.conf"

# What offhookd's media pipelines are made of: pulsesrc/pulsesink, rtpbin,
# udpsrc/udpsink, the RTP (de)payloaders, mulaw/alaw, dtmfsrc, audioconvert,
# audioresample, and spanplc (packet loss concealment, gst-plugins-bad with
# spandsp).  PulseAudio runs system-wide (pulseaudio --system).
RDEPENDS:${PN} = "dbus pulseaudio-server \
                  gstreamer1.0-plugins-base-audioconvert \
                  gstreamer1.0-plugins-base-audioresample \
                  gstreamer1.0-plugins-good-pulseaudio \
                  gstreamer1.0-plugins-good-rtp \
                  gstreamer1.0-plugins-good-rtpmanager \
                  gstreamer1.0-plugins-good-udp \
                  gstreamer1.0-plugins-good-mulaw \
                  gstreamer1.0-plugins-good-alaw \
                  gstreamer1.0-plugins-good-dtmf \
                  gstreamer1.0-plugins-bad-spandsp"
RRECOMMENDS:offhookctl = "${PN}"
RRECOMMENDS:offhook-ui = "${PN}"

SYSTEMD_PACKAGES = "${PN} offhook-ui"
SYSTEMD_SERVICE:${PN} = "offhookd.service"
SYSTEMD_SERVICE:offhook-ui = "offhook-ui.service"
SYSTEMD_AUTO_ENABLE = "enable"

# The users of packaging/sysusers/offhook.conf, for images whose users are
# made at build time: offhookd runs as offhook; UI processes join group
# offhook, account tools offhook-admin; offhook joins the system-wide
# PulseAudio's pulse-access.
USERADD_PACKAGES = "${PN} offhook-ui"
GROUPADD_PARAM:${PN} = "--system offhook-admin; --system -f pulse-access"
USERADD_PARAM:${PN} = "--system --user-group --home-dir ${localstatedir}/lib/offhook \
                       --no-create-home --shell ${base_sbindir}/nologin \
                       --groups pulse-access --comment 'Offhook phone daemon' offhook"
GROUPADD_PARAM:offhook-ui = "--system -f input; --system -f video"
USERADD_PARAM:offhook-ui = "--system --user-group --home-dir /nonexistent --no-create-home \
                            --shell ${base_sbindir}/nologin --groups offhook,input,video \
                            --comment 'Offhook phone UI' offhook-ui"
