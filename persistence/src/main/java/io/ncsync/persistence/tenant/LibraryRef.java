package io.ncsync.persistence.tenant;

import io.ncsync.persistence.CborSerializable;
import io.ncsync.persistence.library.LibraryConfig;

/**
 * A library registered with its tenant: the tenant's read model of its libraries (issue 12), so listing them, or
 * checking a new one against them, asks no library.
 *
 * @param config the library's configuration as last recorded, or null for a registration journaled before the read
 *               model held it (the daemon then asks the library once and records it)
 */
public record LibraryRef(String libraryId, String name, LibraryConfig config) implements CborSerializable {

  public LibraryRef(String libraryId, String name) {
    this(libraryId, name, null);
  }
}
