#include "EncoreShims.h"

#include <stdio.h>

#if defined(__linux__)
#include <signal.h>
#include <sys/prctl.h>

int encore_die_with_parent(void) {
    return prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == 0 ? 0 : -1;
}
#else
int encore_die_with_parent(void) { return -1; }
#endif

void encore_line_buffer_stdout(void) { setvbuf(stdout, NULL, _IOLBF, 0); }
