package io.ncsync.persistence.library;

import java.time.Instant;

/**
 * One step of a document's history: "what happened to this file".
 *
 * @param documentId the document's id ({@link io.ncsync.persistence.sync.DocumentIds})
 * @param path       its library-relative path after the step
 * @param from       the status before, or null for a document first seen
 * @param to         the status after
 * @param runId      the run it happened in, or null for an operator's action outside a run
 * @param at         when
 * @param reason     why, in words (the action, the rule or the failure)
 */
public record DocumentTransition(
    String documentId, String path, DocumentStatus from, DocumentStatus to, String runId, Instant at, String reason) {}
