package io.ncsync.daemon.events;

import io.ncsync.persistence.CborSerializable;

/**
 * Something that happened in a library, as the live event stream ({@code GET /api/v1/events}) and webhooks send it.
 *
 * @param type    {@code run_started}, {@code run_progress}, {@code run_finished}, {@code conflict_raised},
 *                {@code conflict_resolved}, {@code library_state}
 * @param json    the event's data, a JSON object (made once, sent to every subscriber as it is)
 */
public record LiveEvent(String tenantId, String libraryId, String type, String json) implements CborSerializable {}
