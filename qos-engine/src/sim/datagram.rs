//! A seeded datagram link (loss, duplication, reordering, delay) for CoAP over UDP.
