/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* liboffhook-hal: the whole public API in one include. */
#pragma once

#include "oh-display.h"
#include "oh-fbdev-display.h"
#include "oh-frame.h"
#include "oh-hal-enums.h"
#include "oh-hal-error.h"
#include "oh-hook-switch.h"
#include "oh-keymap.h"
#include "oh-keypad.h"
#include "oh-lamp.h"
#include "oh-lamps.h"
#include "oh-phone-key.h"
#include "oh-terminal-display.h"
