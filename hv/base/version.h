#ifndef PLINTH_VERSION_H
#define PLINTH_VERSION_H

/* "0.1.0 (git abc1234)", fixed at build time. */
extern const char plinth_version[];

#endif
