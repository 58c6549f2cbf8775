// The error a networked hub reports when its store cannot be reached in time. Callers can
// tell it apart from bad input (HubInputError) and from a closed hub (HubClosedError):
// this one is worth retrying later.
/** The hub's store (Redis) did not answer, answered with an error, or dropped the connection. */
export class HubUnavailableError extends Error {
    name = 'HubUnavailableError';
}
//# sourceMappingURL=hub-unavailable-error.js.map