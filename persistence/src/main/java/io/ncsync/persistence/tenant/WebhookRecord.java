package io.ncsync.persistence.tenant;

import io.ncsync.persistence.CborSerializable;
import java.time.Instant;
import java.util.List;

/**
 * Where a tenant's events are posted. The signing secret is held encrypted (the daemon signs with it, so it cannot be
 * a hash); it is shown once, when the webhook is made.
 *
 * @param events the event types it wants; empty for every type
 */
public record WebhookRecord(String id, String url, List<String> events, String encryptedSecret, Instant createdAt)
    implements CborSerializable {
  public WebhookRecord {
    events = events == null ? List.of() : List.copyOf(events);
  }

  public boolean wants(String type) {
    return events.isEmpty() || events.contains(type);
  }

  public WebhookRecord withEncryptedSecret(String replacement) {
    return new WebhookRecord(id, url, events, replacement, createdAt);
  }

  @Override
  public String toString() {
    return "WebhookRecord[id=" + id + ", url=" + url + ", events=" + events + "]";
  }
}
