/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The error domain of liboffhook-hal. */
#include "oh-hal-error.h"

G_DEFINE_QUARK (oh-hal-error-quark, oh_hal_error)
