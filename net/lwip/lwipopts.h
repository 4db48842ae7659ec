/* lwIP 2.1.3 options for Plinth: bare metal, no threads (NO_SYS), IPv4,
 * driven from the hypervisor's run loop. */
#ifndef PLINTH_LWIPOPTS_H
#define PLINTH_LWIPOPTS_H

#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0 /* one CPU, no interrupts in the host */
#define LWIP_TIMERS 1
#define LWIP_NETCONN 0
#define LWIP_SOCKET 0

/* Memory comes from newlib's heap (itself from the hypervisor pool): the
 * EFI image folds .bss into .data, so static pools would bloat the file. */
#define MEM_LIBC_MALLOC 1
#define MEMP_MEM_MALLOC 1
/* ...within a budget of its own (net/lwip_heap.h): with MEMP_MEM_MALLOC
 * the pool sizes below bound nothing. */
#include "net/lwip_heap.h"
#define mem_clib_malloc lwip_heap_malloc
#define mem_clib_calloc lwip_heap_calloc
#define mem_clib_free lwip_heap_free
#define MEM_ALIGNMENT 8

#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_ICMP 1
#define LWIP_RAW 1 /* the network self-test's echo requests */
#define LWIP_DHCP 1
#define LWIP_UDP 1
#define LWIP_TCP 1
#define LWIP_DNS 0
#define LWIP_IGMP 0
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK 1

#define TCP_MSS 1460
#define TCP_WND (8 * TCP_MSS)
#define TCP_SND_BUF (8 * TCP_MSS)
#define MEMP_NUM_TCP_PCB 16
#define TCP_LISTEN_BACKLOG 1 /* the management server caps its connections */
/* The server closes first (HTTP "Connection: close"), so each request
 * leaves a pcb in TIME_WAIT for 2 * TCP_MSL; pcbs come from the heap
 * (MEMP_MEM_MALLOC), so a short MSL keeps a stream of requests from
 * filling it: 10 s of TIME_WAIT instead of lwIP's 2 minutes. */
#define TCP_MSL 5000UL
#define PBUF_POOL_SIZE 32

#define LWIP_STATS 0
#define LWIP_CHECKSUM_CTRL_PER_NETIF 0

#endif
