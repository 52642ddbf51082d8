package io.ncsync.persistence;

/** Marker for every message, event and state that crosses the journal or the cluster; bound to jackson-cbor. */
public interface CborSerializable {}
