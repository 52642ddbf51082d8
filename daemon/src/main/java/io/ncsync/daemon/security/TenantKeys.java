package io.ncsync.daemon.security;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.TinkProtoKeysetFormat;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import io.ncsync.daemon.db.JdbcDataKeys;
import io.ncsync.daemon.db.JdbcDataKeys.Wrapped;
import io.ncsync.daemon.security.CredentialCipher.CredentialException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The envelope: every tenant has its own data key (a Tink AES-256-GCM keyset), made on the tenant's first secret and
 * stored wrapped by the master key in {@code ncsync_data_keys}. Unwrapped keys are kept in memory, so a rotation of
 * the master key, which only re-wraps them, never interrupts encryption or decryption.
 */
public final class TenantKeys {
  private static final Logger log = LoggerFactory.getLogger(TenantKeys.class);

  private final JdbcDataKeys store;
  private final Map<String, Aead> unwrapped = new ConcurrentHashMap<>();
  private volatile MasterKey master;

  public TenantKeys(JdbcDataKeys store, MasterKey master) {
    this.store = store;
    this.master = master;
  }

  /** The master key now in use. */
  public MasterKey master() {
    return master;
  }

  /** Unwraps every stored data key now, so a start with a wrong or damaged key is noticed before the first sync. */
  public int unwrapAll() {
    try {
      List<Wrapped> all = store.all();
      for (Wrapped wrapped : all) unwrapped.computeIfAbsent(wrapped.tenantId(), t -> unwrap(wrapped, master));
      return all.size();
    } catch (SQLException e) {
      throw new CredentialException("cannot read the tenants' data keys: " + e.getMessage());
    }
  }

  /** The tenant's data key, made and stored on first use. Blocks on the database only on a tenant's first secret. */
  public Aead forTenant(String tenantId) {
    Aead known = unwrapped.get(tenantId);
    if (known != null) return known;
    synchronized (this) {
      return unwrapped.computeIfAbsent(tenantId, this::loadOrCreate);
    }
  }

  private Aead loadOrCreate(String tenantId) {
    MasterKey current = master;
    try {
      var stored = store.find(tenantId);
      if (stored.isPresent()) return unwrap(stored.get(), current);
      KeysetHandle fresh = KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM);
      Wrapped kept = store.insertIfAbsent(wrap(tenantId, fresh, current));
      log.info("made the data key of tenant {}", tenantId);
      return unwrap(kept, current);
    } catch (SQLException e) {
      throw new CredentialException("cannot store the data key of tenant " + tenantId + ": " + e.getMessage());
    } catch (GeneralSecurityException e) {
      throw new CredentialException("cannot make a data key: " + e.getClass().getSimpleName());
    }
  }

  /**
   * Re-wraps every data key under {@code next} and records it as the journal's master key, in one transaction; from
   * then on new data keys are wrapped under it. The data keys themselves do not change, so nothing stored needs to be
   * encrypted again and syncing goes on throughout.
   *
   * @return how many data keys were re-wrapped
   */
  public synchronized int rotate(MasterKey next) throws SQLException {
    MasterKey current = master;
    if (current.fingerprint().equals(next.fingerprint())) {
      throw new IllegalArgumentException("the new master key is the one in use");
    }
    List<Wrapped> rewrapped = new ArrayList<>();
    for (Wrapped wrapped : store.all()) {
      KeysetHandle keyset = parse(wrapped, current);
      rewrapped.add(wrap(wrapped.tenantId(), keyset, next));
    }
    store.rewrapAll(current.fingerprint(), rewrapped, next.fingerprint());
    master = next;
    log.info("master key rotated: {} data keys re-wrapped", rewrapped.size());
    return rewrapped.size();
  }

  private static Wrapped wrap(String tenantId, KeysetHandle keyset, MasterKey under) {
    try {
      byte[] sealed = TinkProtoKeysetFormat.serializeEncryptedKeyset(keyset, under.aead(), boundTo(tenantId));
      return new Wrapped(tenantId, under.fingerprint(), Base64.getEncoder().encodeToString(sealed));
    } catch (GeneralSecurityException e) {
      throw new CredentialException("cannot wrap the data key of tenant " + tenantId + ": "
          + e.getClass().getSimpleName());
    }
  }

  private static Aead unwrap(Wrapped wrapped, MasterKey under) {
    try {
      return parse(wrapped, under).getPrimitive(RegistryConfiguration.get(), Aead.class);
    } catch (GeneralSecurityException e) {
      throw new CredentialException("the data key of tenant " + wrapped.tenantId() + " cannot be used: "
          + e.getClass().getSimpleName());
    }
  }

  private static KeysetHandle parse(Wrapped wrapped, MasterKey under) {
    if (!wrapped.masterFingerprint().equals(under.fingerprint())) {
      throw new CredentialException("the data key of tenant " + wrapped.tenantId() + " is wrapped by another master "
          + "key than this node holds (it was rotated elsewhere): give this node the journal's master key");
    }
    try {
      return TinkProtoKeysetFormat.parseEncryptedKeyset(
          Base64.getDecoder().decode(wrapped.keyset()), under.aead(), boundTo(wrapped.tenantId()));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new CredentialException("the data key of tenant " + wrapped.tenantId() + " does not unwrap: it was "
          + "altered, or copied from another tenant");
    }
  }

  /** Binds a wrapped keyset to its tenant, so a row copied onto another tenant does not unwrap. */
  private static byte[] boundTo(String tenantId) {
    return ("ncsync data key/" + tenantId).getBytes(StandardCharsets.UTF_8);
  }
}
