package io.ncsync.protocol.nextcloud;

import java.time.Instant;

/**
 * One older version of a file (files_versions).
 *
 * @param fileId       the file's oc:fileid
 * @param versionId    the version's name in the versions collection (a unix timestamp)
 * @param size         bytes
 * @param lastModified when this version was written, or null
 * @param etag         normalised ETag of the version, or null
 * @param contentType  MIME type, or null
 * @param label        nc:version-label, or null
 * @param author       nc:version-author (user id), or null
 */
public record FileVersion(
    String fileId, String versionId, long size, Instant lastModified, String etag, String contentType, String label,
    String author) {}
