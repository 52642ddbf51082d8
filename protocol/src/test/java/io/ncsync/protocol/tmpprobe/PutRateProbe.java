package io.ncsync.protocol.tmpprobe;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import io.ncsync.protocol.*;
import io.ncsync.protocol.http.TransportSettings;
import io.ncsync.protocol.testing.ApacheDavServer;
import java.nio.file.*;
import java.util.*;
import java.util.concurrent.*;
import org.junit.jupiter.api.Test;

class PutRateProbe {
  @Test
  void probe() throws Exception {
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "probe");
    ApacheDavServer server = ApacheDavServer.start();
    int conns = Integer.getInteger("probe.conns", 8);
    AkkaHttpRemoteStore.Settings s = AkkaHttpRemoteStore.Settings.defaults().withMaxConnections(conns)
        .withTransport(TransportSettings.defaults().withRateLimit(0, 1));
    AkkaHttpRemoteStore store = AkkaHttpRemoteStore.create(system, new DavEndpoint(server.rootUrl(), server.username(), server.password()), s);
    Path dir = Files.createTempDirectory("probe");
    List<Path> files = new ArrayList<>();
    for (int i = 0; i < 400; i++) { Path f = dir.resolve("f" + i); Files.write(f, new byte[4096]); files.add(f); }
    akka.http.javadsl.Http http = akka.http.javadsl.Http.get(system);
    akka.http.javadsl.model.headers.Authorization auth = akka.http.javadsl.model.headers.Authorization.basic(server.username(), server.password());
    akka.http.javadsl.settings.ConnectionPoolSettings pool = akka.http.javadsl.settings.ConnectionPoolSettings.create(system.classicSystem()).withMaxConnections(conns).withMaxOpenRequests(64);
    for (int round = 0; round < 8; round++) {
      final int rr = round;
      store.mkdirs("s" + round).toCompletableFuture().get();
      long t = System.nanoTime();
      akka.stream.javadsl.Source.range(0, 399).mapAsyncUnordered(16, i -> store.upload("s" + rr + "/f" + i, files.get(i), Optional.empty(), true))
          .runWith(akka.stream.javadsl.Sink.ignore(), system).toCompletableFuture().get();
      double store16 = (System.nanoTime() - t) / 1e9;
      t = System.nanoTime();
      akka.stream.javadsl.Source.range(0, 399).mapAsyncUnordered(16, i -> http.singleRequest(akka.http.javadsl.model.HttpRequest.PUT(server.rootUrl() + "s" + rr + "/raw" + i)
            .addHeader(auth).withEntity(akka.http.javadsl.model.HttpEntities.create(akka.http.javadsl.model.ContentTypes.APPLICATION_OCTET_STREAM, 4096,
                akka.stream.javadsl.FileIO.fromPath(files.get(i), 65536))), http.defaultClientHttpsContext(), pool, system.classicSystem().log())
          .thenCompose(r -> r.discardEntityBytes(system).completionStage()))
          .runWith(akka.stream.javadsl.Sink.ignore(), system).toCompletableFuture().get();
      double raw16 = (System.nanoTime() - t) / 1e9;
      System.out.printf("PROBE round %d conns %d: 400 PUTs store %.3f s (%.0f/s), raw fileio %.3f s (%.0f/s)%n", round, conns, store16, 400 / store16, raw16, 400 / raw16);
    }
    system.terminate();
    server.close();
  }
}
