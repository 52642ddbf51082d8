package io.ncsync.protocol;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import io.ncsync.protocol.nextcloud.NextcloudFeatures;
import io.ncsync.protocol.testing.nextcloud.NextcloudTestServer;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The contract against the Nextcloud test server, with every Nextcloud feature on (chunking, bulk, checksums). */
class NextcloudStoreContractTest extends RemoteStoreContract {
  private static ActorSystem<Void> system;
  private static NextcloudTestServer server;
  private static AkkaHttpRemoteStore rootStore;

  @BeforeAll
  static void start() throws Exception {
    system = ActorSystem.create(Behaviors.empty(), "nextcloud-contract-test");
    server = NextcloudTestServer.start(NextcloudTestServer.Options.defaults().withMinChunkSize(64 << 10));
    rootStore = create(server.appPassword(), TEST_SETTINGS);
  }

  private static AkkaHttpRemoteStore create(String password, AkkaHttpRemoteStore.Settings settings) {
    return AkkaHttpRemoteStore.create(system, new DavEndpoint(server.filesRoot(), server.loginName(), password), settings)
        .withFeatures(NextcloudFeatures.allOn(server.baseUrl(), server.userId()));
  }

  @AfterAll
  static void stop() {
    if (system != null) system.terminate();
    if (server != null) server.close();
  }

  @Override
  protected ActorSystem<Void> system() {
    return system;
  }

  @Override
  protected AkkaHttpRemoteStore rootStore() {
    return rootStore;
  }

  @Override
  protected AkkaHttpRemoteStore newRootStore(String password, AkkaHttpRemoteStore.Settings settings) {
    return create(password, settings);
  }

  @Override
  protected String password() {
    return server.appPassword();
  }

  @Override
  protected Path documentRoot() {
    return server.filesDir();
  }

  @Override
  protected boolean nextcloud() {
    return true;
  }
}
