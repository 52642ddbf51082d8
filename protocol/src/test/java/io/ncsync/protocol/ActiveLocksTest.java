package io.ncsync.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ActiveLocksTest {
  private static List<ActiveLocks.ActiveLock> parse(String xml) {
    return ActiveLocks.parse(xml.getBytes(StandardCharsets.UTF_8));
  }

  /** As mod_dav answers a PROPFIND of DAV:lockdiscovery: the owner's markup is kept, its text is what counts. */
  @Test
  void readsEveryActiveLocksOwnerTextAndToken() {
    List<ActiveLocks.ActiveLock> locks = parse("""
        <?xml version="1.0" encoding="utf-8"?>
        <D:multistatus xmlns:D="DAV:"><D:response><D:href>/dav/f.txt</D:href><D:propstat><D:prop>
        <D:lockdiscovery>
          <D:activelock><D:locktype><D:write/></D:locktype><D:lockscope><D:exclusive/></D:lockscope><D:depth>0</D:depth>
            <D:owner xmlns:D="DAV:"> ncsync connection 42 </D:owner><D:timeout>Second-60</D:timeout>
            <D:locktoken><D:href>opaquelocktoken:aaa</D:href></D:locktoken></D:activelock>
          <D:activelock><D:owner><D:href>mailto:someone@example.com</D:href></D:owner>
            <D:locktoken><D:href>opaquelocktoken:bbb</D:href></D:locktoken></D:activelock>
          <D:activelock><D:owner>no token</D:owner></D:activelock>
        </D:lockdiscovery></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response></D:multistatus>
        """);
    assertEquals(List.of(new ActiveLocks.ActiveLock("ncsync connection 42", "opaquelocktoken:aaa"),
        new ActiveLocks.ActiveLock("mailto:someone@example.com", "opaquelocktoken:bbb")), locks);
  }

  @Test
  void noLocksIsAnEmptyList() {
    assertEquals(List.of(), parse("""
        <?xml version="1.0"?><D:multistatus xmlns:D="DAV:"><D:response><D:href>/f</D:href><D:propstat><D:prop>
        <D:lockdiscovery/></D:prop></D:propstat></D:response></D:multistatus>"""));
  }

  @Test
  void aDoctypeIsRefused() {
    DavException e = assertThrows(DavException.class, () -> parse("""
        <?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "owner">]><D:multistatus xmlns:D="DAV:"/>"""));
    assertEquals(DavError.MALFORMED_RESPONSE, e.error());
  }
}
