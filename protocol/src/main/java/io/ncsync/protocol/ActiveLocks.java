package io.ncsync.protocol;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * The locks a PROPFIND of {@code DAV:lockdiscovery} lists (RFC 4918 §15.8), read with the same hardened parser as
 * listings: each {@code activelock}'s owner as plain text (markup inside it ignored) and its token.
 */
final class ActiveLocks {
  private ActiveLocks() {}

  /** @param owner the owner's text, trimmed ("" when none); @param token the lock token URI */
  record ActiveLock(String owner, String token) {}

  /** Every active lock with a token; MALFORMED_RESPONSE for XML we do not accept. */
  static List<ActiveLock> parse(byte[] body) {
    List<ActiveLock> locks = new ArrayList<>();
    XMLStreamReader reader = null;
    try {
      reader = MultistatusParser.newFactory().createXMLStreamReader(new ByteArrayInputStream(body));
      MultistatusParser.skipProlog(reader);
      String owner = null;
      String token = null;
      StringBuilder text = null;
      boolean inToken = false;
      while (reader.hasNext()) {
        int event = reader.next();
        if (event == XMLStreamConstants.DTD) throw new XMLStreamException("DOCTYPE declarations are not accepted");
        if (event == XMLStreamConstants.START_ELEMENT && MultistatusParser.DAV.equals(reader.getNamespaceURI())) {
          switch (reader.getLocalName()) {
            case "activelock" -> { owner = ""; token = null; }
            case "owner" -> text = new StringBuilder();
            case "locktoken" -> inToken = true;
            case "href" -> { if (inToken) text = new StringBuilder(); }
            default -> { }
          }
        } else if (event == XMLStreamConstants.CHARACTERS && text != null) {
          text.append(reader.getText());
        } else if (event == XMLStreamConstants.END_ELEMENT && MultistatusParser.DAV.equals(reader.getNamespaceURI())) {
          switch (reader.getLocalName()) {
            case "owner" -> { owner = text == null ? "" : text.toString().strip(); text = null; }
            case "href" -> { if (inToken && text != null) token = text.toString().strip(); if (inToken) text = null; }
            case "locktoken" -> inToken = false;
            case "activelock" -> { if (token != null && !token.isEmpty()) locks.add(new ActiveLock(owner, token)); }
            default -> { }
          }
        }
      }
      return locks;
    } catch (XMLStreamException | RuntimeException e) {
      if (e instanceof DavException dav) throw dav;
      throw new DavException(DavError.MALFORMED_RESPONSE, 207, "lockdiscovery is not acceptable XML: " + e.getMessage(), e);
    } finally {
      if (reader != null) {
        try {
          reader.close();
        } catch (XMLStreamException ignored) {
          // nothing to release beyond the byte array
        }
      }
    }
  }
}
