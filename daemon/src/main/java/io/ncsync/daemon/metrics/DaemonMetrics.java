package io.ncsync.daemon.metrics;

import io.ncsync.persistence.library.LibraryObserver;
import io.ncsync.persistence.library.RunProgress;
import io.ncsync.persistence.library.RunSummary;
import io.ncsync.persistence.sync.ConflictRecord;
import io.ncsync.protocol.http.RequestTimings;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The daemon's Prometheus metrics ({@code ncsync_*}, labelled by tenant where they belong to one), fed by the
 * libraries as a {@link LibraryObserver} and by every remote request ({@link RequestTimings}), plus the JVM's. Served
 * by {@code GET /metrics} in the Prometheus text format.
 */
public final class DaemonMetrics implements LibraryObserver, RequestTimings.Listener {
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

  private final Counter runs = Counter.builder().name("ncsync_runs").help("Sync runs finished, by outcome and trigger")
      .labelNames("tenant", "outcome", "trigger").register(registry);
  private final Histogram runDuration = Histogram.builder().name("ncsync_run_duration_seconds")
      .help("How long sync runs took").labelNames("tenant", "outcome")
      .classicUpperBounds(0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600).register(registry);
  private final Counter transfers = Counter.builder().name("ncsync_transfers")
      .help("Files transferred, by direction (upload, download)").labelNames("tenant", "direction").register(registry);
  private final Counter bytes = Counter.builder().name("ncsync_transferred_bytes")
      .help("Bytes of the files transferred, by direction").labelNames("tenant", "direction").register(registry);
  private final Counter deletions = Counter.builder().name("ncsync_deletions")
      .help("Files deleted, by side (local, remote)").labelNames("tenant", "side").register(registry);
  private final Counter conflicts = Counter.builder().name("ncsync_conflicts")
      .help("Conflicts recorded").labelNames("tenant").register(registry);
  private final Counter resolutions = Counter.builder().name("ncsync_conflicts_resolved")
      .help("Conflicts resolved").labelNames("tenant").register(registry);
  private final Counter failures = Counter.builder().name("ncsync_document_failures")
      .help("Documents whose action failed in a run").labelNames("tenant").register(registry);
  private final Counter runFailures = Counter.builder().name("ncsync_run_failures")
      .help("Runs a fatal failure stopped, by failure code").labelNames("tenant", "code").register(registry);
  private final Gauge queue = Gauge.builder().name("ncsync_queue_depth")
      .help("Files the active runs still have to transfer or delete").labelNames("tenant").register(registry);
  private final Gauge running = Gauge.builder().name("ncsync_active_libraries")
      .help("Libraries running a sync now").labelNames("tenant").register(registry);
  private final Histogram requests = Histogram.builder().name("ncsync_remote_request_duration_seconds")
      .help("Remote WebDAV/Nextcloud requests until their answer's head, by tenant (empty: connection tests), method "
          + "and status (0: no answer)")
      .labelNames("tenant", "method", "status")
      .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30).register(registry);

  /** Per library ({@code tenant/library}): files its active run still has to do, and whether it runs. */
  private final Map<String, Integer> pendingByLibrary = new ConcurrentHashMap<>();

  public DaemonMetrics() {
    JvmMetrics.builder().register(registry);
  }

  @Override
  public void runStarted(String tenantId, String libraryId, RunSummary run) {
    pendingByLibrary.put(key(tenantId, libraryId), 0);
    refreshGauges(tenantId);
  }

  @Override
  public void runFinished(String tenantId, String libraryId, RunSummary run) {
    runs.labelValues(tenantId, String.valueOf(run.outcome()), String.valueOf(run.trigger())).inc();
    if (run.startedAt() != null && run.finishedAt() != null) {
      runDuration.labelValues(tenantId, String.valueOf(run.outcome()))
          .observe(Duration.between(run.startedAt(), run.finishedAt()).toMillis() / 1000.0);
    }
    transfers.labelValues(tenantId, "upload").inc(run.uploaded());
    transfers.labelValues(tenantId, "download").inc(run.downloaded());
    bytes.labelValues(tenantId, "upload").inc(run.bytesUploaded());
    bytes.labelValues(tenantId, "download").inc(run.bytesDownloaded());
    deletions.labelValues(tenantId, "local").inc(run.deletedLocal());
    deletions.labelValues(tenantId, "remote").inc(run.deletedRemote());
    failures.labelValues(tenantId).inc(run.failed());
    if (run.code() != null) runFailures.labelValues(tenantId, run.code().wireName()).inc();
    pendingByLibrary.remove(key(tenantId, libraryId));
    refreshGauges(tenantId);
  }

  @Override
  public void progress(String tenantId, String libraryId, RunProgress progress) {
    pendingByLibrary.put(key(tenantId, libraryId), Math.max(0, progress.filesTotal() - progress.filesDone()));
    refreshGauges(tenantId);
  }

  @Override
  public void conflictRaised(String tenantId, String libraryId, ConflictRecord conflict) {
    conflicts.labelValues(tenantId).inc();
  }

  @Override
  public void conflictResolved(String tenantId, String libraryId, ConflictRecord conflict) {
    resolutions.labelValues(tenantId).inc();
  }

  @Override
  public void answered(String owner, String method, int status, long nanos) {
    requests.labelValues(owner, method, Integer.toString(status)).observe(nanos / 1e9);
  }

  private void refreshGauges(String tenantId) {
    String prefix = tenantId + "/";
    int pending = 0;
    int active = 0;
    for (Map.Entry<String, Integer> entry : pendingByLibrary.entrySet()) {
      if (!entry.getKey().startsWith(prefix)) continue;
      active++;
      pending += entry.getValue();
    }
    queue.labelValues(tenantId).set(pending);
    running.labelValues(tenantId).set(active);
  }

  private static String key(String tenantId, String libraryId) {
    return tenantId + "/" + libraryId;
  }

  /** The text exposition of every metric. */
  public byte[] scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      writer.write(out, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  public String contentType() {
    return writer.getContentType();
  }
}
