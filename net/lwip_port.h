/* Plinth's lwIP port: clock, diagnostics and start-up. */
#ifndef PLINTH_LWIP_PORT_H
#define PLINTH_LWIP_PORT_H

/* Initialises the stack; its timers run from net_poll(). */
void net_init(void);
void net_poll(void);
const char *net_lwip_version(void);

#endif
