package io.ncsync.daemon.http;

import io.ncsync.persistence.tenant.Role;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every operation of {@code /api/v1}, with the least role that may call it. Each route checks its caller through
 * {@link Access#require(Caller, Endpoint, java.util.function.Supplier)} with its constant here, so a route cannot
 * exist without an entry, and the OpenAPI document and the role and isolation tests are made from this list.
 *
 * @param path        below {@code /api/v1}, with {@code {name}} for path parameters
 * @param requestBody the JSON body's wire type, or null for none
 */
public enum Endpoint {
  OPENAPI("GET", "/openapi.json", Role.VIEWER, "This API's OpenAPI 3 description", null),
  TENANT_CREATE("POST", "/tenants", Role.SYSTEM, "Create a tenant", ApiJson.CreateTenant.class),
  TENANT_LIST("GET", "/tenants", Role.VIEWER, "List tenants (a non-system token sees its own)", null),
  TENANT_SHOW("GET", "/tenants/{tenantId}", Role.VIEWER, "Show a tenant", null),
  TENANT_UPDATE("PATCH", "/tenants/{tenantId}", Role.ADMIN, "Change a tenant's remoteBaseFolder (its admins) or name (system)", ApiJson.UpdateTenant.class),
  TENANT_DELETE("DELETE", "/tenants/{tenantId}", Role.SYSTEM, "Delete a tenant without libraries; its tokens are revoked", null),
  TOKEN_CREATE("POST", "/tenants/{tenantId}/tokens", Role.ADMIN, "Issue a token (its secret is shown only here)", ApiJson.CreateToken.class),
  TOKEN_LIST("GET", "/tenants/{tenantId}/tokens", Role.ADMIN, "List a tenant's tokens (no secrets)", null),
  TOKEN_DELETE("DELETE", "/tokens/{tokenId}", Role.ADMIN, "Revoke a token", null),
  CONNECTION_CREATE("POST", "/connections", Role.MANAGER, "Create a connection (tested first)", ApiJson.CreateConnection.class),
  CONNECTION_LIST("GET", "/connections", Role.VIEWER, "List connections", null),
  CONNECTION_SHOW("GET", "/connections/{connectionId}", Role.VIEWER, "Show a connection", null),
  CONNECTION_UPDATE("PATCH", "/connections/{connectionId}", Role.MANAGER, "Change a connection (tested first)", ApiJson.UpdateConnection.class),
  CONNECTION_DELETE("DELETE", "/connections/{connectionId}", Role.ADMIN, "Delete a connection no library uses", null),
  CONNECTION_FOLDERS("GET", "/connections/{connectionId}/folders", Role.VIEWER, "The server's folders one level below ?path=", null),
  SETUP("POST", "/setup", Role.MANAGER, "A connection (tested) and a library on it in one call; nothing is left when a step fails", ApiJson.Setup.class),
  CONNECTION_TEST("POST", "/connections/{connectionId}/test", Role.MANAGER, "Test a connection", null),
  LIBRARY_CREATE("POST", "/libraries", Role.MANAGER, "Create a library", ApiJson.CreateLibrary.class),
  LIBRARY_LIST("GET", "/libraries", Role.VIEWER, "List libraries", null),
  LIBRARY_SHOW("GET", "/libraries/{libraryId}", Role.VIEWER, "Show a library", null),
  LIBRARY_UPDATE("PATCH", "/libraries/{libraryId}", Role.MANAGER, "Change a library's settings", ApiJson.UpdateLibrary.class),
  LIBRARY_DELETE("DELETE", "/libraries/{libraryId}", Role.ADMIN, "Remove a library (?detach=keep|download)", null),
  LIBRARY_SYNC("POST", "/libraries/{libraryId}/sync", Role.MANAGER, "Start (or queue) a sync run", null),
  LIBRARY_STATUS("GET", "/libraries/{libraryId}/status", Role.VIEWER, "A library's state, runs, counts and failures", null),
  LIBRARY_CONFLICTS("GET", "/libraries/{libraryId}/conflicts", Role.VIEWER, "A library's conflicts (?state=)", null),
  DOCUMENT_LIST("GET", "/libraries/{libraryId}/documents", Role.VIEWER, "A library's documents with their last transition (?path=&status=&updatedSince=&page=&size=, or offset=&limit=)", null),
  DOCUMENT_SHOW("GET", "/libraries/{libraryId}/documents/{documentId}", Role.VIEWER, "One document with its history", null),
  DOCUMENT_LOCK("POST", "/libraries/{libraryId}/documents/{documentId}/lock", Role.MANAGER, "Lock a file for an owner: runs leave it alone until released or expired (ttlSeconds, default 300, at most 3600)", ApiJson.LockDocument.class),
  DOCUMENT_UNLOCK("DELETE", "/libraries/{libraryId}/documents/{documentId}/lock", Role.MANAGER, "Release a document's lock", null),
  VERSION_LIST("GET", "/libraries/{libraryId}/documents/{documentId}/versions", Role.VIEWER, "A document's newest versions on the server (Nextcloud; kept 24 h, ?refresh=true)", null),
  VERSION_CONTENT("GET", "/libraries/{libraryId}/documents/{documentId}/versions/{versionId}/content", Role.VIEWER, "One version's content, streamed", null),
  VERSION_RESTORE("POST", "/libraries/{libraryId}/documents/{documentId}/versions/{versionId}/restore", Role.MANAGER, "Restore a version on the server; a run brings it down", null),
  TRASHBIN_LIST("GET", "/connections/{connectionId}/trashbin", Role.VIEWER, "The server's trash bin under ?path= (Nextcloud)", null),
  TRASHBIN_RESTORE("POST", "/connections/{connectionId}/trashbin/{itemId}/restore", Role.MANAGER, "Restore a trash bin item on the server; the libraries holding its place bring it back", null),
  LIBRARY_RUNS("GET", "/libraries/{libraryId}/runs", Role.VIEWER, "A library's runs, newest first (?offset=&limit=)", null),
  LOGS("GET", "/logs", Role.VIEWER, "The sync log (?library=&level=&q=&since=&until=&page=&size=&format=json|csv|ndjson)", null),
  EVENTS("GET", "/events", Role.VIEWER, "Live events of the token's tenant as Server-Sent Events", null),
  SUMMARY("GET", "/summary", Role.VIEWER, "Libraries by state, documents by status, open conflicts, newest failures", null),
  WEBHOOK_CREATE("POST", "/webhooks", Role.ADMIN, "Post the tenant's events to a URL, signed (the secret is shown only here)", ApiJson.CreateWebhook.class),
  WEBHOOK_LIST("GET", "/webhooks", Role.VIEWER, "The tenant's webhooks (no secrets)", null),
  WEBHOOK_DELETE("DELETE", "/webhooks/{webhookId}", Role.ADMIN, "Stop posting to a webhook", null),
  LIBRARY_TRASH("GET", "/libraries/{libraryId}/trash", Role.VIEWER, "A library's trash log (?offset=&limit=)", null),
  GUARD_RESOLVE("POST", "/libraries/{libraryId}/guard", Role.MANAGER, "Confirm or cancel what the deletion guard held", ApiJson.GuardRequest.class),
  FAILURES_RETRY("POST", "/libraries/{libraryId}/failures/retry", Role.MANAGER, "Retry waiting or parked documents", ApiJson.RetryFailures.class),
  CONFLICT_RESOLVE("POST", "/conflicts/{conflictId}/resolve", Role.MANAGER, "Resolve a conflict", ApiJson.ResolveConflict.class),
  KEYS_ROTATE("POST", "/keys/rotate", Role.SYSTEM, "Re-wrap every tenant's data key under a new master key (generated into the key file, or newKey with NCSYNC_SECRET_KEY)", ApiJson.RotateKeys.class),
  TRASH_RESTORE("POST", "/trash/{entryId}/restore", Role.MANAGER, "Restore a trashed or replaced file", null);

  private static final Pattern PARAMETER = Pattern.compile("\\{([A-Za-z]+)}");

  private final String method;
  private final String path;
  private final Role role;
  private final String summary;
  private final Class<?> requestBody;

  Endpoint(String method, String path, Role role, String summary, Class<?> requestBody) {
    this.method = method;
    this.path = path;
    this.role = role;
    this.summary = summary;
    this.requestBody = requestBody;
  }

  public String method() {
    return method;
  }

  public String path() {
    return path;
  }

  public Role role() {
    return role;
  }

  public String summary() {
    return summary;
  }

  public Class<?> requestBody() {
    return requestBody;
  }

  /** The names of the path's parameters, in order. */
  public List<String> pathParameters() {
    List<String> names = new ArrayList<>();
    Matcher matcher = PARAMETER.matcher(path);
    while (matcher.find()) names.add(matcher.group(1));
    return names;
  }

  /** The path with each parameter replaced by {@code values} in order. */
  public String pathWith(String... values) {
    Matcher matcher = PARAMETER.matcher(path);
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (matcher.find()) matcher.appendReplacement(out, Matcher.quoteReplacement(values[i++]));
    matcher.appendTail(out);
    return out.toString();
  }
}
