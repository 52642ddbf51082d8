package io.ncsync.persistence.tenant;

import io.ncsync.persistence.CborSerializable;

/** A library registered with its tenant. */
public record LibraryRef(String libraryId, String name) implements CborSerializable {}
