package dev.sovra.transport;

import dev.sovra.transport.message.EnrolRequest;
import dev.sovra.transport.message.EnrolResponse;

/** Controller side of enrolment: validates the token and signs the CSR. Runs on a handler thread. */
@FunctionalInterface
public interface EnrolmentHandler {
    EnrolResponse enrol(EnrolRequest request) throws EnrolmentException;
}
