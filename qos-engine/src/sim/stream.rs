//! A seeded byte-stream link (delay, cuts at random points) for MQTT over TCP.
