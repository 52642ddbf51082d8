package io.ncsync.persistence.library;

import io.ncsync.persistence.CborSerializable;

/**
 * One document as its library knows it now.
 *
 * @param documentId its id, stable across moves ({@link io.ncsync.persistence.sync.DocumentIds})
 * @param folder     true for a folder
 * @param size       bytes as last synced, -1 when it never synced
 * @param status     where it stands
 * @param reason     why, for a failed, excluded or conflicting document; else null
 * @param fileId     the server's fileid, or null
 * @param etag       the remote ETag as last synced, or null
 * @param conflictId the open conflict's id, or null
 */
public record DocumentView(String documentId, String path, boolean folder, long size, DocumentStatus status, String reason,
    String fileId, String etag, String conflictId) implements CborSerializable {}
