//! The CoAP endpoint state machine (`Endpoint`), client and server roles.
