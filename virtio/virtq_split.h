/* The split virtqueue layout (virtio 1.2, 2.7), for drivers that do not
 * accept RING_PACKED.  Called by virtq.c for queues with split set;
 * the contract is virtq.h's. */
#ifndef PLINTH_VIRTQ_SPLIT_H
#define PLINTH_VIRTQ_SPLIT_H

#include "virtio/virtq.h"

bool vqs_avail(const struct virtq *q);
int vqs_pop(struct virtq *q, struct vq_chain *c);
void vqs_push(struct virtq *q, uint16_t id, uint32_t len);
bool vqs_need_interrupt(struct virtq *q);
void vqs_set_notify(struct virtq *q, bool on);

#endif
