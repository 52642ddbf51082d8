package io.ncsync.protocol.nextcloud;

import java.time.Instant;
import java.util.Map;

/**
 * One entry of the activity stream (files filter).
 *
 * @param activityId  the stream's cursor value: increasing, unique
 * @param datetime    when it happened, or null when unreadable
 * @param app         the app that wrote it ("files", "files_sharing", …)
 * @param type        e.g. file_created, file_changed, file_deleted, file_restored
 * @param user        who did it ("" for anonymous or system)
 * @param subject     the subject as the server sends it (an id such as "renamed_self", or rendered text): renames
 *                    and moves are file_changed with subjects renamed_* / moved_*
 * @param objectType  "files" for file activities
 * @param objectId    the file id of the main object, 0 when none
 * @param objectName  its path below the user's files root, with a leading '/' ("" when none)
 * @param objects     every file id the activity touches → its path
 * @param richPaths   the paths of the file parameters of {@code subject_rich} (e.g. both {@code oldfile} and
 *                    {@code newfile} of a rename), as the server wrote them
 */
public record Activity(
    long activityId,
    Instant datetime,
    String app,
    String type,
    String user,
    String subject,
    String objectType,
    long objectId,
    String objectName,
    Map<Long, String> objects,
    java.util.List<String> richPaths) {

  public Activity {
    objects = Map.copyOf(objects);
    richPaths = java.util.List.copyOf(richPaths);
  }

  /** Every path the activity names: its object, its objects and its rich parameters, as the server wrote them. */
  public java.util.Set<String> paths() {
    java.util.Set<String> paths = new java.util.LinkedHashSet<>();
    if (!objectName.isEmpty()) paths.add(objectName);
    paths.addAll(objects.values());
    paths.addAll(richPaths);
    paths.remove("");
    return paths;
  }

  /**
   * Renames and moves arrive as file_changed with a renamed_* or moved_* subject (or, rendered, "… renamed …" /
   * "… moved …"), usually naming two paths in {@link #objects()}. A hint: re-list the folders involved.
   */
  public boolean renameOrMove() {
    String s = subject == null ? "" : subject.toLowerCase(java.util.Locale.ROOT);
    return s.startsWith("renamed") || s.startsWith("moved") || s.contains(" renamed ") || s.contains(" moved ");
  }
}
