package dev.sovra.transport;

import dev.sovra.transport.message.Message;

/** A decoded frame on its way from the decoder to the connection handler. */
record InboundFrame(byte kind, long correlationId, Message message) {}
