package io.ncsync.protocol.nextcloud;

import java.time.Instant;

/**
 * One item of the trash bin.
 *
 * @param id               its name in the trash collection (file name plus ".d<deletion time>"): the handle for
 *                         restore and purge, not for display
 * @param fileName         nc:trashbin-filename: the name to show
 * @param originalLocation nc:trashbin-original-location: where it was, below the user's files root
 * @param deletionTime     nc:trashbin-deletion-time, or null
 * @param deletedBy        nc:trashbin-deleted-by-id, or null
 * @param folder           true for a deleted folder
 * @param size             bytes (recursive for folders), -1 when unknown
 * @param fileId           oc:fileid, or null
 */
public record TrashItem(
    String id, String fileName, String originalLocation, Instant deletionTime, String deletedBy, boolean folder,
    long size, String fileId) {}
