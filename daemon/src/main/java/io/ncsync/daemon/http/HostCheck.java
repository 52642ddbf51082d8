package io.ncsync.daemon.http;

import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.headers.Host;
import akka.http.javadsl.server.Route;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import static akka.http.javadsl.server.Directives.complete;
import static akka.http.javadsl.server.Directives.optionalHeaderValueByType;

/**
 * Refuses requests whose {@code Host} names something other than this API, so a web page whose domain is re-pointed
 * at 127.0.0.1 (DNS rebinding) reaches nothing, not even {@code /health}. Accepted: IP literals (a page's origin is
 * then that address, which no other site can take), {@code localhost}, and the names the operator configures
 * ({@code NCSYNC_HTTP_ALLOWED_HOSTS}, e.g. the reverse proxy's). A request without a {@code Host} (HTTP/1.0) comes from
 * no browser and passes.
 */
public final class HostCheck {
  private final Set<String> names;
  private final ApiErrors errors;

  /** @param configured comma-separated host names besides localhost and IP literals */
  public HostCheck(String configured, ApiErrors errors) {
    this.names = Arrays.stream(configured == null ? new String[0] : configured.split(","))
        .map(String::trim).filter(n -> !n.isEmpty()).map(n -> n.toLowerCase(Locale.ROOT))
        .collect(Collectors.toUnmodifiableSet());
    this.errors = errors;
  }

  public Route allowed(Supplier<Route> inner) {
    return optionalHeaderValueByType(Host.class, host -> {
      if (host.isEmpty() || accepts(host.get().host().address())) return inner.get();
      return complete(errors.errorResponse(StatusCodes.MISDIRECTED_REQUEST, "host_not_allowed",
          "this API does not answer for the host '" + host.get().host().address() + "': use its address, localhost, "
              + "or a name listed in NCSYNC_HTTP_ALLOWED_HOSTS", "Host", Map.of()));
    });
  }

  boolean accepts(String host) {
    String name = host.toLowerCase(Locale.ROOT);
    if (name.startsWith("[") && name.endsWith("]")) name = name.substring(1, name.length() - 1);
    return name.isEmpty() || name.equals("localhost") || isIpLiteral(name) || names.contains(name);
  }

  private static boolean isIpLiteral(String name) {
    if (name.contains(":")) return name.matches("[0-9a-f:.]+"); // IPv6
    return name.matches("\\d{1,3}(\\.\\d{1,3}){3}");
  }
}
