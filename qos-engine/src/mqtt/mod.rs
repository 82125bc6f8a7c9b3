//! The MQTT session state machine (`Session`), client and server roles.
