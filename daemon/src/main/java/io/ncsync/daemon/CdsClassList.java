package io.ncsync.daemon;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * {@code ncsync cds-class-list} (hidden): prints the classes a daemon loads while it starts and syncs, which the jar
 * carries ({@value #RESOURCE}, made by {@code ops/cds/classlist.py}). {@code bin/ncsync} dumps a class-data sharing
 * archive from it beside the jar on the first start after a build, so every later start maps those classes instead
 * of loading them (issue 12's cold start: about 0.8 s and 1.5 s of CPU less to ready on 2 cores).
 */
@Command(name = "cds-class-list", hidden = true, description = "Prints the class list for the CDS archive.")
final class CdsClassList implements Callable<Integer> {
  static final String RESOURCE = "/cds/classes.lst";

  @Override
  public Integer call() throws IOException {
    try (InputStream list = CdsClassList.class.getResourceAsStream(RESOURCE)) {
      if (list == null) {
        System.err.println("ncsync: this jar carries no class list (" + RESOURCE + ")");
        return 1;
      }
      list.transferTo(System.out);
      System.out.flush();
      return 0;
    }
  }
}
