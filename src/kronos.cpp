// kronos.cpp: libtorch implementation of kronos.h (placeholder until the engine lands).
#include "kronos.h"
extern "C" const char *kronos_status_name(kronos_status s) { (void)s; return "unknown"; }
