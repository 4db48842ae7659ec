#include "hv/base/version.h"

const char plinth_version[] = PLINTH_VERSION " (git " PLINTH_GITREV ")";
